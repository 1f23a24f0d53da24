import CLibCrypto

/// SHA-256 through libcrypto.
enum LibCryptoDigest {
    /// The SHA-256 digest of `message`.
    static func sha256(_ message: [UInt8]) throws(LibCryptoFailure) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let status = message.withUnsafeBytes { bytes in
            digest.withUnsafeMutableBufferPointer { EVP_Digest(bytes.baseAddress, bytes.count, $0.baseAddress, &length, EVP_sha256(), nil) }
        }
        guard status == 1, length == 32 else { throw LibCryptoFailure("SHA-256") }
        return digest
    }
}
