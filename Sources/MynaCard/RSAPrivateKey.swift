import CLibCrypto
import Foundation
import MynaApplications

/// An RSA private key with the raw operations a smart card performs: PKCS#1 v1.5 type-01
/// padding of exactly the bytes given (the card does not hash), and PSS over a SHA-256 digest.
/// The key lives in OpenSSL's libcrypto, owned by this value and freed with its last copy.
public struct RSAPrivateKey: Sendable {
    /// The shortest key the card accepts (swift-crypto's limit, kept).
    public static let minimumBits = 2048

    private let key: LibCryptoKey
    /// The public half, as the card writes it (read once at load).
    public let publicKey: RSAPublicKey

    /// Loads a PEM private key (PKCS#1 or PKCS#8, unencrypted; text around the PEM block is skipped).
    public init(pemRepresentation pem: String) throws(RSAKeyError) {
        let key: LibCryptoKey
        do { key = try .readPrivateKey(pem: pem) } catch { throw .unreadablePEM(error.message) }
        try self.init(key)
    }

    private init(_ key: LibCryptoKey) throws(RSAKeyError) {
        guard EVP_PKEY_is_a(key.pointer, mynasim_name_rsa()) == 1 else { throw .notRSA(keyType: key.typeName) }
        guard key.bits >= Self.minimumBits else { throw .keySize(bits: key.bits, minimum: Self.minimumBits) }
        try Self.checkConsistency(key)
        self.key = key
        do {
            publicKey = RSAPublicKey(modulus: try key.bigNumber(mynasim_name_rsa_n()), exponent: try key.bigNumber(mynasim_name_rsa_e()))
        } catch {
            throw .encoding(error.message)
        }
    }

    /// Generates a new RSA-2048 key (e = 65537).
    public static func generate() throws(RSAKeyError) -> RSAPrivateKey {
        let key: LibCryptoKey
        do { key = try .generateRSA(bits: 2048) } catch { throw .generation(error.message) }
        return try RSAPrivateKey(key)
    }

    /// PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`, ending in a newline).
    public var pemRepresentation: String { String(decoding: encoded(.privateKeyPKCS1, format: .pem), as: UTF8.self) }
    /// PKCS#1 DER.
    public var derRepresentation: Data { Data(encoded(.privateKeyPKCS1, format: .der)) }
    /// The public key as SubjectPublicKeyInfo DER.
    public var publicKeySPKI: Data { Data(encoded(.publicKeyInfo, format: .der)) }
    /// The public key as SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`, no final newline).
    public var publicKeyPEM: String {
        var text = String(decoding: encoded(.publicKeyInfo, format: .pem), as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// The modulus length in bytes (256 for RSA-2048).
    public var modulusLength: Int { key.outputSize }

    /// The largest input for ``signPKCS1v15(_:)`` (11 bytes of padding overhead).
    public var maxPKCS1Input: Int { modulusLength - 11 }

    /// RSASSA-PKCS1-v1_5 signature over `input` exactly as given: `00 01 FF… 00 ‖ input`, then the
    /// private-key operation (`EVP_PKEY_sign`, PKCS#1 padding, no digest). The caller decides
    /// whether `input` is a DigestInfo.
    public func signPKCS1v15(_ input: [UInt8]) throws(RSAOperationError) -> [UInt8] {
        guard !input.isEmpty, input.count <= maxPKCS1Input else { throw .inputLength(input.count, max: maxPKCS1Input) }
        do {
            return try key.sign(input) { EVP_PKEY_CTX_set_rsa_padding($0, RSA_PKCS1_PADDING) > 0 }
        } catch {
            throw .backend(error.message)
        }
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message` (the card's issuers sign this way).
    public func signPKCS1v15(sha256Of message: [UInt8]) throws(RSAOperationError) -> [UInt8] {
        let digest: [UInt8]
        do { digest = try LibCryptoDigest.sha256(message) } catch { throw .backend(error.message) }
        return try signPKCS1v15(DigestInfo.sha256(digest))
    }

    /// RSASSA-PSS (MGF1-SHA-256, 32-byte random salt; RFC 8017 §9.1) over a SHA-256 digest the
    /// caller computed.
    public func signPSS(sha256Digest digest: [UInt8]) throws(RSAOperationError) -> [UInt8] {
        let hashLength = 32
        guard digest.count == hashLength else { throw .digestLength(digest.count, expected: hashLength) }
        do {
            return try key.sign(digest) { context in
                EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) > 0
                    && EVP_PKEY_CTX_set_signature_md(context, EVP_sha256()) > 0
                    && EVP_PKEY_CTX_set_rsa_mgf1_md(context, EVP_sha256()) > 0
                    && EVP_PKEY_CTX_set_rsa_pss_saltlen(context, Int32(hashLength)) > 0
            }
        } catch {
            throw .backend(error.message)
        }
    }

    /// swift-crypto's parser refused a key whose private numbers do not match its public ones;
    /// libcrypto loads such a key, so it is checked here (see ``LibCryptoKey/hasConsistentRSANumbers()``).
    private static func checkConsistency(_ key: LibCryptoKey) throws(RSAKeyError) {
        let consistent: Bool
        do { consistent = try key.hasConsistentRSANumbers() } catch { throw .inconsistent(error.message) }
        guard consistent else { throw .inconsistent("n ≠ p·q, or d, dP, dQ or qInv does not fit p, q and e") }
    }

    /// An encoding of a key that loaded. libcrypto fails here only when memory runs out; like
    /// swift-crypto's encoders, that stops the process rather than hand out a broken key file.
    private func encoded(_ encoding: LibCryptoKey.Encoding, format: LibCryptoKey.Format) -> [UInt8] {
        do {
            return try key.encoded(encoding, format: format)
        } catch {
            preconditionFailure("encoding an RSA key: \(error.message)")
        }
    }
}
