import Foundation
import ISO7816
import MynaApplications
import MynaCard

/// One 券面 AP's card-verifiable (CV) hierarchy in the test PKI (card reference §cv-certificates, §decision-test-pki): a
/// test root that certifies the AP's issuing key, which signs the AP's integrity data. Key ids start
/// with `7`: neither production (`5`) nor J-LIS test (`6`). Production ids are `5000033`/`5000023`
/// (certifiers of the text and visual AP).
public struct CVHierarchy: Hashable, Sendable {
    public var name: String
    /// The certifier's (root's) key id.
    public var rootKeyID: [UInt8]
    /// The AP's issuing key id (certified by the root; signs the AP's data).
    public var issuerKeyID: [UInt8]
    public var files: Files

    /// File names in a PKI directory.
    public struct Files: Hashable, Sendable {
        public var rootKey: String
        /// The root's public key: the trust anchor a verifier needs.
        public var rootPublicKey: String
        public var issuerKey: String
        public var issuerCertificate: String
    }

    /// 券面事項入力補助AP (text AP).
    public static let text = CVHierarchy(
        name: "text", rootKeyID: CardVerifiableCertificate.keyID("7000033", "001"),
        issuerKeyID: CardVerifiableCertificate.keyID("7000034", "001"),
        files: .init(
            rootKey: "cv-root.key.pem", rootPublicKey: "cv-root.pub.pem",
            issuerKey: "cv-text-issuer.key.pem", issuerCertificate: "cv-text-issuer.cvc"))
    /// 券面事項確認AP (visual AP).
    public static let visual = CVHierarchy(
        name: "visual", rootKeyID: CardVerifiableCertificate.keyID("7000023", "001"),
        issuerKeyID: CardVerifiableCertificate.keyID("7000024", "001"),
        files: .init(
            rootKey: "cv-visual-root.key.pem", rootPublicKey: "cv-visual-root.pub.pem",
            issuerKey: "cv-visual-issuer.key.pem", issuerCertificate: "cv-visual-issuer.cvc"))
    public static let all: [CVHierarchy] = [.text, .visual]

    /// A CV certificate for `subject`'s key, signed by `certifier`.
    static func certificate(subjectKeyID: [UInt8], subject: RSAPrivateKey, certifierKeyID: [UInt8], certifier: RSAPrivateKey) throws
        -> [UInt8]
    {
        let body = CardVerifiableCertificate.body(certifier: certifierKeyID, subject: subjectKeyID, key: subject.publicKey)
        return CardVerifiableCertificate.encode(body: body, signature: try certifier.signPKCS1v15(sha256Of: body))
    }
}
