/// Why an RSA operation was refused.
public enum RSAOperationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input to PKCS#1 v1.5 type-01 padding is empty or longer than the modulus length − 11.
    case inputLength(Int, max: Int)
    /// A PSS digest that is not a SHA-256 digest (32 bytes).
    case digestLength(Int, expected: Int)
    /// A signature whose length is not the modulus length.
    case signatureLength(Int, expected: Int)
    /// A signature whose value is not below the modulus.
    case signatureOutOfRange
    /// The modulus or exponent of an ``RSAPublicKey`` cannot make an RSA key.
    case invalidPublicKey(String)
    /// libcrypto refused the operation; the text is OpenSSL's error queue.
    case backend(String)

    public var description: String {
        switch self {
        case .inputLength(let n, let max): return "input of \(n) bytes does not fit PKCS#1 v1.5 padding (1…\(max))"
        case .digestLength(let n, let expected): return "a PSS digest must be SHA-256 (\(expected) bytes), not \(n) bytes"
        case .signatureLength(let n, let expected): return "a signature must be as long as the modulus (\(expected) bytes), not \(n) bytes"
        case .signatureOutOfRange: return "the signature is not below the modulus: not a signature made with this key"
        case .invalidPublicKey(let reason): return "not a usable RSA public key: \(reason)"
        case .backend(let message): return "RSA operation failed in OpenSSL's libcrypto: \(message)"
        }
    }
}

/// Why an RSA key could not be loaded, generated or converted.
public enum RSAKeyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text holds no unencrypted private key in PEM that libcrypto can read.
    case unreadablePEM(String)
    /// The PEM holds a private key of another type (e.g. `EC`, `RSA-PSS`).
    case notRSA(keyType: String)
    /// The key is shorter than the card allows.
    case keySize(bits: Int, minimum: Int)
    /// The private numbers do not match the public ones (a damaged key file).
    case inconsistent(String)
    /// libcrypto could not generate a key.
    case generation(String)
    /// libcrypto could not read the key's numbers or encode it.
    case encoding(String)
    /// swift-crypto refused the key's DER (for ``RSAPrivateKey/swiftCryptoKey``).
    case swiftCrypto(String)

    public var description: String {
        switch self {
        case .unreadablePEM(let detail):
            return "not an unencrypted RSA private key in PEM (PKCS#1 'RSA PRIVATE KEY' or PKCS#8 'PRIVATE KEY'): \(detail)"
        case .notRSA(let type): return "the PEM holds a \(type) private key; the card needs an RSA key"
        case .keySize(let bits, let minimum): return "an RSA key of \(bits) bits is too short: at least \(minimum) bits are needed"
        case .inconsistent(let detail): return "the RSA private key is damaged: its numbers do not agree (\(detail))"
        case .generation(let detail): return "OpenSSL's libcrypto could not generate an RSA key: \(detail)"
        case .encoding(let detail): return "OpenSSL's libcrypto could not read or encode the RSA key: \(detail)"
        case .swiftCrypto(let detail): return "swift-crypto could not load the RSA key: \(detail)"
        }
    }
}
