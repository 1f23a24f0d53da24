import CLibCrypto

/// Reading a key's numbers and encoding it.
extension LibCryptoKey {
    /// What to encode. (The names come from C literals: the encoder keeps pointers to them.)
    enum Encoding {
        /// PKCS#1 `RSAPrivateKey`.
        case privateKeyPKCS1
        /// X.509 `SubjectPublicKeyInfo`.
        case publicKeyInfo

        var selection: Int32 {
            switch self {
            case .privateKeyPKCS1: return mynasim_selection_keypair()
            case .publicKeyInfo: return mynasim_selection_public_key()
            }
        }

        var structure: UnsafePointer<CChar> {
            switch self {
            case .privateKeyPKCS1: return mynasim_name_type_specific()
            case .publicKeyInfo: return mynasim_name_subject_public_key_info()
            }
        }
    }

    /// DER or PEM.
    enum Format {
        case der, pem

        var name: UnsafePointer<CChar> {
            switch self {
            case .der: return mynasim_name_der()
            case .pem: return mynasim_name_pem()
            }
        }
    }

    /// The key as DER, or as PEM text, through an `OSSL_ENCODER`. The buffer libcrypto allocated
    /// is wiped before it is freed.
    func encoded(_ encoding: Encoding, format: Format) throws(LibCryptoFailure) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let context = OSSL_ENCODER_CTX_new_for_pkey(pointer, encoding.selection, format.name, encoding.structure, nil) else {
            throw LibCryptoFailure("OSSL_ENCODER_CTX_new_for_pkey")
        }
        defer { OSSL_ENCODER_CTX_free(context) }
        guard OSSL_ENCODER_CTX_get_num_encoders(context) > 0 else { throw LibCryptoFailure("no \(encoding) encoder") }
        var data: UnsafeMutablePointer<UInt8>?
        var length = 0
        guard OSSL_ENCODER_to_data(context, &data, &length) == 1, let data else { throw LibCryptoFailure("OSSL_ENCODER_to_data") }
        defer { mynasim_openssl_clear_free(data, length) }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    /// A big-number parameter of the key (e.g. `n`, `e`), big-endian without leading zeros.
    func bigNumber(_ name: UnsafePointer<CChar>) throws(LibCryptoFailure) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        var number: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pointer, name, &number) == 1, let number else {
            throw LibCryptoFailure("reading parameter \(String(cString: name))")
        }
        defer { BN_clear_free(number) }
        var bytes = [UInt8](repeating: 0, count: (Int(BN_num_bits(number)) + 7) / 8)
        let written = bytes.withUnsafeMutableBufferPointer { Int(BN_bn2bin(number, $0.baseAddress)) }
        guard written == bytes.count else { throw LibCryptoFailure("writing parameter \(String(cString: name))") }
        return bytes
    }
}
