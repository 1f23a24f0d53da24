import _CryptoExtras

extension RSAPrivateKey {
    /// The same key as swift-crypto's `_RSA.Signing.PrivateKey`, which swift-certificates needs to
    /// build and sign certificates. Parsed from the PKCS#1 DER on each use; keep it no longer than needed.
    public var swiftCryptoKey: _RSA.Signing.PrivateKey {
        get throws(RSAKeyError) {
            do {
                return try _RSA.Signing.PrivateKey(derRepresentation: derRepresentation)
            } catch {
                throw .swiftCrypto(String(describing: error))
            }
        }
    }
}
