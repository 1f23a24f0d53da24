import Foundation
import MynaApplications
import MynaCard
import X509

/// A persona on disk: `persona.yaml`, the card's private keys (0600), its certificates and the
/// card state file. Loading checks everything and names the file and line of any problem.
///
/// ```
/// DIR/persona.yaml     the person and card (edit freely)
/// DIR/auth.key.pem     利用者証明用 private key (0600)
/// DIR/sign.key.pem     署名用 private key (0600; absent without a signature certificate)
/// DIR/auth.pem         利用者証明用電子証明書     DIR/sign.pem  署名用電子証明書
/// DIR/auth-ca.pem      test auth CA certificate  DIR/sign-ca.pem  test sign CA certificate
/// DIR/card.key.pem     text AP card key         DIR/visual-card.key.pem  visual AP card key
/// DIR/common.key.pem   共通AP INTERNAL AUTHENTICATE key
/// DIR/face-*.png, face-photo.jp2   the visual AP's card-face images
/// DIR/issuer-data.json what the test CV issuers signed for the 券面 APs
/// DIR/state.json       retry counters and changed PINs (written by the card)
/// ```
public struct PersonaDirectory: Sendable {
    public let url: URL
    public let persona: Persona
    public let authKey: RSAPrivateKey
    public let signKey: RSAPrivateKey?
    public let authCertificate: Certificate
    public let signCertificate: Certificate?
    public let authCA: Certificate
    public let signCA: Certificate
    /// The text AP's card key (EF 0013; signs challenges without a credential).
    public let cardKey: RSAPrivateKey
    /// The visual AP's card key (signs challenges without a credential).
    public let visualCardKey: RSAPrivateKey
    /// The 共通AP's INTERNAL AUTHENTICATE key (EF 0019).
    public let commonKey: RSAPrivateKey
    /// The visual AP's card-face images.
    public let faceImages: CardFaceImages
    public let issuerData: IssuerData

    public enum FileName {
        public static let persona = "persona.yaml"
        public static let authKey = "auth.key.pem"
        public static let signKey = "sign.key.pem"
        public static let authCertificate = "auth.pem"
        public static let signCertificate = "sign.pem"
        public static let authCA = "auth-ca.pem"
        public static let signCA = "sign-ca.pem"
        public static let state = "state.json"
        public static let lock = ".card.lock"
        public static let cardKey = "card.key.pem"
        public static let commonKey = "common.key.pem"
        public static let visualCardKey = "visual-card.key.pem"
        public static let issuerData = IssuerData.fileName
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// The card state file.
    public var stateURL: URL { file(FileName.state) }

    /// Loads and checks a persona directory.
    public init(url: URL) throws(PersonaError) {
        self.url = url
        let yamlURL = url.appendingPathComponent(FileName.persona)
        guard FileManager.default.fileExists(atPath: yamlURL.path) else {
            throw .missingFile(yamlURL.path, reason: "no persona here (create one with `mynasim persona new --out \(url.path)`)")
        }
        let document = try YAMLDocument<Persona>(url: yamlURL)
        if let problem = document.value.problems().first {
            throw document.problem(at: problem.path, problem.message)
        }
        persona = document.value
        authKey = try PEMFiles.readKey(url.appendingPathComponent(FileName.authKey))
        authCertificate = try PEMFiles.readCertificate(url.appendingPathComponent(FileName.authCertificate))
        authCA = try PEMFiles.readCertificate(url.appendingPathComponent(FileName.authCA))
        signCA = try PEMFiles.readCertificate(url.appendingPathComponent(FileName.signCA))
        if persona.card.hasSignatureCertificate {
            signKey = try PEMFiles.readKey(url.appendingPathComponent(FileName.signKey))
            signCertificate = try PEMFiles.readCertificate(url.appendingPathComponent(FileName.signCertificate))
        } else {
            signKey = nil
            signCertificate = nil
        }
        let reissue = "run `mynasim persona reissue \(url.path)`"
        for name in [FileName.cardKey, FileName.visualCardKey, FileName.commonKey]
        where !FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path) {
            throw .missingFile(url.appendingPathComponent(name).path, reason: "missing (a persona from before the 券面 APs); \(reissue)")
        }
        cardKey = try PEMFiles.readKey(url.appendingPathComponent(FileName.cardKey))
        visualCardKey = try PEMFiles.readKey(url.appendingPathComponent(FileName.visualCardKey))
        commonKey = try PEMFiles.readKey(url.appendingPathComponent(FileName.commonKey))
        faceImages = try CardFaceImages.load(from: url, reissueHint: reissue)
        issuerData = try IssuerData.read(url.appendingPathComponent(FileName.issuerData))
        guard issuerData.matches(persona, visualCardKey: visualCardKey, images: faceImages) else {
            throw .invalid(
                file: url.appendingPathComponent(FileName.issuerData).path, line: nil, column: nil,
                message: "the signed 券面 data no longer matches persona.yaml or the card-face images (edited since issue?); \(reissue)")
        }
        try Self.checkKey(authKey, matches: authCertificate, file: url.appendingPathComponent(FileName.authCertificate).path)
        if let signKey, let signCertificate {
            try Self.checkKey(signKey, matches: signCertificate, file: url.appendingPathComponent(FileName.signCertificate).path)
        }
    }

    private static func checkKey(_ key: RSAPrivateKey, matches certificate: Certificate, file: String) throws(PersonaError) {
        guard (try? Certificate.PublicKey(derEncoded: Array(key.publicKeySPKI))) == certificate.publicKey else {
            throw .badCryptoMaterial(file: file, reason: "the certificate's public key does not match the private key beside it")
        }
    }

    /// Takes the card's lock so no other process drives the same state, and clears a state
    /// write that a process killed while holding the lock left half-done (state.json itself is
    /// always whole: card reference §decision-verify).
    public func lock() throws(CardStateError) -> FileLock {
        let lock = try FileLock(path: file(FileName.lock).path)
        DurableFile.discardInterruptedWrite(to: stateURL)
        return lock
    }

    /// A card backed by this directory's durable state file.
    public func makeCard() throws(CardStateError) -> VirtualCard {
        try VirtualCard(image: cardImage(), store: FileCardStateStore(url: stateURL))
    }
}
