import Crypto
import ISO7816
import MynaCard

/// The 券面事項確認AP (card-face AP, "visual AP"), spec §5: the birth date for age checks, the card
/// face (attributes, name/address/security-code images and the face photo) under the issuer's
/// three-group signature, the rendered My Number, and a card key that signs challenges without a
/// credential.
public enum VisualApplication {
    public static let aid: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02]

    public static let birthDateKey: CredentialID = "visual.birth-date"
    public static let verificationA: CredentialID = "visual.verification-number-a"
    public static let verificationB: CredentialID = "visual.verification-number-b"

    /// The card key's FID (one of the AP's selectable EFs of unknown purpose, spec §5.1).
    public static let cardKeyFID: UInt16 = 0x001A

    /// 生年月日 key: the birth date as Japanese-era `YYMMDD` (the first six digits of 照合番号B).
    public static func birthDateKeyValue(_ persona: Persona) -> String { String(persona.verificationNumberB.prefix(6)) }

    /// Part A 8: the retry limits of these three keys are unknown; 10 is the documented assumption.
    public static func credentials(for persona: Persona) -> [Credential] {
        let tries = TextApplication.verificationNumberTries
        return [
            Credential(id: birthDateKey, initialValue: Array(birthDateKeyValue(persona).utf8), maxTries: tries, format: .digits(6), change: .none),
            Credential(id: verificationA, initialValue: Array(persona.myNumber.utf8), maxTries: tries, format: .digits(12), change: .none),
            Credential(id: verificationB, initialValue: Array(persona.verificationNumberB.utf8), maxTries: tries, format: .digits(14), change: .none),
        ]
    }

    // MARK: EF 0001, the age record

    /// The signed part of EF 0001: `DF 11` birth date `YYYYMMDD`, `DF 12` card public key.
    static func ageRecordSigned(_ persona: Persona, cardKey: RSAPrivateKey) -> [UInt8] {
        BERTLV(tag: 0xDF11, value: Array(persona.birthDate.compact.utf8)).encoded(lengthForm: .card)
            + BERTLV(tag: 0xDF12, value: CardVerifiableCertificates.publicKeyTLVs(cardKey)).encoded(lengthForm: .card)
    }

    /// EF 0001: `FF 10 82 02 1E` { DF11, DF12, `DF 13` the issuer's signature over DF11‖DF12 }.
    public static func ageRecordFile(_ persona: Persona, cardKey: RSAPrivateKey, signature: [UInt8]) -> [UInt8] {
        let signed = ageRecordSigned(persona, cardKey: cardKey)
        return BERTLV(tag: 0xFF10, value: signed + BERTLV(tag: 0xDF13, value: signature).encoded(lengthForm: .card)).encoded(lengthForm: .card)
    }

    // MARK: EF 0002, the card face

    /// The DF22…DF2A objects of EF 0002, signature (`DF 28`) included.
    static func faceObjects(_ persona: Persona, cardKey: RSAPrivateKey, images: CardFaceImages, signature: [UInt8]) -> [BERTLV] {
        [
            BERTLV(tag: 0xDF22, value: Array(persona.birthDate.compact.utf8)),
            BERTLV(tag: 0xDF23, value: Array(persona.sex.code.utf8)),
            BERTLV(tag: 0xDF24, value: CardVerifiableCertificates.publicKeyTLVs(cardKey)),
            BERTLV(tag: 0xDF25, value: images.name),
            BERTLV(tag: 0xDF26, value: images.address),
            BERTLV(tag: 0xDF27, value: images.photo),
            BERTLV(tag: 0xDF28, value: signature),
            BERTLV(tag: 0xDF29, value: Array(persona.card.expiry.compact.utf8)),
            BERTLV(tag: 0xDF2A, value: images.securityCode),
        ]
    }

    /// The three groups the card-face signature covers (spec §5.2): DF22‖DF23‖DF24, DF25‖DF26 and
    /// DF27, as encoded TLVs. DF29 (expiry) and DF2A (security code) are not signed.
    public static func faceSignatureGroups(_ objects: [BERTLV]) -> [[UInt8]] {
        func encoded(_ tags: [UInt32]) -> [UInt8] {
            tags.flatMap { tag in objects.first { $0.tag == tag }?.encoded(lengthForm: .card) ?? [] }
        }
        return [encoded([0xDF22, 0xDF23, 0xDF24]), encoded([0xDF25, 0xDF26]), encoded([0xDF27])]
    }

    /// The DigestInfo the issuer signs for the card face.
    static func faceDigestInfo(_ persona: Persona, cardKey: RSAPrivateKey, images: CardFaceImages) -> [UInt8] {
        CardVerifiableCertificates.threeGroupDigestInfo(faceSignatureGroups(faceObjects(persona, cardKey: cardKey, images: images, signature: [])))
    }

    /// EF 0002: `FF 20 82 hi lo` { `DF 21` nine big-endian file offsets of DF22…DF2A; DF22…DF2A }.
    public static func faceFile(_ persona: Persona, cardKey: RSAPrivateKey, images: CardFaceImages, signature: [UInt8]) -> [UInt8] {
        TextApplication.indexedTemplate(faceObjects(persona, cardKey: cardKey, images: images, signature: signature))
    }

    // MARK: EF 0003, 0005

    /// EF 0003: AP basic information. `DF 35` holds a key id and 256 bytes whose meaning is
    /// unknown (spec §5.2); mynasim fills them from a digest of the municipality code.
    public static func basicInfoFile(_ persona: Persona) -> [UInt8] {
        var opaque: [UInt8] = []
        while opaque.count < 256 { opaque += SHA256.hash(data: Array((persona.municipalityCode + "\(opaque.count)").utf8)) }
        let value = [
            BERTLV(tag: 0xDF31, value: [0x06, 0x03, 0x0E, 0x01]),
            BERTLV(tag: 0xDF32, value: CardVerifiableCertificates.Hierarchy.visual.issuerKeyID),
            BERTLV(tag: 0xDF33, value: [0x01]),
            BERTLV(tag: 0xDF34, value: Array(persona.municipalityCode.utf8)),
            BERTLV(tag: 0xDF35, value: CardVerifiableCertificates.keyID("7900025", "001") + opaque),
        ].flatMap { $0.encoded(lengthForm: .card) }
        return BERTLV(tag: 0xFF30, value: value).encoded(lengthForm: .card)
    }

    /// The signed part of EF 0005: `DF 41` the My Number image, `DF 42` the card public key.
    static func myNumberSigned(cardKey: RSAPrivateKey, images: CardFaceImages) -> [UInt8] {
        BERTLV(tag: 0xDF41, value: images.myNumber).encoded(lengthForm: .card)
            + BERTLV(tag: 0xDF42, value: CardVerifiableCertificates.publicKeyTLVs(cardKey)).encoded(lengthForm: .card)
    }

    /// EF 0005: `FF 40` { DF41, DF42, `DF 43` the issuer's signature over DF41‖DF42 }.
    public static func myNumberFile(cardKey: RSAPrivateKey, images: CardFaceImages, signature: [UInt8]) -> [UInt8] {
        let signed = myNumberSigned(cardKey: cardKey, images: images)
        return BERTLV(tag: 0xFF40, value: signed + BERTLV(tag: 0xDF43, value: signature).encoded(lengthForm: .card)).encoded(lengthForm: .card)
    }

    // MARK: Issuing and checking

    /// The issuer's three signatures over this card's visual AP data.
    public struct Signatures: Codable, Hashable, Sendable {
        /// EF 0001 `DF 13`.
        public var ageRecord: String
        /// EF 0002 `DF 28`.
        public var cardFace: String
        /// EF 0005 `DF 43`.
        public var myNumber: String
    }

    static func sign(_ persona: Persona, cardKey: RSAPrivateKey, images: CardFaceImages, issuer: RSAPrivateKey) throws -> Signatures {
        Signatures(
            ageRecord: Hex.encode(try CardVerifiableCertificates.sign(ageRecordSigned(persona, cardKey: cardKey), with: issuer)),
            cardFace: Hex.encode(try issuer.signPKCS1v15(faceDigestInfo(persona, cardKey: cardKey, images: images))),
            myNumber: Hex.encode(try CardVerifiableCertificates.sign(myNumberSigned(cardKey: cardKey, images: images), with: issuer))
        )
    }

    /// A digest of everything the issuer signed for this card (kept in `issuer-data.json`): when
    /// persona.yaml, the card key or an image changes, it no longer matches and the persona needs
    /// `mynasim persona reissue`.
    static func signedFingerprint(_ persona: Persona, cardKey: RSAPrivateKey, images: CardFaceImages) -> String {
        Hex.encode(Array(SHA256.hash(data: ageRecordSigned(persona, cardKey: cardKey) + faceDigestInfo(persona, cardKey: cardKey, images: images)
            + myNumberSigned(cardKey: cardKey, images: images))))
    }

    /// The AP with its files and keys (access matrix of spec §5.1).
    public static func make(persona: Persona, cardKey: RSAPrivateKey, images: CardFaceImages, issued: IssuerData) -> Application {
        let signatures = issued.visualSignatures
        func signature(_ hex: String) -> [UInt8] { (try? Hex.decode(hex)) ?? [] }
        let either: AccessRule = .anyOf([verificationA, verificationB])
        let files: [ElementaryFile] = [
            .init(fid: 0x0001, content: .transparent(ageRecordFile(persona, cardKey: cardKey, signature: signature(signatures.ageRecord))),
                  readAccess: .anyOf([birthDateKey])),
            .init(fid: 0x0002, content: .transparent(faceFile(persona, cardKey: cardKey, images: images, signature: signature(signatures.cardFace))),
                  readAccess: either),
            .init(fid: 0x0003, content: .transparent(basicInfoFile(persona))),
            .init(fid: 0x0004, content: .transparent(signature(issued.visualCVCertificate))),
            .init(fid: 0x0005, content: .transparent(myNumberFile(cardKey: cardKey, images: images, signature: signature(signatures.myNumber))),
                  readAccess: .anyOf([verificationA])),
            .init(fid: 0x0006, content: .transparent([UInt8](repeating: 0xFF, count: 16)), readAccess: either),
            .init(fid: 0x0011, content: .credential(birthDateKey)),
            .init(fid: 0x0012, content: .credential(verificationB)),
            .init(fid: 0x0013, content: .credential(verificationA)),
            .init(fid: cardKeyFID, content: .key(CardKey(key: cardKey, useAccess: .always))),
            .init(fid: 0x001C, content: .opaque), .init(fid: 0x001E, content: .opaque),
        ]
        return Application(name: "VISUAL", aid: aid, files: files, defaultSigningKey: cardKeyFID,
                           refusedInstructions: [Instruction.setSessionKey: .secureMessagingNotAvailable])
    }
}
