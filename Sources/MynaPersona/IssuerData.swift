import Foundation
import ISO7816
import MynaApplications
import MynaCard

/// What the issuer signed for a card's 券面 APs, kept beside the persona (`issuer-data.json`) so
/// a persona directory is self-contained: the issuer's keys stay in the test PKI.
public struct IssuerData: Codable, Hashable, Sendable {
    /// Text AP EF 0004: the CV certificate of the text issuing key.
    public var textCVCertificate: String
    /// Text AP EF 0003: digests of EF 0001/0002 and the issuer's signature.
    public var textIntegrity: String
    /// Text AP EF 0007: the card key with the issuer's signature.
    public var textCardKey: String
    /// Visual AP EF 0004: the CV certificate of the visual issuing key.
    public var visualCVCertificate: String
    /// The visual issuer's signatures (EF 0001, 0002, 0005).
    public var visualSignatures: VisualApplication.Signatures
    /// What the visual signatures cover (`VisualApplication.signedFingerprint`).
    public var visualSignedFingerprint: String
    /// The texts the card-face images were rendered from: name, address, security code, My Number.
    public var visualRenderedFrom: [String]

    static let fileName = "issuer-data.json"

    /// Signs the card data of `persona` with the test PKI's CV issuers.
    public static func issue(
        for persona: Persona, textCardKey: RSAPrivateKey, visualCardKey: RSAPrivateKey, images: CardFaceImages, pki: TestPKI
    ) throws -> IssuerData {
        let text = pki.cardVerifiable.text
        let visual = pki.cardVerifiable.visual
        return IssuerData(
            textCVCertificate: Hex.encode(text.certificate),
            textIntegrity: Hex.encode(try TextApplication.issueIntegrityFile(persona, issuer: text.issuer)),
            textCardKey: Hex.encode(try TextApplication.issueCardKeyFile(cardKey: textCardKey, issuer: text.issuer)),
            visualCVCertificate: Hex.encode(visual.certificate),
            visualSignatures: try VisualApplication.sign(persona, cardKey: visualCardKey, images: images, issuer: visual.issuer),
            visualSignedFingerprint: VisualApplication.signedFingerprint(persona, cardKey: visualCardKey, images: images),
            visualRenderedFrom: renderedTexts(persona)
        )
    }

    static func renderedTexts(_ persona: Persona) -> [String] {
        [persona.name, persona.address, persona.card.securityCode, persona.myNumber]
    }

    /// Whether what was signed still matches the persona, card key and images (persona.yaml may
    /// have been edited, or an image replaced).
    func matches(_ persona: Persona, visualCardKey: RSAPrivateKey, images: CardFaceImages) -> Bool {
        guard let integrity = try? Hex.decode(textIntegrity), let object = try? BERTLV(parsing: integrity),
            let children = try? object.children(), children.count >= 2
        else { return false }
        let fresh = TextApplication.digests(persona)
        return children[0].value == fresh.myNumber && children[1].value == fresh.attributes
            && visualRenderedFrom == Self.renderedTexts(persona)
            && visualSignedFingerprint == VisualApplication.signedFingerprint(persona, cardKey: visualCardKey, images: images)
    }

    static func read(_ url: URL) throws(PersonaError) -> IssuerData {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .missingFile(
                url.path, reason: "missing; run `mynasim persona reissue \(url.deletingLastPathComponent().path)` to sign the 券面 AP data")
        }
        do {
            return try JSONDecoder().decode(IssuerData.self, from: data)
        } catch {
            throw .invalid(
                file: url.path, line: nil, column: nil,
                message:
                    "not issuer data of this mynasim version (\(Self.words(error))); run `mynasim persona reissue \(url.deletingLastPathComponent().path)`"
            )
        }
    }

    func write(to url: URL) throws(PersonaError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try DurableFile.write(try encoder.encode(self), to: url, mode: 0o644)
        } catch let error as CardStateError {
            throw .cannotWrite(url.path, reason: error.description)
        } catch {
            throw .cannotWrite(url.path, reason: FileProblem.writing(url.path, error))
        }
    }

    /// What is wrong with the JSON, in words.
    static func words(_ error: any Error) -> String { JSONProblem.words(error, otherwise: "not JSON") }
}
