import BigInt
import Crypto
import Foundation

/// An RSA public key as the card writes one (`90` exponent, `91` modulus), with the raw public
/// operation a verifier needs: the 券面 APs sign DigestInfo structures no library helper builds
/// (the visual AP's three-digest one, spec §5.2), so the padded block is recovered and compared.
public struct RSAPublicKey: Hashable, Sendable {
    /// Big-endian, without leading zeros.
    public var modulus: [UInt8]
    public var exponent: [UInt8]

    public init(modulus: [UInt8], exponent: [UInt8]) {
        self.modulus = Array(modulus.drop { $0 == 0 })
        self.exponent = exponent
    }

    /// The modulus length in bytes.
    public var modulusLength: Int { modulus.count }

    /// s^e mod n, left-padded to the modulus length; nil when the signature is not below n.
    public func recover(_ signature: [UInt8]) -> [UInt8]? {
        let n = BigUInt(Data(modulus)), s = BigUInt(Data(signature))
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
        isValidPKCS1v15(signature: signature, input: VirtualCard.sha256DigestInfoPrefix + SHA256.hash(data: message))
    }
}

extension RSAPrivateKey {
    /// The public half.
    public var publicKey: RSAPublicKey {
        let (modulus, exponent) = try! publicPrimitives()
        return RSAPublicKey(modulus: modulus, exponent: exponent)
    }
}
