import Crypto
import Foundation
import ISO7816
import MynaCard

/// The card-verifiable (CV) certificate hierarchies of the 券面 APs (spec §4.2, §5.2, Part A 10): a
/// test root per AP that certifies the AP's issuing key, which signs the AP's integrity data. Key ids are
/// 16 bytes (7 ASCII digits ‖ `08 05` ‖ 3 ASCII digits ‖ 4 padding bytes) and start with `7`:
/// neither production (`5`) nor J-LIS test (`6`).
public enum CardVerifiableCertificates {
    /// One AP's CV hierarchy: the root's and the issuing key's ids and where a PKI directory keeps
    /// their files. Production ids are `5000033`/`5000023` (certifiers of the text and visual AP).
    public struct Hierarchy: Hashable, Sendable {
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
        public static let text = Hierarchy(
            name: "text", rootKeyID: keyID("7000033", "001"), issuerKeyID: keyID("7000034", "001"),
            files: .init(rootKey: "cv-root.key.pem", rootPublicKey: "cv-root.pub.pem",
                         issuerKey: "cv-text-issuer.key.pem", issuerCertificate: "cv-text-issuer.cvc"))
        /// 券面事項確認AP (visual AP).
        public static let visual = Hierarchy(
            name: "visual", rootKeyID: keyID("7000023", "001"), issuerKeyID: keyID("7000024", "001"),
            files: .init(rootKey: "cv-visual-root.key.pem", rootPublicKey: "cv-visual-root.pub.pem",
                         issuerKey: "cv-visual-issuer.key.pem", issuerCertificate: "cv-visual-issuer.cvc"))
        public static let all: [Hierarchy] = [.text, .visual]
    }

    public static func keyID(_ seven: String, _ three: String) -> [UInt8] {
        Array(seven.utf8) + [0x08, 0x05] + Array(three.utf8) + [0x00, 0x00, 0x00, 0x00]
    }

    /// `7F 21` CV certificate: body `5F 4E` (certifier id ‖ subject id ‖ `90 03 010001` ‖ `91 82 0100`
    /// modulus) and `5F 37` = PKCS#1 v1.5 SHA-256 signature over the 297-byte body.
    public static func certificate(subjectKeyID: [UInt8], subject: RSAPrivateKey, certifierKeyID: [UInt8], certifier: RSAPrivateKey) throws -> [UInt8] {
        let body = certifierKeyID + subjectKeyID + publicKeyTLVs(subject)
        let signature = try sign(body, with: certifier)
        return BERTLV(tag: 0x7F21, children: [BERTLV(tag: 0x5F4E, value: body), BERTLV(tag: 0x5F37, value: signature)], lengthForm: .card)
            .encoded(lengthForm: .card)
    }

    /// `90 03 <e>` `91 82 01 00 <n>`: an RSA public key as the card writes it.
    public static func publicKeyTLVs(_ key: RSAPrivateKey) -> [UInt8] {
        let (modulus, exponent) = try! key.publicPrimitives()
        let n = Array(modulus.drop { $0 == 0 })
        return BERTLV(tag: 0x90, value: exponent).encoded(lengthForm: .card) + BERTLV(tag: 0x91, value: n).encoded(lengthForm: .card)
    }

    /// The RSA key in `90`/`91` TLVs.
    public static func publicKey(fromTLVs bytes: [UInt8]) -> RSAPublicKey? {
        guard let objects = try? BERTLV.parseAll(bytes), let e = objects.first(where: { $0.tag == 0x90 })?.value,
            let n = objects.first(where: { $0.tag == 0x91 })?.value
        else { return nil }
        return RSAPublicKey(modulus: n, exponent: e)
    }

    /// A CV certificate's parts: certifier key id, subject key id, the certified key, the signed
    /// body and the signature; nil when it is not a `7F 21` certificate.
    public static func parse(_ certificate: [UInt8]) -> (certifier: [UInt8], subject: [UInt8], key: RSAPublicKey, body: [UInt8], signature: [UInt8])? {
        guard let outer = try? BERTLV(parsing: certificate), outer.tag == 0x7F21,
            let body = try? outer.child(0x5F4E)?.value, let signature = try? outer.child(0x5F37)?.value, body.count > 32,
            let key = publicKey(fromTLVs: Array(body.dropFirst(32)))
        else { return nil }
        return (Array(body.prefix(16)), Array(body.dropFirst(16).prefix(16)), key, body, signature)
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    public static func sign(_ message: [UInt8], with key: RSAPrivateKey) throws -> [UInt8] {
        try key.signPKCS1v15(VirtualCard.sha256DigestInfoPrefix + Array(SHA256.hash(data: message)))
    }

    /// The visual AP's non-standard DigestInfo (spec §5.2): a SHA-256 AlgorithmIdentifier over an
    /// OCTET STRING of three concatenated SHA-256 digests (`30 71 … 04 60 H1‖H2‖H3`).
    public static func threeGroupDigestInfo(_ groups: [[UInt8]]) -> [UInt8] {
        let digests = groups.flatMap { Array(SHA256.hash(data: $0)) }
        let algorithm: [UInt8] = [0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00]
        let octets = BERTLV(tag: 0x04, value: digests).encoded()
        return BERTLV(tag: 0x30, value: algorithm + octets).encoded()
    }
}
