import ISO7816

/// The 券面事項入力補助AP (card-info input support AP, "text AP"), card reference §text-ap: the My Number and
/// the four basic attributes (基本4情報) as TLV, their integrity record signed by the CV issuer,
/// and a card key that signs challenges without a credential.
public enum TextApplication {
    public static let aid: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08]

    /// File identifiers.
    public enum File {
        /// `FF 10 0C` + the 12-digit My Number + `FF FF`.
        public static let myNumber: FileID = 0x0001
        /// The four attributes in an indexed template.
        public static let attributes: FileID = 0x0002
        /// Digests of EF 0001 and 0002 and the issuer's signature over them.
        public static let integrity: FileID = 0x0003
        /// The CV certificate of the issuing key.
        public static let cvCertificate: FileID = 0x0004
        /// AP basic information.
        public static let basicInfo: FileID = 0x0005
        /// The secure-messaging key-delivery key (the card key's public half).
        public static let secureMessagingKey: FileID = 0x0006
        /// The card key's public half with the issuer's signature.
        public static let cardKeyCertificate: FileID = 0x0007
        /// 16 × `FF`.
        public static let reserved: FileID = 0x0008
        /// The card key (signs with P2 `00`, no credential).
        public static let cardKey: FileID = 0x0013
        /// Selectable files of unknown purpose.
        public static let unknownPurpose: [FileID] = [0x0010, 0x001C, 0x001E]
    }

    /// Tags of the AP's objects.
    public enum Tag {
        public static let myNumber: UInt32 = 0xFF10
        public static let attributes: UInt32 = 0xFF20
        public static let name: UInt32 = 0xDF22
        public static let address: UInt32 = 0xDF23
        public static let birthDate: UInt32 = 0xDF24
        public static let sex: UInt32 = 0xDF25
        public static let integrity: UInt32 = 0xFF30
        public static let myNumberDigest: UInt32 = 0xDF31
        public static let attributesDigest: UInt32 = 0xDF32
        public static let integritySignature: UInt32 = 0xDF33
        public static let basicInfo: UInt32 = 0xFF40
        public static let cardKeyCertificate: UInt32 = 0xFF50
        public static let cardKey: UInt32 = 0xDF51
        public static let cardKeySignature: UInt32 = 0xDF52
        public static let secureMessagingKey: UInt32 = 0xA1
        /// The four attributes in file order.
        public static let attributeTags: [UInt32] = [name, address, birthDate, sex]
    }

    /// 券面事項入力補助用暗証番号: the 4-digit PIN, 3 tries.
    public static let pin = CredentialPolicy(
        id: CredentialID("text.pin"), file: 0x0011, maxTries: 3, format: .digits(4), change: .changeReferenceData,
        label: "券面事項入力補助用暗証番号 (text AP PIN)")
    /// EF 0012: a PIN-like key that is blocked on every card (card reference §text-files).
    public static let blockedKey = CredentialPolicy(
        id: CredentialID("text.blocked-0012"), file: 0x0012, maxTries: 3, format: .digits(4), change: .none,
        label: "EF 0012 (blocked on every card)")
    /// 照合番号A: the My Number itself opens EF 0001 (retry limit unknown: card reference §decision-retry-limits).
    public static let verificationA = CredentialPolicy(
        id: CredentialID("text.verification-number-a"), file: 0x0014, maxTries: verificationNumberTries, format: .digits(12), change: .none,
        label: "照合番号A (verification number A: the My Number)")
    /// 照合番号B: birth date, expiry year and security code open EF 0002.
    public static let verificationB = CredentialPolicy(
        id: CredentialID("text.verification-number-b"), file: 0x0015, maxTries: verificationNumberTries, format: .digits(14), change: .none,
        label: "照合番号B (verification number B)")

    /// card reference §decision-retry-limits: the retry limits of 照合番号A/B and the birth-date key are unknown; 10 is the documented assumption.
    public static let verificationNumberTries = 10

    /// The AP's files and who may read them (card reference §text-files).
    public static var layout: ApplicationLayout {
        let anyCredential: AccessRule = .anyOf(pin, verificationA, verificationB)
        return ApplicationLayout(
            id: .text,
            files: [
                .transparent(File.myNumber, readAccess: .anyOf(pin, verificationA)),
                .transparent(File.attributes, readAccess: .anyOf(pin, verificationB)),
                .transparent(File.integrity, readAccess: anyCredential),
                .transparent(File.cvCertificate), .transparent(File.basicInfo),
                .transparent(File.secureMessagingKey, readAccess: anyCredential),
                .transparent(File.cardKeyCertificate, readAccess: anyCredential),
                .transparent(File.reserved, readAccess: anyCredential),
                .credential(pin), .credential(blockedKey), .credential(verificationA), .credential(verificationB),
                .signingKey(File.cardKey, use: .always),
            ] + FileLayout.opaque(File.unknownPurpose),
            defaultSigningKey: File.cardKey,
            // Secure messaging is not implemented (card reference §decision-secure-messaging): SET SESSION KEY answers as without the PIN.
            refusedInstructions: [ProprietaryInstruction.setSessionKey: .securityStatusNotSatisfied])
    }

    // MARK: Contents

    /// EF 0001: `FF 10 0C` + 12 ASCII digits + `FF FF` (17 bytes).
    public static func myNumberFile(myNumber: String) -> [UInt8] {
        BERTLV(tag: Tag.myNumber, value: Array(myNumber.utf8)).encoded(lengthForm: .card) + [0xFF, 0xFF]
    }

    /// The My Number from EF 0001.
    public static func myNumber(fromFile bytes: [UInt8]) -> String? {
        guard let object = try? BERTLV(parsing: bytes), object.tag == Tag.myNumber else { return nil }
        return String(decoding: object.value, as: UTF8.self)
    }

    /// The DF22…DF25 objects of EF 0002: name, address, birth date `YYYYMMDD`, sex digit.
    public static func attributeObjects(name: String, address: String, birthDate: String, sex: String) -> [BERTLV] {
        zip(Tag.attributeTags, [name, address, birthDate, sex]).map { BERTLV(tag: $0, value: Array($1.utf8)) }
    }

    /// EF 0002: the indexed template of the four attributes, then 16 bytes of `FF` filler.
    public static func attributesFile(_ objects: [BERTLV]) -> [UInt8] {
        IndexedTemplate.encode(objects) + [UInt8](repeating: 0xFF, count: 16)
    }

    /// What EF 0003's two digests cover (card reference §text-integrity): the physical EF 0001, and EF 0002's
    /// DF22…DF25 objects as encoded.
    public static func digestInputs(myNumberFile: [UInt8], attributes: [BERTLV]) -> (myNumber: [UInt8], attributes: [UInt8]) {
        (myNumberFile, attributes.encoded(Tag.attributeTags))
    }

    /// The part of EF 0003 the issuer signs: `DF 31` ‖ `DF 32`, the two SHA-256 digests.
    public static func integritySignedPart(myNumberDigest: [UInt8], attributesDigest: [UInt8]) -> [UInt8] {
        BERTLV(tag: Tag.myNumberDigest, value: myNumberDigest).encoded(lengthForm: .card)
            + BERTLV(tag: Tag.attributesDigest, value: attributesDigest).encoded(lengthForm: .card)
    }

    /// EF 0003 (336 bytes): `FF 30` { DF31, DF32, `DF 33` the signature over DF31‖DF32 } + filler.
    public static func integrityFile(signedPart: [UInt8], signature: [UInt8]) -> [UInt8] {
        let value = signedPart + BERTLV(tag: Tag.integritySignature, value: signature).encoded(lengthForm: .card)
        let object = BERTLV(tag: Tag.integrity, value: value).encoded(lengthForm: .card)
        return object + [UInt8](repeating: 0xFF, count: max(0, 336 - object.count))
    }

    /// EF 0003 read back: the two digests, what was signed, and the signature.
    public struct IntegrityRecord: Hashable, Sendable {
        public var myNumberDigest: [UInt8]
        public var attributesDigest: [UInt8]
        public var signedPart: [UInt8]
        public var signature: [UInt8]

        public init(parsing file: [UInt8]) throws(TLVError) {
            let objects = try BERTLV(parsing: file).children()
            myNumberDigest = objects.value(Tag.myNumberDigest)
            attributesDigest = objects.value(Tag.attributesDigest)
            signature = objects.value(Tag.integritySignature)
            signedPart = objects.encoded([Tag.myNumberDigest, Tag.attributesDigest])
        }
    }

    /// EF 0005 (256 bytes): AP basic information naming the issuing key.
    public static func basicInfoFile(issuerKeyID: [UInt8]) -> [UInt8] {
        let value =
            BERTLV(tag: 0xDF41, value: [0x01, 0x03, 0x0E, 0x01]).encoded(lengthForm: .card)
            + BERTLV(tag: 0xDF42, value: issuerKeyID).encoded(lengthForm: .card)
            + BERTLV(tag: 0xDF43, value: [UInt8](repeating: 0x00, count: 32) + [UInt8](repeating: 0xFF, count: 96)).encoded(
                lengthForm: .card)
        let object = BERTLV(tag: Tag.basicInfo, value: value).encoded(lengthForm: .card)
        return object + [UInt8](repeating: 0xFF, count: 256 - object.count)
    }

    /// EF 0006: the card key's public half (`A1` { `90`, `91` }).
    public static func secureMessagingKeyFile(publicKey: RSAPublicKey) -> [UInt8] {
        BERTLV(tag: Tag.secureMessagingKey, value: publicKey.encoded).encoded(lengthForm: .card)
    }

    /// The part of EF 0007 the issuer signs: `DF 51` the card key's public half.
    public static func cardKeySignedPart(publicKey: RSAPublicKey) -> [UInt8] {
        BERTLV(tag: Tag.cardKey, value: publicKey.encoded).encoded(lengthForm: .card)
    }

    /// EF 0007: `FF 50` { DF51, `DF 52` the issuer's signature over DF51 }.
    public static func cardKeyFile(publicKey: RSAPublicKey, signature: [UInt8]) -> [UInt8] {
        let value = cardKeySignedPart(publicKey: publicKey) + BERTLV(tag: Tag.cardKeySignature, value: signature).encoded(lengthForm: .card)
        return BERTLV(tag: Tag.cardKeyCertificate, value: value).encoded(lengthForm: .card)
    }

    /// EF 0008: 16 × `FF`.
    public static let reservedFile = [UInt8](repeating: 0xFF, count: 16)
}
