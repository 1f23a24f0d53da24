import Crypto
import ISO7816
import MynaCard

/// The 券面事項入力補助AP (card-info input support AP, "text AP"), spec §4: the My Number and
/// the four basic attributes (基本4情報) as TLV, their integrity record signed by the test CV
/// issuer, and the card key that signs challenges without a credential.
public enum TextApplication {
    public static let aid: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08]

    public static let pin: CredentialID = "text.pin"
    public static let blockedKey: CredentialID = "text.blocked-0012"
    public static let verificationA: CredentialID = "text.verification-number-a"
    public static let verificationB: CredentialID = "text.verification-number-b"

    /// Part A 8: retry limits of 照合番号A/B are unknown; 10 is the documented assumption.
    public static let verificationNumberTries = 10

    public static func credentials(for persona: Persona) -> [Credential] {
        [
            Credential(id: pin, initialValue: Array(persona.credentials.textPIN.utf8), maxTries: 3, format: .digits(4),
                       blockedAtIssue: persona.card.faceAuthentication),
            // Blocked on every card (spec §4.1, SOL).
            Credential(id: blockedKey, initialValue: [], maxTries: 3, format: .digits(4), change: .none, blockedAtIssue: true),
            Credential(id: verificationA, initialValue: Array(persona.myNumber.utf8), maxTries: verificationNumberTries, format: .digits(12), change: .none),
            Credential(id: verificationB, initialValue: Array(persona.verificationNumberB.utf8), maxTries: verificationNumberTries, format: .digits(14), change: .none),
        ]
    }

    /// EF 0001: `FF 10 0C` + 12 ASCII digits + `FF FF` (17 bytes).
    public static func myNumberFile(_ persona: Persona) -> [UInt8] {
        BERTLV(tag: 0xFF10, value: Array(persona.myNumber.utf8)).encoded(lengthForm: .card) + [0xFF, 0xFF]
    }

    /// The DF22…DF25 TLVs of EF 0002 (name, address, birth date, sex).
    static func attributeTLVs(_ persona: Persona) -> [BERTLV] {
        [
            BERTLV(tag: 0xDF22, value: Array(persona.name.utf8)),
            BERTLV(tag: 0xDF23, value: Array(persona.address.utf8)),
            BERTLV(tag: 0xDF24, value: Array(persona.birthDate.compact.utf8)),
            BERTLV(tag: 0xDF25, value: Array(persona.sex.code.utf8)),
        ]
    }

    /// EF 0002: `FF 20` { `DF 21 08` offsets of the four TLVs in the file; DF22…DF25 } + filler.
    public static func attributesFile(_ persona: Persona) -> [UInt8] {
        indexedTemplate(attributeTLVs(persona)) + [UInt8](repeating: 0xFF, count: 16)
    }

    /// `FF 20` { `DF 21` the big-endian u16 file offset of each object; the objects }: the indexed
    /// layout of both 券面 APs' EF 0002 (spec §4.2, §5.2).
    static func indexedTemplate(_ objects: [BERTLV]) -> [UInt8] {
        let encoded = objects.map { $0.encoded(lengthForm: .card) }
        let offsetTableLength = 2 + 1 + 2 * encoded.count
        let valueLength = offsetTableLength + encoded.reduce(0) { $0 + $1.count }
        var offset = BERTLV.headerLength(tag: 0xFF20, valueLength: valueLength, form: .card) + offsetTableLength
        var offsets: [UInt8] = []
        for object in encoded {
            offsets += [UInt8(offset >> 8), UInt8(offset & 0xFF)]
            offset += object.count
        }
        return BERTLV(tag: 0xFF20, value: BERTLV(tag: 0xDF21, value: offsets).encoded(lengthForm: .card) + encoded.flatMap { $0 })
            .encoded(lengthForm: .card)
    }

    /// EF 0003 (336 bytes): SHA-256 of EF 0001, SHA-256 of EF 0002's DF22…DF25, and the issuer's
    /// signature over those two TLVs.
    public static func integrityFile(_ persona: Persona, issuer: RSAPrivateKey) throws -> [UInt8] {
        let digests = digests(persona)
        let h1 = BERTLV(tag: 0xDF31, value: digests.myNumber)
        let h2 = BERTLV(tag: 0xDF32, value: digests.attributes)
        let signed = h1.encoded(lengthForm: .card) + h2.encoded(lengthForm: .card)
        let signature = BERTLV(tag: 0xDF33, value: try CardVerifiableCertificates.sign(signed, with: issuer))
        let object = BERTLV(tag: 0xFF30, value: signed + signature.encoded(lengthForm: .card)).encoded(lengthForm: .card)
        return object + [UInt8](repeating: 0xFF, count: max(0, 336 - object.count))
    }

    /// SHA-256 of the physical EF 0001 and of EF 0002's DF22…DF25 TLVs (spec §4.2).
    static func digests(_ persona: Persona) -> (myNumber: [UInt8], attributes: [UInt8]) {
        (Array(SHA256.hash(data: myNumberFile(persona))),
         Array(SHA256.hash(data: attributeTLVs(persona).flatMap { $0.encoded(lengthForm: .card) })))
    }

    /// EF 0005 (256 bytes): AP basic information.
    public static func basicInfoFile() -> [UInt8] {
        let value = BERTLV(tag: 0xDF41, value: [0x01, 0x03, 0x0E, 0x01]).encoded(lengthForm: .card)
            + BERTLV(tag: 0xDF42, value: CardVerifiableCertificates.Hierarchy.text.issuerKeyID).encoded(lengthForm: .card)
            + BERTLV(tag: 0xDF43, value: [UInt8](repeating: 0x00, count: 32) + [UInt8](repeating: 0xFF, count: 96)).encoded(lengthForm: .card)
        let object = BERTLV(tag: 0xFF40, value: value).encoded(lengthForm: .card)
        return object + [UInt8](repeating: 0xFF, count: 256 - object.count)
    }

    /// EF 0007: the card key's public half (`DF 51`) with the issuer's signature over it (`DF 52`).
    public static func cardKeyFile(cardKey: RSAPrivateKey, issuer: RSAPrivateKey) throws -> [UInt8] {
        let key = BERTLV(tag: 0xDF51, value: CardVerifiableCertificates.publicKeyTLVs(cardKey)).encoded(lengthForm: .card)
        let signature = BERTLV(tag: 0xDF52, value: try CardVerifiableCertificates.sign(key, with: issuer)).encoded(lengthForm: .card)
        return BERTLV(tag: 0xFF50, value: key + signature).encoded(lengthForm: .card)
    }

    /// The AP with its files and keys (access matrix of spec §4.1).
    public static func make(persona: Persona, cardKey: RSAPrivateKey, issued: IssuerData) -> Application {
        let any: AccessRule = .anyOf([pin, verificationA, verificationB])
        let files: [ElementaryFile] = [
            .init(fid: 0x0001, content: .transparent(myNumberFile(persona)), readAccess: .anyOf([pin, verificationA])),
            .init(fid: 0x0002, content: .transparent(attributesFile(persona)), readAccess: .anyOf([pin, verificationB])),
            .init(fid: 0x0003, content: .transparent((try? Hex.decode(issued.textIntegrity)) ?? []), readAccess: any),
            .init(fid: 0x0004, content: .transparent((try? Hex.decode(issued.textCVCertificate)) ?? [])),
            .init(fid: 0x0005, content: .transparent(basicInfoFile())),
            // The SM key-delivery key: the card key's public half (secure messaging is not implemented, Part A 11).
            .init(fid: 0x0006, content: .transparent(BERTLV(tag: 0xA1, value: CardVerifiableCertificates.publicKeyTLVs(cardKey)).encoded(lengthForm: .card)), readAccess: any),
            .init(fid: 0x0007, content: .transparent((try? Hex.decode(issued.textCardKey)) ?? []), readAccess: any),
            .init(fid: 0x0008, content: .transparent([UInt8](repeating: 0xFF, count: 16)), readAccess: any),
            .init(fid: 0x0011, content: .credential(pin)),
            .init(fid: 0x0012, content: .credential(blockedKey)),
            .init(fid: 0x0013, content: .key(CardKey(key: cardKey, useAccess: .always))),
            .init(fid: 0x0014, content: .credential(verificationA)),
            .init(fid: 0x0015, content: .credential(verificationB)),
            .init(fid: 0x0010, content: .opaque), .init(fid: 0x001C, content: .opaque), .init(fid: 0x001E, content: .opaque),
        ]
        // Secure messaging is not implemented (Part A 11): SET SESSION KEY answers as without the PIN.
        return Application(name: "TEXT", aid: aid, files: files, defaultSigningKey: 0x0013,
                           refusedInstructions: [Instruction.setSessionKey: .securityStatusNotSatisfied])
    }
}

/// The 共通AP (common AP) and 住基AP (resident-registry AP), spec §8.
public enum ResidentApplications {
    public static let commonAID: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00]
    public static let jukiAID: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01]
    public static let commonPIN: CredentialID = "common.resident-pin"
    public static let jukiPIN: CredentialID = "juki.resident-pin"

    /// Two separate keys with the same initial value, changed separately with CHANGE KEY.
    public static func credentials(for persona: Persona) -> [Credential] {
        [commonPIN, jukiPIN].map {
            Credential(id: $0, initialValue: Array(persona.credentials.residentPIN.utf8), maxTries: 3, format: .digits(4), change: .changeKey)
        }
    }

    /// The 16-byte key reference both APs hold in EF 0002.
    static func keyReference(_ persona: Persona) -> [UInt8] {
        Array(("J" + persona.municipalityCode + persona.card.serialNumber.suffix(10)).utf8.prefix(16))
    }

    public static func common(persona: Persona, authenticationKey: RSAPrivateKey) -> Application {
        let record = Array((persona.card.serialNumber + persona.municipalityCode + persona.card.expiry.compact).utf8)
        return Application(name: "COMMON", aid: commonAID, files: [
            .init(fid: 0x0001, content: .records([[0x01, UInt8(record.count)] + record])),
            .init(fid: 0x0002, content: .transparent(keyReference(persona))),
            .init(fid: 0x0019, content: .key(CardKey(key: authenticationKey, useAccess: .always, operations: [.internalAuthenticate]))),
            .init(fid: 0x001C, content: .credential(commonPIN)),
        ], refusedInstructions: [Instruction.setSessionKey: .secureMessagingNotAvailable])
    }

    public static func juki(persona: Persona) -> Application {
        Application(name: "JUKI", aid: jukiAID, files: [
            .init(fid: 0x0002, content: .transparent(keyReference(persona))),
            .init(fid: 0x001C, content: .credential(jukiPIN)),
        ], refusedInstructions: [Instruction.setSessionKey: .securityStatusNotSatisfied])
    }
}
