import CLibCrypto

/// Making keys: from PEM, by generation, from a public modulus and exponent.
extension LibCryptoKey {
    /// The private key in `pem` (PKCS#1 or PKCS#8; any type: the caller checks it). An encrypted
    /// key is refused, never prompted for: the passphrase callbacks always fail.
    static func readPrivateKey(pem: String) throws(LibCryptoFailure) -> LibCryptoKey {
        var text = Array(pem.utf8)
        defer { text.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        guard !text.isEmpty else { throw LibCryptoFailure(refusing: "the text is empty") }
        guard text.count <= Int(Int32.max) else { throw LibCryptoFailure(refusing: "\(text.count) bytes is too long for a key") }
        if let key = decodeRSA(text) { return key }
        return try readAnyPrivateKey(text)
    }

    /// The fast path: an `OSSL_DECODER` for RSA key pairs in PEM only (about 110 µs instead of the
    /// 500–600 µs OpenSSL 3.0 spends trying every decoder). Nil when it cannot decode `text`.
    private static func decodeRSA(_ text: [UInt8]) -> LibCryptoKey? {
        OpenSSLErrorQueue.clear()
        // The decoder keeps this address and writes the key to it during OSSL_DECODER_from_data,
        // so it must outlive both calls: an `&variable` argument would not.
        let slot = UnsafeMutablePointer<OpaquePointer?>.allocate(capacity: 1)
        slot.initialize(to: nil)
        defer { slot.deallocate() }
        guard
            let decoder = OSSL_DECODER_CTX_new_for_pkey(
                slot, mynasim_name_pem(), nil, mynasim_name_rsa(), mynasim_selection_keypair(), nil, nil
            )
        else { return nil }
        defer { OSSL_DECODER_CTX_free(decoder) }
        guard OSSL_DECODER_CTX_set_pem_password_cb(decoder, { _, _, _, _ in -1 }, nil) == 1 else { return nil }
        let decoded = text.withUnsafeBufferPointer { buffer in
            var data = buffer.baseAddress
            var length = buffer.count
            return OSSL_DECODER_from_data(decoder, &data, &length) == 1
        }
        guard decoded, let key = slot.pointee else {
            if let partial = slot.pointee { EVP_PKEY_free(partial) }
            OpenSSLErrorQueue.clear()
            return nil
        }
        return LibCryptoKey(taking: key)
    }

    /// The slow path, also the source of the error: `PEM_read_bio_PrivateKey_ex` skips PEM blocks
    /// that hold no private key (as swift-crypto did) and reads keys of every type.
    private static func readAnyPrivateKey(_ text: [UInt8]) throws(LibCryptoFailure) -> LibCryptoKey {
        OpenSSLErrorQueue.clear()
        let key: OpaquePointer? = text.withUnsafeBytes { bytes in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey_ex(bio, nil, { _, _, _, _ in -1 }, nil, nil, nil)
        }
        guard let key else { throw LibCryptoFailure("reading the PEM") }
        return LibCryptoKey(taking: key)
    }

    /// A new RSA key of `bits` bits with public exponent 65537.
    static func generateRSA(bits: Int32) throws(LibCryptoFailure) -> LibCryptoKey {
        OpenSSLErrorQueue.clear()
        guard let context = EVP_PKEY_CTX_new_from_name(nil, mynasim_name_rsa(), nil) else {
            throw LibCryptoFailure("EVP_PKEY_CTX_new_from_name")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard let exponent = BN_new() else { throw LibCryptoFailure("BN_new") }
        defer { BN_free(exponent) }
        guard BN_set_word(exponent, 65537) == 1,
            EVP_PKEY_keygen_init(context) > 0,
            EVP_PKEY_CTX_set_rsa_keygen_bits(context, bits) > 0,
            EVP_PKEY_CTX_set1_rsa_keygen_pubexp(context, exponent) > 0
        else { throw LibCryptoFailure("setting up RSA key generation") }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) > 0, let key else { throw LibCryptoFailure("EVP_PKEY_generate") }
        return LibCryptoKey(taking: key)
    }

    /// An RSA public key from its big-endian modulus and exponent.
    static func rsaPublicKey(modulus: [UInt8], exponent: [UInt8]) throws(LibCryptoFailure) -> LibCryptoKey {
        guard modulus.count <= 1 << 16, exponent.count <= 1 << 16 else { throw LibCryptoFailure(refusing: "numbers too long for RSA") }
        OpenSSLErrorQueue.clear()
        guard let builder = OSSL_PARAM_BLD_new() else { throw LibCryptoFailure("OSSL_PARAM_BLD_new") }
        defer { OSSL_PARAM_BLD_free(builder) }
        let n = modulus.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        let e = exponent.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        defer {
            BN_free(n)
            BN_free(e)
        }
        guard let n, let e,
            OSSL_PARAM_BLD_push_BN(builder, mynasim_name_rsa_n(), n) == 1,
            OSSL_PARAM_BLD_push_BN(builder, mynasim_name_rsa_e(), e) == 1,
            let parameters = OSSL_PARAM_BLD_to_param(builder)
        else { throw LibCryptoFailure("building the key parameters") }
        defer { OSSL_PARAM_free(parameters) }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, mynasim_name_rsa(), nil) else {
            throw LibCryptoFailure("EVP_PKEY_CTX_new_from_name")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_fromdata_init(context) > 0,
            EVP_PKEY_fromdata(context, &key, mynasim_selection_public_key(), parameters) > 0,
            let key
        else { throw LibCryptoFailure("EVP_PKEY_fromdata") }
        return LibCryptoKey(taking: key)
    }
}
