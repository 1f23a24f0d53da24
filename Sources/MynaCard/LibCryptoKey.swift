import CLibCrypto

/// Owns one libcrypto `EVP_PKEY` for as long as the value holding it lives, and frees it in
/// `deinit` (OpenSSL wipes a private key's numbers as it frees them).
///
/// `Sendable` because the key is never modified after `init`: OpenSSL 3 lets threads use one
/// `EVP_PKEY` at the same time as long as each uses its own `EVP_PKEY_CTX` (openssl-threads(7):
/// "two threads can calculate a signature using two different EVP_PKEY_CTX objects"), and every
/// operation here makes and frees its own context. RSA blinding and Montgomery caches inside the
/// key are set up under OpenSSL's own locks.
final class LibCryptoKey: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Takes ownership of `pointer`.
    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// The largest output of the key's operations: the modulus length in bytes for RSA.
    var outputSize: Int { Int(EVP_PKEY_get_size(pointer)) }

    /// The modulus length in bits for RSA.
    var bits: Int { Int(EVP_PKEY_get_bits(pointer)) }

    /// The key's type as libcrypto names it (`RSA`, `RSA-PSS`, `EC`, …).
    var typeName: String {
        EVP_PKEY_get0_type_name(pointer).map { String(cString: $0) } ?? "unknown"
    }

    /// `EVP_PKEY_sign` in a fresh context that `configure` set up after `EVP_PKEY_sign_init`.
    func sign(_ input: [UInt8], configure: (OpaquePointer) -> Bool) throws(LibCryptoFailure) -> [UInt8] {
        try run(
            input, initialise: { EVP_PKEY_sign_init($0) }, configure: configure,
            operation: { context, out, outLength, bytes in EVP_PKEY_sign(context, out, outLength, bytes.baseAddress, bytes.count) })
    }

    /// `EVP_PKEY_verify_recover` in a fresh context that `configure` set up after the init call.
    func verifyRecover(_ input: [UInt8], configure: (OpaquePointer) -> Bool) throws(LibCryptoFailure) -> [UInt8] {
        try run(
            input, initialise: { EVP_PKEY_verify_recover_init($0) }, configure: configure,
            operation: { context, out, outLength, bytes in EVP_PKEY_verify_recover(context, out, outLength, bytes.baseAddress, bytes.count)
            })
    }

    /// One operation in its own context: make, initialise, configure, run, free.
    private func run(
        _ input: [UInt8],
        initialise: (OpaquePointer) -> Int32,
        configure: (OpaquePointer) -> Bool,
        operation: (OpaquePointer, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>, UnsafeBufferPointer<UInt8>) -> Int32
    ) throws(LibCryptoFailure) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil) else { throw LibCryptoFailure("EVP_PKEY_CTX_new_from_pkey") }
        defer { EVP_PKEY_CTX_free(context) }
        guard initialise(context) > 0 else { throw LibCryptoFailure("initialising the operation") }
        guard configure(context) else { throw LibCryptoFailure("setting the padding and digests") }
        var output = [UInt8](repeating: 0, count: outputSize)
        var length = output.count
        let status = input.withUnsafeBufferPointer { bytes in
            output.withUnsafeMutableBufferPointer { out in operation(context, out.baseAddress, &length, bytes) }
        }
        guard status > 0 else { throw LibCryptoFailure("the RSA operation") }
        if length < output.count { output.removeLast(output.count - length) }
        return output
    }
}
