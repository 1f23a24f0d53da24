// Reference: MynaCard's RSAPrivateKey at main 320def8, renamed. The oracle for byte-identical output and the benchmark baseline.
import Crypto
import Foundation
import _CryptoExtras

/// An RSA private key with the raw operations a smart card performs: PKCS#1 v1.5 type-01
/// padding of exactly the bytes given (the card does not hash), and PSS over a SHA-256 digest.
struct SwiftCryptoRSAPrivateKey: Sendable {
    private let signing: _RSA.Signing.PrivateKey
    private let raw: _RSA.BlindSigning.PrivateKey<SHA384>

    /// Loads a PEM private key (PKCS#1 or PKCS#8).
    public init(pemRepresentation pem: String) throws {
        signing = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        raw = try _RSA.BlindSigning.PrivateKey(derRepresentation: signing.derRepresentation, parameters: .RSABSSA_SHA384_PSS_Deterministic)
    }

    /// Generates a new RSA-2048 key (e = 65537).
    public static func generate() throws -> SwiftCryptoRSAPrivateKey {
        try SwiftCryptoRSAPrivateKey(pemRepresentation: _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation)
    }

    /// PKCS#1 PEM.
    public var pemRepresentation: String { signing.pemRepresentation }
    /// PKCS#1 DER.
    public var derRepresentation: Data { signing.derRepresentation }
    /// The public key as SubjectPublicKeyInfo DER.
    public var publicKeySPKI: Data { signing.publicKey.derRepresentation }
    /// The public key as SubjectPublicKeyInfo PEM.
    public var publicKeyPEM: String { signing.publicKey.pemRepresentation }
    /// The modulus length in bytes (256 for RSA-2048).
    public var modulusLength: Int { signing.keySizeInBits / 8 }

    /// The modulus and public exponent, big-endian.
    public func publicPrimitives() throws -> (modulus: [UInt8], exponent: [UInt8]) {
        let p = try signing.publicKey.getKeyPrimitives()
        return (Array(p.modulus), Array(p.publicExponent))
    }

    /// The underlying swift-crypto key, for building certificates.
    public var swiftCryptoKey: _RSA.Signing.PrivateKey { signing }

    /// The largest input for ``signPKCS1v15(_:)`` (11 bytes of padding overhead).
    public var maxPKCS1Input: Int { modulusLength - 11 }

    /// RSASSA-PKCS1-v1_5 signature over `encodedDigest` exactly as given: `00 01 FF… 00 ‖ input`,
    /// then the raw private-key operation. The caller decides whether `input` is a DigestInfo.
    public func signPKCS1v15(_ input: [UInt8]) throws(ReferenceRSAError) -> [UInt8] {
        guard !input.isEmpty, input.count <= maxPKCS1Input else { throw .inputLength(input.count, max: maxPKCS1Input) }
        var block = [UInt8](repeating: 0xFF, count: modulusLength)
        block[0] = 0x00
        block[1] = 0x01
        block[modulusLength - input.count - 1] = 0x00
        block.replaceSubrange((modulusLength - input.count)..., with: input)
        return try rawPrivateOperation(block)
    }

    /// RSASSA-PSS (EMSA-PSS, MGF1-SHA-256, 32-byte random salt; RFC 8017 §9.1) over a SHA-256
    /// digest the caller computed, then the raw private-key operation.
    public func signPSS(sha256Digest digest: [UInt8]) throws(ReferenceRSAError) -> [UInt8] {
        let hashLength = SHA256.byteCount
        guard digest.count == hashLength else { throw .inputLength(digest.count, max: hashLength) }
        let emLength = modulusLength  // emBits = modBits − 1 leaves the top bit clear below
        var salt = [UInt8](repeating: 0, count: hashLength)
        var rng = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = UInt8.random(in: 0...255, using: &rng) }
        let h = Array(SHA256.hash(data: [UInt8](repeating: 0, count: 8) + digest + salt))
        var db = [UInt8](repeating: 0, count: emLength - salt.count - hashLength - 2) + [0x01] + salt
        let mask = Self.mgf1(seed: h, length: db.count)
        for i in db.indices { db[i] ^= mask[i] }
        db[0] &= 0x7F
        return try rawPrivateOperation(db + h + [0xBC])
    }

    /// MGF1 with SHA-256 (RFC 8017 B.2.1).
    static func mgf1(seed: [UInt8], length: Int) -> [UInt8] {
        var out: [UInt8] = []
        var counter: UInt32 = 0
        while out.count < length {
            let c = [UInt8(counter >> 24), UInt8((counter >> 16) & 0xFF), UInt8((counter >> 8) & 0xFF), UInt8(counter & 0xFF)]
            out += SHA256.hash(data: seed + c)
            counter += 1
        }
        return Array(out.prefix(length))
    }

    /// m^d mod n on a block of exactly the modulus length.
    private func rawPrivateOperation(_ block: [UInt8]) throws(ReferenceRSAError) -> [UInt8] {
        do {
            return Array(try raw.blindSignature(for: block).rawRepresentation)
        } catch {
            throw .backend(String(describing: error))
        }
    }
}

/// Why an RSA operation was refused.
enum ReferenceRSAError: Error, Hashable, Sendable, CustomStringConvertible {
    case inputLength(Int, max: Int)
    case backend(String)

    public var description: String {
        switch self {
        case .inputLength(let n, let max): return "input of \(n) bytes does not fit PKCS#1 v1.5 padding (1…\(max))"
        case .backend(let message): return "RSA operation failed: \(message)"
        }
    }
}
