import BigInt
import Crypto
import Foundation
import MynaApplications

/// The raw public operation a verifier needs: the 券面 APs sign DigestInfo structures no library
/// helper builds (the visual AP's three-digest one, card reference §visual-face-signature), so the padded block is recovered
/// and compared.
extension RSAPublicKey {
    /// s^e mod n, left-padded to the modulus length; nil when the signature is not below n.
    public func recover(_ signature: [UInt8]) -> [UInt8]? {
        let n = BigUInt(Data(modulus))
        let s = BigUInt(Data(signature))
        guard signature.count == modulusLength, s < n else { return nil }
        let m = Array(s.power(BigUInt(Data(exponent)), modulus: n).serialize())
        return [UInt8](repeating: 0, count: modulusLength - m.count) + m
    }

    /// Whether `signature` is RSASSA-PKCS1-v1_5 over `input` exactly as given (`00 01 FF… 00 ‖ input`).
    public func isValidPKCS1v15(signature: [UInt8], input: [UInt8]) -> Bool {
        guard let block = recover(signature), input.count <= modulusLength - 11 else { return false }
        let padding = [0x00, 0x01] + [UInt8](repeating: 0xFF, count: modulusLength - input.count - 3) + [0x00]
        return block == padding + input
    }

    /// Whether `signature` is RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    public func isValidPKCS1v15(signature: [UInt8], sha256Of message: [UInt8]) -> Bool {
        isValidPKCS1v15(signature: signature, input: DigestInfo.sha256(SHA256.hash(data: message)))
    }
}
