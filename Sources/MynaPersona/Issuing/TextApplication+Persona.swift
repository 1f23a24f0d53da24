import Crypto
import ISO7816
import MynaApplications
import MynaCard

/// The text AP of a persona's card: the My Number and the four attributes, what the test CV issuer
/// signed over them, and the card key.
extension TextApplication {
    /// The PIN and the verification numbers with the persona's values; EF 0012 is blocked on every
    /// card (card reference §text-files), the PIN on a face-authentication card.
    static func credentials(for persona: Persona) -> [Credential] {
        [
            Credential(pin, initialValue: Array(persona.credentials.textPIN.utf8), blockedAtIssue: persona.card.faceAuthentication),
            Credential(blockedKey, initialValue: [], blockedAtIssue: true),
            Credential(verificationA, initialValue: Array(persona.myNumber.utf8)),
            Credential(verificationB, initialValue: Array(persona.verificationNumberB.utf8)),
        ]
    }

    /// DF22…DF25 of EF 0002.
    static func attributeObjects(_ persona: Persona) -> [BERTLV] {
        attributeObjects(name: persona.name, address: persona.address, birthDate: persona.birthDate.compact, sex: persona.sex.code)
    }

    /// SHA-256 of what EF 0003's two digests cover (card reference §text-integrity).
    static func digests(_ persona: Persona) -> (myNumber: [UInt8], attributes: [UInt8]) {
        let inputs = digestInputs(myNumberFile: myNumberFile(myNumber: persona.myNumber), attributes: attributeObjects(persona))
        return (Array(SHA256.hash(data: inputs.myNumber)), Array(SHA256.hash(data: inputs.attributes)))
    }

    /// EF 0003, signed by the text AP's CV issuer.
    static func issueIntegrityFile(_ persona: Persona, issuer: RSAPrivateKey) throws -> [UInt8] {
        let digests = digests(persona)
        let signedPart = integritySignedPart(myNumberDigest: digests.myNumber, attributesDigest: digests.attributes)
        return integrityFile(signedPart: signedPart, signature: try issuer.signPKCS1v15(sha256Of: signedPart))
    }

    /// EF 0007, the card key certified by the text AP's CV issuer.
    static func issueCardKeyFile(cardKey: RSAPrivateKey, issuer: RSAPrivateKey) throws -> [UInt8] {
        let signature = try issuer.signPKCS1v15(sha256Of: cardKeySignedPart(publicKey: cardKey.publicKey))
        return cardKeyFile(publicKey: cardKey.publicKey, signature: signature)
    }

    /// The AP with the persona's files (access matrix of card reference §text-files).
    static func make(_ directory: PersonaDirectory) -> Application {
        let persona = directory.persona
        let issued = directory.issuerData
        func hex(_ text: String) -> FileSource { .bytes((try? Hex.decode(text)) ?? []) }
        return Application(
            layout,
            contents: [
                File.myNumber: .bytes(myNumberFile(myNumber: persona.myNumber)),
                File.attributes: .bytes(attributesFile(attributeObjects(persona))),
                File.integrity: hex(issued.textIntegrity),
                File.cvCertificate: hex(issued.textCVCertificate),
                File.basicInfo: .bytes(basicInfoFile(issuerKeyID: CVHierarchy.text.issuerKeyID)),
                // The SM key-delivery key: the card key's public half (secure messaging is not implemented, card reference §decision-secure-messaging).
                File.secureMessagingKey: .bytes(secureMessagingKeyFile(publicKey: directory.cardKey.publicKey)),
                File.cardKeyCertificate: hex(issued.textCardKey),
                File.reserved: .bytes(reservedFile),
                File.cardKey: .key(directory.cardKey),
            ])
    }
}

/// The 共通AP and 住基AP of a persona's card (card reference §common-ap, §juki-ap).
extension CommonApplication {
    /// Both resident APs hold the same initial PIN and change it separately with CHANGE KEY.
    static func credentials(for persona: Persona) -> [Credential] {
        [CommonApplication.pin, JukiApplication.pin].map { Credential($0, initialValue: Array(persona.credentials.residentPIN.utf8)) }
    }

    static func make(_ directory: PersonaDirectory) -> Application {
        let persona = directory.persona
        return Application(
            layout,
            contents: [
                File.cardRecord: .records([
                    cardRecord(
                        serialNumber: persona.card.serialNumber, municipalityCode: persona.municipalityCode,
                        expiry: persona.card.expiry.compact)
                ]),
                File.keyReference: .bytes(
                    keyReference(municipalityCode: persona.municipalityCode, serialNumber: persona.card.serialNumber)),
                File.authenticationKey: .key(directory.commonKey),
            ])
    }
}

extension JukiApplication {
    static func make(_ directory: PersonaDirectory) -> Application {
        let persona = directory.persona
        return Application(
            layout,
            contents: [
                File.keyReference: .bytes(
                    CommonApplication.keyReference(municipalityCode: persona.municipalityCode, serialNumber: persona.card.serialNumber))
            ])
    }
}
