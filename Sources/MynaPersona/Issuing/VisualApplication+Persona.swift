import Crypto
import ISO7816
import MynaApplications
import MynaCard

/// The visual AP of a persona's card: the age record, the card face and the My Number image, each
/// signed by the test visual CV issuer, and the card key.
extension VisualApplication {
    /// The birth-date key (Japanese-era `YYMMDD`, the first six digits of 照合番号B) and the two
    /// verification numbers.
    static func credentials(for persona: Persona) -> [Credential] {
        [
            Credential(birthDateKey, initialValue: Array(birthDateKeyValue(persona).utf8)),
            Credential(verificationA, initialValue: Array(persona.myNumber.utf8)),
            Credential(verificationB, initialValue: Array(persona.verificationNumberB.utf8)),
        ]
    }

    /// 生年月日 key: the birth date as Japanese-era `YYMMDD` (the first six digits of 照合番号B).
    public static func birthDateKeyValue(_ persona: Persona) -> String { String(persona.verificationNumberB.prefix(6)) }

    /// The card face as the persona and its images make it.
    static func cardFace(_ persona: Persona, cardKey: RSAPrivateKey, images: CardFaceImages) -> CardFace {
        CardFace(
            birthDate: persona.birthDate.compact, sex: persona.sex.code, cardKey: cardKey.publicKey, nameImage: images.name,
            addressImage: images.address, photo: images.photo, expiry: persona.card.expiry.compact, securityCodeImage: images.securityCode)
    }

    /// The DigestInfo the issuer signs for the card face: the three groups' SHA-256 digests.
    static func faceDigestInfo(_ face: CardFace) -> [UInt8] {
        DigestInfo.threeDigests(faceSignatureGroups(face.objects(signature: [])).map { Array(SHA256.hash(data: $0)) })
    }

    static func ageRecordSignedPart(_ persona: Persona, cardKey: RSAPrivateKey) -> [UInt8] {
        ageRecordSignedPart(birthDate: persona.birthDate.compact, cardKey: cardKey.publicKey)
    }

    static func myNumberSignedPart(cardKey: RSAPrivateKey, images: CardFaceImages) -> [UInt8] {
        myNumberSignedPart(image: images.myNumber, cardKey: cardKey.publicKey)
    }

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
            ageRecord: Hex.encode(try issuer.signPKCS1v15(sha256Of: ageRecordSignedPart(persona, cardKey: cardKey))),
            cardFace: Hex.encode(try issuer.signPKCS1v15(faceDigestInfo(cardFace(persona, cardKey: cardKey, images: images)))),
            myNumber: Hex.encode(try issuer.signPKCS1v15(sha256Of: myNumberSignedPart(cardKey: cardKey, images: images)))
        )
    }

    /// A digest of everything the issuer signed for this card (kept in `issuer-data.json`): when
    /// persona.yaml, the card key or an image changes, it no longer matches and the persona needs
    /// `mynasim persona reissue`.
    static func signedFingerprint(_ persona: Persona, cardKey: RSAPrivateKey, images: CardFaceImages) -> String {
        let signed =
            ageRecordSignedPart(persona, cardKey: cardKey) + faceDigestInfo(cardFace(persona, cardKey: cardKey, images: images))
            + myNumberSignedPart(cardKey: cardKey, images: images)
        return Hex.encode(Array(SHA256.hash(data: signed)))
    }

    /// EF 0003's `DF 35`: a key id and 256 bytes whose meaning is unknown (card reference §visual-formats); mynasim
    /// fills them from a digest of the municipality code.
    static func basicInfoFile(_ persona: Persona) -> [UInt8] {
        var opaque: [UInt8] = []
        while opaque.count < 256 { opaque += SHA256.hash(data: Array((persona.municipalityCode + "\(opaque.count)").utf8)) }
        return basicInfoFile(
            issuerKeyID: CVHierarchy.visual.issuerKeyID, municipalityCode: persona.municipalityCode,
            opaqueKeyID: CardVerifiableCertificate.keyID("7900025", "001"), opaque: Array(opaque.prefix(256)))
    }

    /// The AP with the persona's files (access matrix of card reference §visual-files).
    static func make(_ directory: PersonaDirectory) -> Application {
        let persona = directory.persona
        let cardKey = directory.visualCardKey
        let images = directory.faceImages
        let signatures = directory.issuerData.visualSignatures
        func signature(_ hex: String) -> [UInt8] { (try? Hex.decode(hex)) ?? [] }
        let face = cardFace(persona, cardKey: cardKey, images: images)
        return Application(
            layout,
            contents: [
                File.ageRecord: .bytes(
                    ageRecordFile(signedPart: ageRecordSignedPart(persona, cardKey: cardKey), signature: signature(signatures.ageRecord))),
                File.cardFace: .bytes(cardFaceFile(face.objects(signature: signature(signatures.cardFace)))),
                File.basicInfo: .bytes(basicInfoFile(persona)),
                File.cvCertificate: .bytes(signature(directory.issuerData.visualCVCertificate)),
                File.myNumber: .bytes(
                    myNumberFile(
                        signedPart: myNumberSignedPart(cardKey: cardKey, images: images), signature: signature(signatures.myNumber))),
                File.reserved: .bytes(reservedFile),
                File.cardKey: .key(cardKey),
            ])
    }
}
