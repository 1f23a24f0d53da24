import Crypto
import Foundation
import ISO7816
import MynaCard

/// The card-verifiable (CV) certificate hierarchy of the 券面 APs (spec §4.2, Part A 10): a test
/// root that certifies each AP's issuing key, which signs the AP's integrity data. Key ids are
/// 16 bytes (7 ASCII digits ‖ `08 05` ‖ 3 ASCII digits ‖ 4 padding bytes) and start with `7`:
/// neither production (`5`) nor J-LIS test (`6`).
public enum CardVerifiableCertificates {
    /// The test root's key id (certifier of every AP key).
    public static let rootKeyID = keyID("7000033", "001")
    /// The text AP's issuing key id (certified by the root, signs EF 0003 and EF 0007).
    public static let textIssuerKeyID = keyID("7000034", "001")

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

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    public static func sign(_ message: [UInt8], with key: RSAPrivateKey) throws -> [UInt8] {
        try key.signPKCS1v15(VirtualCard.sha256DigestInfoPrefix + Array(SHA256.hash(data: message)))
    }
}
