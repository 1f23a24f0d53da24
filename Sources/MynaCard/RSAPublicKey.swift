import CLibCrypto
import MynaApplications

/// The raw public operation a verifier needs: the 券面 APs sign DigestInfo structures no library
/// helper builds (the visual AP's three-digest one, card reference §visual-face-signature), so the padded block is recovered
/// and compared. The operation runs in OpenSSL's libcrypto (`EVP_PKEY_verify_recover`, no padding).
extension RSAPublicKey {
    /// s^e mod n, left-padded to the modulus length; nil when the signature is not below n, is not
    /// as long as the modulus, or the key is unusable (``rawPublicOperation(_:)`` says which).
    public func recover(_ signature: [UInt8]) -> [UInt8]? {
        try? rawPublicOperation(signature)
    }

    /// s^e mod n, left-padded to the modulus length, with the reason when there is no answer.
    public func rawPublicOperation(_ signature: [UInt8]) throws(RSAOperationError) -> [UInt8] {
        let key = try libCryptoKey()
        guard signature.count == modulusLength else { throw .signatureLength(signature.count, expected: modulusLength) }
        guard signature.lexicographicallyPrecedes(modulus) else { throw .signatureOutOfRange }
        do {
            return try key.verifyRecover(signature) { EVP_PKEY_CTX_set_rsa_padding($0, RSA_NO_PADDING) > 0 }
        } catch {
            throw .backend(error.message)
        }
    }

    /// Whether `signature` is RSASSA-PKCS1-v1_5 over `input` exactly as given (`00 01 FF… 00 ‖ input`).
    public func isValidPKCS1v15(signature: [UInt8], input: [UInt8]) -> Bool {
        guard let block = recover(signature), input.count <= modulusLength - 11 else { return false }
        let padding = [0x00, 0x01] + [UInt8](repeating: 0xFF, count: modulusLength - input.count - 3) + [0x00]
        return block == padding + input
    }

    /// Whether `signature` is RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    public func isValidPKCS1v15(signature: [UInt8], sha256Of message: [UInt8]) -> Bool {
        guard let digest = try? LibCryptoDigest.sha256(message) else { return false }
        return isValidPKCS1v15(signature: signature, input: DigestInfo.sha256(digest))
    }

    /// This key in libcrypto, made for one operation (the value type holds no libcrypto object).
    func libCryptoKey() throws(RSAOperationError) -> LibCryptoKey {
        let maximumLength = 16384 / 8  // OpenSSL's largest RSA modulus
        guard (1...maximumLength).contains(modulus.count) else {
            throw .invalidPublicKey("a modulus of \(modulus.count) bytes (1…\(maximumLength))")
        }
        guard (1...modulus.count).contains(exponent.count) else {
            throw .invalidPublicKey("an exponent of \(exponent.count) bytes (1…\(modulus.count))")
        }
        do {
            return try LibCryptoKey.rsaPublicKey(modulus: modulus, exponent: exponent)
        } catch {
            throw .invalidPublicKey(error.message)
        }
    }
}
