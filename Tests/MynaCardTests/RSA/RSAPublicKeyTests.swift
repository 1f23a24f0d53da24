import Foundation
import MynaApplications
import MynaCard
import Testing

@Suite("RSAPublicKey raw public operation through libcrypto")
struct PublicKeyTests {
    let key = try! RSAPrivateKey(pemRepresentation: TestKeys.pkcs1PEM)
    var publicKey: RSAPublicKey { key.publicKey }

    /// A random value below the modulus, as long as the modulus.
    func randomBelowModulus() -> [UInt8] {
        var value = randomBytes(publicKey.modulusLength)
        value[0] = UInt8.random(in: 0..<publicKey.modulus[0])
        return value
    }

    @Test("recover() equals openssl pkeyutl -verifyrecover (no padding) and the BigInt version")
    func recoverMatchesOracles() throws {
        for _ in 0..<4 {
            let s = randomBelowModulus()
            let recovered = try publicKey.rawPublicOperation(s)
            #expect(recovered.count == 256)
            #expect(publicKey.recover(s) == recovered)
            let openssl = try OpenSSLCLI.output([
                "pkeyutl", "-verifyrecover", "-pubin", "-inkey", TestKeys.publicKeyFile, "-pkeyopt", "rsa_padding_mode:none",
                "-in", try OpenSSLCLI.file(s),
            ])
            #expect(recovered == Array(openssl))
        }
    }

    @Test("Edge values: 0, 1 and n − 1 (odd e: (−1)^e = −1)")
    func edgeValues() throws {
        let zero = [UInt8](repeating: 0, count: 256)
        #expect(try publicKey.rawPublicOperation(zero) == zero)
        let one = Array(zero.dropLast()) + [1]
        #expect(try publicKey.rawPublicOperation(one) == one)
        var nMinusOne = publicKey.modulus
        nMinusOne[255] -= 1  // n is odd
        #expect(try publicKey.rawPublicOperation(nMinusOne) == nMinusOne)
    }

    @Test("Signatures of the wrong length or not below n are refused, as before")
    func badSignatures() throws {
        let n = publicKey.modulus
        for length in [0, 1, 255, 257, 512] {
            let s = randomBytes(length)
            #expect(throws: RSAOperationError.signatureLength(length, expected: 256)) { try publicKey.rawPublicOperation(s) }
            #expect(publicKey.recover(s) == nil)
        }
        var nPlusOne = n
        nPlusOne[255] += 1  // n is odd: no carry
        for s in [n, nPlusOne, [UInt8](repeating: 0xFF, count: 256)] {
            #expect(throws: RSAOperationError.signatureOutOfRange) { try publicKey.rawPublicOperation(s) }
            #expect(publicKey.recover(s) == nil)
        }
    }

    @Test("isValidPKCS1v15 accepts openssl's sha256WithRSAEncryption signature and nothing altered")
    func pkcs1Verification() throws {
        let message = Array("verified through libcrypto \(UUID())".utf8)
        let signature = Array(try OpenSSLCLI.output(["dgst", "-sha256", "-sign", TestKeys.privateKeyFile, try OpenSSLCLI.file(message)]))
        let digest = Array(try OpenSSLCLI.output(["dgst", "-sha256", "-binary", try OpenSSLCLI.file(message)]))
        let digestInfo = DigestInfo.sha256(digest)
        #expect(publicKey.isValidPKCS1v15(signature: signature, sha256Of: message))
        #expect(publicKey.isValidPKCS1v15(signature: signature, input: digestInfo))
        var flipped = signature
        flipped[100] ^= 0x01
        #expect(!publicKey.isValidPKCS1v15(signature: flipped, sha256Of: message))
        #expect(!publicKey.isValidPKCS1v15(signature: signature, sha256Of: message + [0]))
        #expect(!publicKey.isValidPKCS1v15(signature: signature, input: digest))  // a bare hash is another input
        #expect(!publicKey.isValidPKCS1v15(signature: signature, input: randomBytes(246)))
        #expect(!publicKey.isValidPKCS1v15(signature: Array(signature.dropFirst()), sha256Of: message))
        // The card's own signature over arbitrary input.
        let input = randomBytes(83)
        #expect(publicKey.isValidPKCS1v15(signature: try key.signPKCS1v15(input), input: input))
    }

    @Test("Unusable public keys give nil or a typed error, never a trap")
    func unusableKeys() throws {
        let empty = RSAPublicKey(modulus: [], exponent: [1, 0, 1])
        #expect(empty.recover([]) == nil)
        #expect(throws: RSAOperationError.self) { try empty.rawPublicOperation([]) }
        let noExponent = RSAPublicKey(modulus: publicKey.modulus, exponent: [])
        #expect(noExponent.recover(randomBelowModulus()) == nil)
        let even = RSAPublicKey(modulus: [0xC0] + [UInt8](repeating: 0, count: 255), exponent: [1, 0, 1])
        let error = #expect(throws: RSAOperationError.self) { try even.rawPublicOperation([0x01] + [UInt8](repeating: 0, count: 255)) }
        #expect(error?.description.contains("OpenSSL") == true, "\(String(describing: error))")
        let huge = RSAPublicKey(modulus: [UInt8](repeating: 0xFF, count: 2049), exponent: [3])
        #expect(throws: RSAOperationError.self) { try huge.rawPublicOperation([UInt8](repeating: 0, count: 2049)) }
    }
}
