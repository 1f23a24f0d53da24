import CLibCrypto

/// The arithmetic check swift-crypto's parser (BoringSSL's RSA_check_key) made on every load.
extension LibCryptoKey {
    /// Whether the RSA numbers agree: n = p·q, d·e ≡ 1 (mod p−1) and (mod q−1), dP = d mod (p−1),
    /// dQ = d mod (q−1), qInv·q ≡ 1 (mod p). No primality tests (EVP_PKEY_pairwise_check makes
    /// them and costs ~70 ms); this costs microseconds. Every copy of a private number is wiped.
    func hasConsistentRSANumbers() throws(LibCryptoFailure) -> Bool {
        OpenSSLErrorQueue.clear()
        var numbers: [OpaquePointer] = []
        defer { for number in numbers { BN_clear_free(number) } }
        for name in [
            mynasim_name_rsa_n(), mynasim_name_rsa_e(), mynasim_name_rsa_d(), mynasim_name_rsa_p(), mynasim_name_rsa_q(),
            mynasim_name_rsa_dp(), mynasim_name_rsa_dq(), mynasim_name_rsa_qinv(),
        ] {
            var number: OpaquePointer?
            guard EVP_PKEY_get_bn_param(pointer, name, &number) == 1, let number else {
                throw LibCryptoFailure("reading the key's \(String(cString: name))")
            }
            numbers.append(number)
        }
        let (n, e, d, p, q, dP, dQ, qInv) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5], numbers[6], numbers[7])
        guard let context = BN_CTX_new() else { throw LibCryptoFailure("BN_CTX_new") }
        defer { BN_CTX_free(context) }
        guard let pMinusOne = BN_dup(p) else { throw LibCryptoFailure("BN_dup") }
        numbers.append(pMinusOne)
        guard let qMinusOne = BN_dup(q) else { throw LibCryptoFailure("BN_dup") }
        numbers.append(qMinusOne)
        guard let t = BN_new() else { throw LibCryptoFailure("BN_new") }
        numbers.append(t)
        guard BN_sub_word(pMinusOne, 1) == 1, BN_sub_word(qMinusOne, 1) == 1 else { throw LibCryptoFailure("BN_sub_word") }

        guard BN_mul(t, p, q, context) == 1 else { throw LibCryptoFailure("BN_mul") }
        guard BN_cmp(t, n) == 0 else { return false }
        for modulus in [pMinusOne, qMinusOne] {
            guard BN_mod_mul(t, d, e, modulus, context) == 1 else { throw LibCryptoFailure("BN_mod_mul") }
            guard BN_is_one(t) == 1 else { return false }
        }
        for (exponent, modulus) in [(dP, pMinusOne), (dQ, qMinusOne)] {
            guard BN_nnmod(t, d, modulus, context) == 1 else { throw LibCryptoFailure("BN_nnmod") }
            guard BN_cmp(t, exponent) == 0 else { return false }
        }
        guard BN_mod_mul(t, qInv, q, p, context) == 1 else { throw LibCryptoFailure("BN_mod_mul") }
        return BN_is_one(t) == 1
    }
}
