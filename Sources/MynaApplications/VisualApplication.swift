import ISO7816

/// The 券面事項確認AP (card-face AP, "visual AP"), card reference §visual-ap: the birth date for age checks, the card
/// face (attributes, name/address/security-code images and the face photo) under the issuer's
/// three-group signature, the rendered My Number, and a card key that signs challenges without a
/// credential.
public enum VisualApplication {
    public static let aid: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02]

    /// File identifiers.
    public enum File {
        /// The age record: birth date and card key, signed.
        public static let ageRecord: FileID = 0x0001
        /// The card face in an indexed template.
        public static let cardFace: FileID = 0x0002
        /// AP basic information.
        public static let basicInfo: FileID = 0x0003
        /// The CV certificate of the issuing key.
        public static let cvCertificate: FileID = 0x0004
        /// The rendered My Number, signed.
        public static let myNumber: FileID = 0x0005
        /// 16 × `FF`.
        public static let reserved: FileID = 0x0006
        /// The card key (one of the AP's selectable EFs of unknown purpose, card reference §visual-files).
        public static let cardKey: FileID = 0x001A
        /// Selectable files of unknown purpose.
        public static let unknownPurpose: [FileID] = [0x001C, 0x001E]
    }

    /// Tags of the AP's objects.
    public enum Tag {
        public static let ageRecord: UInt32 = 0xFF10
        public static let ageBirthDate: UInt32 = 0xDF11
        public static let ageCardKey: UInt32 = 0xDF12
        public static let ageSignature: UInt32 = 0xDF13
        public static let cardFace: UInt32 = 0xFF20
        public static let birthDate: UInt32 = 0xDF22
        public static let sex: UInt32 = 0xDF23
        public static let cardKey: UInt32 = 0xDF24
        public static let nameImage: UInt32 = 0xDF25
        public static let addressImage: UInt32 = 0xDF26
        public static let photo: UInt32 = 0xDF27
        public static let faceSignature: UInt32 = 0xDF28
        public static let expiry: UInt32 = 0xDF29
        public static let securityCodeImage: UInt32 = 0xDF2A
        public static let basicInfo: UInt32 = 0xFF30
        public static let myNumber: UInt32 = 0xFF40
        public static let myNumberImage: UInt32 = 0xDF41
        public static let myNumberCardKey: UInt32 = 0xDF42
        public static let myNumberSignature: UInt32 = 0xDF43
        /// DF22…DF2A in file order.
        public static let faceTags: [UInt32] = [
            birthDate, sex, cardKey, nameImage, addressImage, photo, faceSignature, expiry, securityCodeImage,
        ]
    }

    /// 生年月日: the birth date as Japanese-era `YYMMDD` opens the age record.
    public static let birthDateKey = CredentialPolicy(
        id: CredentialID("visual.birth-date"), file: 0x0011, maxTries: TextApplication.verificationNumberTries, format: .digits(6),
        change: .none, label: "生年月日 (birth-date key)")
    /// 照合番号B opens the card face.
    public static let verificationB = CredentialPolicy(
        id: CredentialID("visual.verification-number-b"), file: 0x0012, maxTries: TextApplication.verificationNumberTries,
        format: .digits(14), change: .none, label: "照合番号B (verification number B)")
    /// 照合番号A (the My Number) opens the card face and the My Number image.
    public static let verificationA = CredentialPolicy(
        id: CredentialID("visual.verification-number-a"), file: 0x0013, maxTries: TextApplication.verificationNumberTries,
        format: .digits(12), change: .none, label: "照合番号A (verification number A: the My Number)")

    /// The AP's files and who may read them (card reference §visual-files).
    public static var layout: ApplicationLayout {
        let either: AccessRule = .anyOf(verificationA, verificationB)
        return ApplicationLayout(
            id: .visual,
            files: [
                .transparent(File.ageRecord, readAccess: .anyOf(birthDateKey)),
                .transparent(File.cardFace, readAccess: either),
                .transparent(File.basicInfo), .transparent(File.cvCertificate),
                .transparent(File.myNumber, readAccess: .anyOf(verificationA)),
                .transparent(File.reserved, readAccess: either),
                .credential(birthDateKey), .credential(verificationB), .credential(verificationA),
                .signingKey(File.cardKey, use: .always),
            ] + FileLayout.opaque(File.unknownPurpose),
            defaultSigningKey: File.cardKey,
            refusedInstructions: [ProprietaryInstruction.setSessionKey: .secureMessagingNotAvailable])
    }

    // MARK: EF 0001, the age record

    /// The signed part of EF 0001: `DF 11` birth date `YYYYMMDD`, `DF 12` the card key.
    public static func ageRecordSignedPart(birthDate: String, cardKey: RSAPublicKey) -> [UInt8] {
        BERTLV(tag: Tag.ageBirthDate, value: Array(birthDate.utf8)).encoded(lengthForm: .card)
            + BERTLV(tag: Tag.ageCardKey, value: cardKey.encoded).encoded(lengthForm: .card)
    }

    /// EF 0001: `FF 10 82 02 1E` { DF11, DF12, `DF 13` the issuer's signature over DF11‖DF12 }.
    public static func ageRecordFile(signedPart: [UInt8], signature: [UInt8]) -> [UInt8] {
        BERTLV(tag: Tag.ageRecord, value: signedPart + BERTLV(tag: Tag.ageSignature, value: signature).encoded(lengthForm: .card))
            .encoded(lengthForm: .card)
    }

    // MARK: EF 0002, the card face

    /// What the card face carries, as the objects DF22…DF2A are made of.
    public struct CardFace: Hashable, Sendable {
        public var birthDate: String
        public var sex: String
        public var cardKey: RSAPublicKey
        public var nameImage: [UInt8]
        public var addressImage: [UInt8]
        public var photo: [UInt8]
        public var expiry: String
        public var securityCodeImage: [UInt8]

        public init(
            birthDate: String, sex: String, cardKey: RSAPublicKey, nameImage: [UInt8], addressImage: [UInt8], photo: [UInt8],
            expiry: String, securityCodeImage: [UInt8]
        ) {
            self.birthDate = birthDate
            self.sex = sex
            self.cardKey = cardKey
            self.nameImage = nameImage
            self.addressImage = addressImage
            self.photo = photo
            self.expiry = expiry
            self.securityCodeImage = securityCodeImage
        }

        /// DF22…DF2A in file order, with `signature` as DF28.
        public func objects(signature: [UInt8]) -> [BERTLV] {
            let values: [[UInt8]] = [
                Array(birthDate.utf8), Array(sex.utf8), cardKey.encoded, nameImage, addressImage, photo, signature,
                Array(expiry.utf8), securityCodeImage,
            ]
            return zip(Tag.faceTags, values).map { BERTLV(tag: $0, value: $1) }
        }
    }

    /// The three groups the card-face signature covers (card reference §visual-face-signature): DF22‖DF23‖DF24, DF25‖DF26 and
    /// DF27, as encoded objects. DF29 (expiry) and DF2A (security code) are not signed. The issuer
    /// signs `DigestInfo.threeDigests` of their SHA-256 digests.
    public static func faceSignatureGroups(_ objects: [BERTLV]) -> [[UInt8]] {
        [
            objects.encoded([Tag.birthDate, Tag.sex, Tag.cardKey]), objects.encoded([Tag.nameImage, Tag.addressImage]),
            objects.encoded([Tag.photo]),
        ]
    }

    /// EF 0002: the indexed template of DF22…DF2A.
    public static func cardFaceFile(_ objects: [BERTLV]) -> [UInt8] { IndexedTemplate.encode(objects) }

    // MARK: EF 0003, 0005

    /// EF 0003: AP basic information. `DF 35` holds a key id and 256 bytes whose meaning is unknown
    /// (card reference §visual-formats), given by the issuer.
    public static func basicInfoFile(issuerKeyID: [UInt8], municipalityCode: String, opaqueKeyID: [UInt8], opaque: [UInt8]) -> [UInt8] {
        let value = [
            BERTLV(tag: 0xDF31, value: [0x06, 0x03, 0x0E, 0x01]),
            BERTLV(tag: 0xDF32, value: issuerKeyID),
            BERTLV(tag: 0xDF33, value: [0x01]),
            BERTLV(tag: 0xDF34, value: Array(municipalityCode.utf8)),
            BERTLV(tag: 0xDF35, value: opaqueKeyID + opaque),
        ].flatMap { $0.encoded(lengthForm: .card) }
        return BERTLV(tag: Tag.basicInfo, value: value).encoded(lengthForm: .card)
    }

    /// The signed part of EF 0005: `DF 41` the My Number image, `DF 42` the card key.
    public static func myNumberSignedPart(image: [UInt8], cardKey: RSAPublicKey) -> [UInt8] {
        BERTLV(tag: Tag.myNumberImage, value: image).encoded(lengthForm: .card)
            + BERTLV(tag: Tag.myNumberCardKey, value: cardKey.encoded).encoded(lengthForm: .card)
    }

    /// EF 0005: `FF 40` { DF41, DF42, `DF 43` the issuer's signature over DF41‖DF42 }.
    public static func myNumberFile(signedPart: [UInt8], signature: [UInt8]) -> [UInt8] {
        BERTLV(tag: Tag.myNumber, value: signedPart + BERTLV(tag: Tag.myNumberSignature, value: signature).encoded(lengthForm: .card))
            .encoded(lengthForm: .card)
    }

    /// EF 0006: 16 × `FF`.
    public static let reservedFile = [UInt8](repeating: 0xFF, count: 16)

    /// A signed record of this AP read back (EF 0001 and EF 0005 share the shape): the objects, what
    /// was signed (all but the last, encoded) and the signature (the last).
    public struct SignedRecord: Hashable, Sendable {
        public var objects: [BERTLV]
        public var signedPart: [UInt8]
        public var signature: [UInt8]

        public init(parsing file: [UInt8]) throws(TLVError) {
            let children = try BERTLV(parsing: file).children()
            objects = Array(children.dropLast())
            signedPart = objects.flatMap { $0.encoded(lengthForm: .card) }
            signature = children.last?.value ?? []
        }
    }
}
