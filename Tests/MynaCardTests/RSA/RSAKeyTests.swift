import Foundation
import MynaCard
import Testing
import _CryptoExtras

@Suite("RSAPrivateKey loading, generation and encodings through libcrypto")
struct KeyTests {
    @Test("PKCS#1 and PKCS#8 PEM load the same key; every encoding is byte-identical to swift-crypto's")
    func encodingsMatchSwiftCrypto() throws {
        let fromPKCS1 = try RSAPrivateKey(pemRepresentation: TestKeys.pkcs1PEM)
        let fromPKCS8 = try RSAPrivateKey(pemRepresentation: TestKeys.pkcs8PEM)
        let reference = try SwiftCryptoRSAPrivateKey(pemRepresentation: TestKeys.pkcs8PEM)
        for key in [fromPKCS1, fromPKCS8] {
            #expect(key.pemRepresentation == reference.pemRepresentation)
            #expect(key.pemRepresentation == TestKeys.pkcs1PEM)  // what `openssl rsa -traditional` writes
            #expect(key.pemRepresentation.hasPrefix("-----BEGIN RSA PRIVATE KEY-----\n"))
            #expect(key.derRepresentation == reference.derRepresentation)
            #expect(key.publicKeySPKI == reference.publicKeySPKI)
            #expect(key.publicKeyPEM == reference.publicKeyPEM)
            #expect(key.modulusLength == reference.modulusLength)
            #expect(key.maxPKCS1Input == reference.maxPKCS1Input)
            let expected = try reference.publicPrimitives()
            #expect(key.publicKey.modulus == expected.modulus && key.publicKey.exponent == expected.exponent)
            #expect(key.publicKey.modulus == (try TestKeys.modulus()))
            #expect(key.publicKey.exponent == [0x01, 0x00, 0x01])
        }
        let publicPEM = try String(contentsOfFile: TestKeys.publicKeyFile, encoding: .utf8)
        #expect(fromPKCS1.publicKeyPEM + "\n" == publicPEM)
    }

    @Test("Text and other PEM blocks before the key are skipped, as swift-crypto does")
    func textAroundThePEM() throws {
        let certificate = String(
            decoding: try OpenSSLCLI.output([
                "req", "-x509", "-new", "-key", TestKeys.privateKeyFile, "-subj", "/CN=mynasim test", "-days", "1",
            ]), as: UTF8.self)
        #expect(certificate.hasPrefix("-----BEGIN CERTIFICATE-----"))
        for pem in [
            "Bag Attributes\n  friendlyName: test\n" + TestKeys.pkcs8PEM + "trailing text\n",
            certificate + TestKeys.pkcs1PEM,
            certificate + TestKeys.pkcs8PEM,
        ] {
            #expect(try RSAPrivateKey(pemRepresentation: pem).pemRepresentation == TestKeys.pkcs1PEM)
            #expect(try SwiftCryptoRSAPrivateKey(pemRepresentation: pem).pemRepresentation == TestKeys.pkcs1PEM)
        }
    }

    @Test("generate(): RSA-2048, e = 65537, a valid key by openssl rsa -check, new each time")
    func generation() throws {
        let key = try RSAPrivateKey.generate()
        let other = try RSAPrivateKey.generate()
        #expect(key.modulusLength == 256)
        #expect(key.publicKey.exponent == [0x01, 0x00, 0x01])
        #expect(key.publicKey.modulus.count == 256 && key.publicKey.modulus[0] & 0x80 != 0)
        #expect(key.publicKey != other.publicKey)
        let file = try OpenSSLCLI.file(key.pemRepresentation, name: "generated.pem")
        let check = try OpenSSLCLI.run(["rsa", "-in", file, "-check", "-noout", "-text"])
        #expect(check.status == 0)
        #expect(check.text.contains("RSA key ok"))
        #expect(check.text.contains("Private-Key: (2048 bit, 2 primes)"))
        // swift-crypto reads what libcrypto wrote, and the two sign identically.
        let reference = try SwiftCryptoRSAPrivateKey(pemRepresentation: key.pemRepresentation)
        let input = randomBytes(51)
        #expect(try key.signPKCS1v15(input) == reference.signPKCS1v15(input))
    }

    @Test("swiftCryptoKey is the same key for swift-certificates")
    func swiftCryptoBridge() throws {
        let key = try RSAPrivateKey(pemRepresentation: TestKeys.pkcs1PEM)
        let bridged = try key.swiftCryptoKey
        #expect(bridged.derRepresentation == key.derRepresentation)
        #expect(bridged.publicKey.derRepresentation == key.publicKeySPKI)
        let message = Array("signed by swift-crypto".utf8)
        let signature = try bridged.signature(for: message, padding: .insecurePKCS1v1_5)
        #expect(key.publicKey.isValidPKCS1v15(signature: Array(signature.rawRepresentation), sha256Of: message))
    }

    @Test("Garbage is refused with typed errors carrying OpenSSL's text; swift-crypto refuses it too")
    func garbageIsRefused() throws {
        let body = TestKeys.pkcs1PEM.split(separator: "\n").dropFirst().dropLast()
        let cases: [String] = [
            "",
            "hello",
            "-----BEGIN RSA PRIVATE KEY-----\nnot base64 at all!\n-----END RSA PRIVATE KEY-----\n",
            "-----BEGIN RSA PRIVATE KEY-----\n" + body.prefix(5).joined(separator: "\n") + "\n-----END RSA PRIVATE KEY-----\n",
            String(TestKeys.pkcs1PEM.prefix(400)),
            try String(contentsOfFile: TestKeys.publicKeyFile, encoding: .utf8),
        ]
        for pem in cases {
            #expect(throws: (any Error).self) { try SwiftCryptoRSAPrivateKey(pemRepresentation: pem) }
            let error = #expect(throws: RSAKeyError.self) { try RSAPrivateKey(pemRepresentation: pem) }
            guard case .unreadablePEM(let detail)? = error else {
                Issue.record("\(String(describing: error)) for \(pem.prefix(40))")
                continue
            }
            if pem.isEmpty {
                #expect(detail == "the text is empty")
            } else {
                #expect(detail.contains("reading the PEM: error:"), "\(detail)")  // OpenSSL's error queue
            }
        }
    }

    @Test("Other key types and short keys are refused by name")
    func otherKeysAreRefused() throws {
        func generated(_ algorithm: String, _ option: String) throws -> String {
            String(decoding: try OpenSSLCLI.output(["genpkey", "-algorithm", algorithm, "-pkeyopt", option]), as: UTF8.self)
        }
        let ec = try generated("EC", "ec_paramgen_curve:P-256")
        #expect(throws: RSAKeyError.notRSA(keyType: "EC")) { try RSAPrivateKey(pemRepresentation: ec) }
        let pss = try generated("RSA-PSS", "rsa_keygen_bits:2048")
        #expect(throws: RSAKeyError.notRSA(keyType: "RSA-PSS")) { try RSAPrivateKey(pemRepresentation: pss) }
        let short = try generated("RSA", "rsa_keygen_bits:1024")
        #expect(throws: RSAKeyError.keySize(bits: 1024, minimum: 2048)) { try RSAPrivateKey(pemRepresentation: short) }
        #expect(throws: (any Error).self) { try SwiftCryptoRSAPrivateKey(pemRepresentation: short) }
        #expect(RSAKeyError.keySize(bits: 1024, minimum: 2048).description.contains("at least 2048 bits"))
    }

    @Test("An encrypted key is refused at once, never prompted for", .timeLimit(.minutes(1)))
    func encryptedKeysAreRefused() throws {
        let pkcs8 = String(
            decoding: try OpenSSLCLI.output([
                "pkcs8", "-topk8", "-in", TestKeys.privateKeyFile, "-passout", "pass:secret", "-v2", "aes-256-cbc",
            ]), as: UTF8.self)
        let traditional = String(
            decoding: try OpenSSLCLI.output([
                "rsa", "-in", TestKeys.privateKeyFile, "-traditional", "-aes128", "-passout", "pass:secret",
            ]), as: UTF8.self)
        #expect(pkcs8.contains("ENCRYPTED PRIVATE KEY") && traditional.contains("Proc-Type: 4,ENCRYPTED"))
        for pem in [pkcs8, traditional] {
            let error = #expect(throws: RSAKeyError.self) { try RSAPrivateKey(pemRepresentation: pem) }
            #expect(error?.description.contains("not an unencrypted RSA private key") == true, "\(String(describing: error))")
            #expect(throws: (any Error).self) { try SwiftCryptoRSAPrivateKey(pemRepresentation: pem) }
        }
    }

    /// RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dP, dQ, qInv }: one number damaged at a time.
    @Test("A damaged private key is refused at load, as swift-crypto refused it", arguments: 1...8)
    func damagedKeysAreRefused(integer: Int) throws {
        let der = Array(try RSAPrivateKey(pemRepresentation: TestKeys.pkcs1PEM).derRepresentation)
        let pem = PKCS1Editor.pem(try PKCS1Editor.flippingLastByte(of: [integer], in: der))
        #expect(pem != TestKeys.pkcs1PEM)
        #expect(throws: (any Error).self) { try SwiftCryptoRSAPrivateKey(pemRepresentation: pem) }
        let error = #expect(throws: RSAKeyError.self) { try RSAPrivateKey(pemRepresentation: pem) }
        guard case .inconsistent? = error else {
            Issue.record("expected .inconsistent, got \(String(describing: error))")
            return
        }
    }
}

/// Edits the INTEGERs of a PKCS#1 RSAPrivateKey DER (test helper: definite lengths only).
enum PKCS1Editor {
    struct Malformed: Error {}

    /// `der` with the last byte of the INTEGERs at `indices` (0 = version) XORed with 0x02.
    static func flippingLastByte(of indices: Set<Int>, in der: [UInt8]) throws -> [UInt8] {
        var bytes = der
        guard bytes.first == 0x30 else { throw Malformed() }
        var position = try contentStart(bytes, at: 0)
        var index = 0
        while position < bytes.count {
            guard bytes[position] == 0x02 else { throw Malformed() }
            let start = try contentStart(bytes, at: position)
            let length = try contentLength(bytes, at: position)
            if indices.contains(index) { bytes[start + length - 1] ^= 0x02 }
            position = start + length
            index += 1
        }
        return bytes
    }

    /// PKCS#1 PEM of `der`.
    static func pem(_ der: [UInt8]) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN RSA PRIVATE KEY-----\n\(body)\n-----END RSA PRIVATE KEY-----\n"
    }

    private static func contentLength(_ bytes: [UInt8], at position: Int) throws -> Int {
        guard position + 1 < bytes.count else { throw Malformed() }
        let first = Int(bytes[position + 1])
        guard first & 0x80 != 0 else { return first }
        let count = first & 0x7F
        guard (1...2).contains(count), position + 1 + count < bytes.count else { throw Malformed() }
        return bytes[(position + 2)...(position + 1 + count)].reduce(0) { $0 << 8 | Int($1) }
    }

    private static func contentStart(_ bytes: [UInt8], at position: Int) throws -> Int {
        guard position + 1 < bytes.count else { throw Malformed() }
        let first = Int(bytes[position + 1])
        return position + 2 + (first & 0x80 != 0 ? first & 0x7F : 0)
    }
}
