import ISO7816

/// The 公的個人認証AP (JPKI AP, public personal authentication application): the authentication
/// and signature certificates, their keys and the PIN and password that guard them (card reference §jpki,
/// §decision-jpki-files, §decision-face-auth).
public enum JPKIApplication {
    public static let aid: [UInt8] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]

    /// File identifiers.
    public enum File {
        /// 署名用電子証明書 (signature certificate), readable after the signature password.
        public static let signCertificate: FileID = 0x0001
        /// The signature CA's certificate.
        public static let signCACertificate: FileID = 0x0002
        /// CK_TOKEN_INFO (160 bytes).
        public static let tokenInfo: FileID = 0x0006
        /// Which certificates the card carries: `8F 8F 00`, or `00 8F 00` without a signature certificate.
        public static let certificateAvailability: FileID = 0x0008
        /// Present on real cards, never readable.
        public static let unreadable: FileID = 0x0009
        /// 利用者証明用電子証明書 (authentication certificate), free to read.
        public static let authCertificate: FileID = 0x000A
        /// The authentication CA's certificate.
        public static let authCACertificate: FileID = 0x000B
        /// The authentication key (signs after the PIN).
        public static let authKey: FileID = 0x0017
        /// The signature key (signs after the password).
        public static let signKey: FileID = 0x001A
        /// Selectable files of unknown purpose seen on real cards.
        public static let unknownPurpose: [FileID] = [0x0005, 0x0010, 0x0016, 0x0019, 0x001C, 0x001E]
    }

    /// 利用者証明用暗証番号: the 4-digit authentication PIN, 3 tries.
    public static let authPIN = CredentialPolicy(
        id: CredentialID("jpki.auth-pin"), file: 0x0018, maxTries: 3, format: .digits(4), change: .changeReferenceData,
        label: "利用者証明用暗証番号 (authentication PIN)")
    /// 署名用パスワード: the 6–16 character signature password, 5 tries.
    public static let signPassword = CredentialPolicy(
        id: CredentialID("jpki.sign-password"), file: 0x001B, maxTries: 5, format: .alphanumericPassword(min: 6, max: 16),
        change: .changeReferenceData, label: "署名用パスワード (signature password)")

    /// The token label in EF 0006, space-padded to 32 bytes.
    public static let tokenLabel = "JPKIAPICCTOKEN2"

    /// EF 0008 for a card with and without a signature certificate (card reference §decision-jpki-files, §decision-face-auth).
    public static func certificateAvailability(hasSignatureCertificate: Bool) -> [UInt8] {
        hasSignatureCertificate ? [0x8F, 0x8F, 0x00] : [0x00, 0x8F, 0x00]
    }

    /// The AP's files; without a signature certificate (a minor's or a face-authentication card)
    /// EF 0001, 001A and 001B are absent (card reference §decision-face-auth).
    public static func layout(hasSignatureCertificate: Bool) -> ApplicationLayout {
        var files: [FileLayout] = [
            .transparent(File.signCACertificate), .transparent(File.tokenInfo), .transparent(File.certificateAvailability),
            .transparent(File.unreadable, readAccess: .never), .transparent(File.authCertificate), .transparent(File.authCACertificate),
            .signingKey(File.authKey, use: .anyOf(authPIN)), .credential(authPIN),
        ]
        if hasSignatureCertificate {
            files += [
                .transparent(File.signCertificate, readAccess: .anyOf(signPassword)),
                .signingKey(File.signKey, use: .anyOf(signPassword)), .credential(signPassword),
            ]
        }
        return ApplicationLayout(
            id: .jpki, files: files + FileLayout.opaque(File.unknownPurpose),
            refusedInstructions: [
                ProprietaryInstruction.setSessionKey: .securityStatusNotSatisfied,
                ProprietaryInstruction.verifyCertificate: .incorrectP1P2,
            ])
    }

    /// EF `0006`: PKCS#11 CK_TOKEN_INFO, 160 bytes, 32-bit big-endian CK_ULONGs (card reference §jpki-token-info).
    public static func tokenInfo(serialNumber: String) -> [UInt8] {
        func text(_ s: String, _ width: Int) -> [UInt8] {
            Array(Array(s.utf8).prefix(width)) + [UInt8](repeating: 0x20, count: max(0, width - s.utf8.count))
        }
        func ulong(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        var out = text(tokenLabel, 32)
        out += text("mynasim virtual card (TEST)", 32)
        out += text("MYNASIM1", 16)
        out += text(serialNumber, 16)
        out += ulong(0x0000_040D)  // RNG | LOGIN_REQUIRED | USER_PIN_INITIALIZED | TOKEN_INITIALIZED
        out += [1, 0, 1, 0].flatMap(ulong)  // max sessions, sessions, max RW sessions, RW sessions
        out += ulong(16) + ulong(6)  // max/min PIN length
        out += [UInt32](repeating: 0xFFFF_FFFF, count: 4).flatMap(ulong)  // memory fields: unavailable
        out += Array("03".utf8) + Array("01".utf8)  // hardware, firmware version
        out += text("", 16)  // utcTime: no clock
        return out
    }

    /// The token label as read from the first 32 bytes of EF 0006.
    public static func tokenLabel(fromTokenInfo bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(32), as: UTF8.self).trimmingCharacters(in: " ")
    }
}

extension String {
    /// Drops leading and trailing `character`s (Foundation-free trimming for the ISO-only modules).
    func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
