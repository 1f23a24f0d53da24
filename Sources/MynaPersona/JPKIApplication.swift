import MynaCard

/// The 公的個人認証AP (JPKI AP) built from a persona's keys and certificates (spec §3, Part A 5, 9).
public enum JPKIApplication {
    public static let aid: [UInt8] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]

    /// Credential ids in the card state file.
    public static let authPIN: CredentialID = "jpki.auth-pin"
    public static let signPassword: CredentialID = "jpki.sign-password"

    /// File identifiers.
    public enum File {
        public static let signCertificate: UInt16 = 0x0001
        public static let signCACertificate: UInt16 = 0x0002
        public static let tokenInfo: UInt16 = 0x0006
        public static let certificateAvailability: UInt16 = 0x0008
        public static let authCertificate: UInt16 = 0x000A
        public static let authCACertificate: UInt16 = 0x000B
        public static let authKey: UInt16 = 0x0017
        public static let authPIN: UInt16 = 0x0018
        public static let signKey: UInt16 = 0x001A
        public static let signPassword: UInt16 = 0x001B
    }

    /// The credentials of this AP. On a face-authentication card the PIN answers as blocked.
    public static func credentials(for persona: Persona) -> [Credential] {
        var out = [
            Credential(
                id: authPIN, initialValue: Array(persona.credentials.authPIN.utf8), maxTries: 3, format: .digits(4),
                blockedAtIssue: persona.card.faceAuthentication
            )
        ]
        if persona.card.hasSignatureCertificate {
            out.append(
                Credential(
                    id: signPassword, initialValue: Array(persona.credentials.signPassword.utf8), maxTries: 5,
                    format: .alphanumericPassword(min: 6, max: 16)
                )
            )
        }
        return out
    }

    /// The AP with its files.
    public static func make(
        persona: Persona, authKey: RSAPrivateKey, signKey: RSAPrivateKey?,
        authCertificate: [UInt8], signCertificate: [UInt8]?, authCA: [UInt8], signCA: [UInt8]
    ) -> Application {
        var files: [ElementaryFile] = [
            .init(fid: File.signCACertificate, content: .transparent(signCA)),
            .init(fid: File.tokenInfo, content: .transparent(tokenInfo(serialNumber: persona.card.serialNumber))),
            .init(fid: File.certificateAvailability, content: .transparent(signKey == nil ? [0x00, 0x8F, 0x00] : [0x8F, 0x8F, 0x00])),
            .init(fid: 0x0009, content: .transparent([UInt8](repeating: 0xFF, count: 16)), readAccess: .never),
            .init(fid: File.authCertificate, content: .transparent(authCertificate)),
            .init(fid: File.authCACertificate, content: .transparent(authCA)),
            .init(fid: 0x0016, content: .opaque),
            .init(fid: File.authKey, content: .key(CardKey(key: authKey, useAccess: .anyOf([authPIN])))),
            .init(fid: File.authPIN, content: .credential(authPIN)),
        ]
        if let signKey, let signCertificate {
            files += [
                .init(fid: File.signCertificate, content: .transparent(signCertificate), readAccess: .anyOf([signPassword])),
                .init(fid: File.signKey, content: .key(CardKey(key: signKey, useAccess: .anyOf([signPassword])))),
                .init(fid: File.signPassword, content: .credential(signPassword)),
            ]
        }
        // Selectable files of unknown purpose seen on real cards (AOKI constants).
        files += [0x0005, 0x0010, 0x0019, 0x001C, 0x001E].map { ElementaryFile(fid: $0, content: .opaque) }
        return Application(name: "JPKI", aid: aid, files: files.sorted { $0.fid < $1.fid },
                           refusedInstructions: [Instruction.setSessionKey: .securityStatusNotSatisfied, Instruction.verifyCertificate: .incorrectP1P2])
    }

    /// EF `0006`: PKCS#11 CK_TOKEN_INFO, 160 bytes, 32-bit big-endian CK_ULONGs (spec §3.1).
    public static func tokenInfo(serialNumber: String) -> [UInt8] {
        func text(_ s: String, _ width: Int) -> [UInt8] {
            Array(Array(s.utf8).prefix(width)) + [UInt8](repeating: 0x20, count: max(0, width - s.utf8.count))
        }
        func ulong(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        var out = text("JPKIAPICCTOKEN2", 32)
        out += text("mynasim virtual card (TEST)", 32)
        out += text("MYNASIM1", 16)
        out += text(serialNumber, 16)
        out += ulong(0x0000_040D) // RNG | LOGIN_REQUIRED | USER_PIN_INITIALIZED | TOKEN_INITIALIZED
        out += [1, 0, 1, 0].flatMap(ulong) // max sessions, sessions, max RW sessions, RW sessions
        out += ulong(16) + ulong(6) // max/min PIN length
        out += [UInt32](repeating: 0xFFFF_FFFF, count: 4).flatMap(ulong) // memory fields: unavailable
        out += Array("03".utf8) + Array("01".utf8) // hardware, firmware version
        out += text("", 16) // utcTime: no clock
        return out
    }
}
