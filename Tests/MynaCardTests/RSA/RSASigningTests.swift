import Foundation
import MynaCard
import Testing

@Suite("RSAPrivateKey signing through libcrypto")
struct SigningTests {
    let key = try! RSAPrivateKey(pemRepresentation: TestKeys.pkcs1PEM)
    let reference = try! SwiftCryptoRSAPrivateKey(pemRepresentation: TestKeys.pkcs1PEM)

    /// `openssl pkeyutl -sign` refuses inputs over 64 bytes ("looks too long to be a hash"); for
    /// those the oracle is `openssl rsautl -sign` (deprecated in 3.0 but present: the same raw
    /// PKCS#1 v1.5 type-01 padding).
    @Test(
        "PKCS#1 v1.5 is byte-identical to swift-crypto's path and to openssl pkeyutl/rsautl -sign",
        arguments: [1, 19, 32, 51, 64, 65, 83, 200, 245]
    )
    func pkcs1MatchesBothOracles(length: Int) throws {
        let input = randomBytes(length)
        let signature = try key.signPKCS1v15(input)
        #expect(signature.count == 256)
        #expect(signature == (try reference.signPKCS1v15(input)))
        let file = try OpenSSLCLI.file(input)
        let keyFile = TestKeys.privateKeyFile
        let openssl =
            length <= 64
            ? try OpenSSLCLI.output(["pkeyutl", "-sign", "-inkey", keyFile, "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", file])
            : try OpenSSLCLI.output(["rsautl", "-sign", "-pkcs", "-inkey", keyFile, "-in", file])
        #expect(signature == Array(openssl))
    }

    @Test("PKCS#1 v1.5 pads exactly the bytes given: openssl recovers them unchanged")
    func pkcs1RecoversTheInput() throws {
        let input = randomBytes(51)
        let signature = try key.signPKCS1v15(input)
        let recovered = try OpenSSLCLI.output([
            "pkeyutl", "-verifyrecover", "-pubin", "-inkey", TestKeys.publicKeyFile, "-pkeyopt", "rsa_padding_mode:pkcs1",
            "-in", try OpenSSLCLI.file(signature),
        ])
        #expect(Array(recovered) == input)
    }

    @Test("signPKCS1v15(sha256Of:) is byte-identical to openssl dgst -sha256 -sign", arguments: [0, 1, 55, 64, 1000])
    func sha256WithRSAMatchesOpenSSL(length: Int) throws {
        let message = randomBytes(length)
        let openssl = try OpenSSLCLI.output(["dgst", "-sha256", "-sign", TestKeys.privateKeyFile, try OpenSSLCLI.file(message)])
        #expect(try key.signPKCS1v15(sha256Of: message) == Array(openssl))
    }

    @Test("PSS over a SHA-256 digest verifies with openssl dgst (MGF1-SHA-256, salt exactly 32)")
    func pssVerifiesWithOpenSSL() throws {
        let message = Array("PSS through libcrypto \(UUID())".utf8)
        let messageFile = try OpenSSLCLI.file(message, name: "msg.bin")
        let digest = Array(try OpenSSLCLI.output(["dgst", "-sha256", "-binary", messageFile]))
        let signature = try key.signPSS(sha256Digest: digest)
        #expect(signature.count == 256)

        func verify(saltLength: Int, file: String = messageFile) throws -> Bool {
            let result = try OpenSSLCLI.run([
                "dgst", "-sha256", "-verify", TestKeys.publicKeyFile, "-sigopt", "rsa_padding_mode:pss",
                "-sigopt", "rsa_pss_saltlen:\(saltLength)", "-signature", try OpenSSLCLI.file(signature), file,
            ])
            return result.status == 0 && result.text.contains("Verified OK")
        }
        #expect(try verify(saltLength: 32))
        #expect(try !verify(saltLength: 20))  // the salt is exactly 32 bytes
        #expect(try !verify(saltLength: 32, file: try OpenSSLCLI.file(message + [0], name: "other.bin")))
        #expect(signature != (try key.signPSS(sha256Digest: digest)))  // random salt
    }

    @Test("Inputs that do not fit are refused with typed errors, the same as before")
    func badInputsAreRefused() throws {
        #expect(throws: RSAOperationError.inputLength(0, max: 245)) { try key.signPKCS1v15([]) }
        #expect(throws: RSAOperationError.inputLength(246, max: 245)) { try key.signPKCS1v15(randomBytes(246)) }
        #expect(throws: ReferenceRSAError.inputLength(246, max: 245)) { try reference.signPKCS1v15(randomBytes(246)) }
        #expect(try key.signPKCS1v15(randomBytes(245)).count == 256)
        for length in [0, 20, 31, 33, 64] {
            #expect(throws: RSAOperationError.digestLength(length, expected: 32)) { try key.signPSS(sha256Digest: randomBytes(length)) }
        }
        #expect(key.maxPKCS1Input == 245)
        #expect(key.modulusLength == 256)
    }

    @Test("Eight threads sign with one key at once: every signature is the single-threaded one")
    func concurrentSigning() throws {
        let inputs = (0..<8).map { _ in randomBytes(51) }
        let expected = try inputs.map { try reference.signPKCS1v15($0) }
        let results = SignatureBoard(threads: inputs.count)
        let key = self.key
        let threads = inputs.indices.map { index in
            Thread {
                for round in 0..<12 {
                    do {
                        let signature = try key.signPKCS1v15(inputs[index])
                        let pss = try key.signPSS(sha256Digest: Array(inputs[index].prefix(32)))
                        results.record(thread: index, round: round, signature: signature, pssLength: pss.count)
                    } catch {
                        results.fail(thread: index, error: error)
                    }
                }
                results.finish()
            }
        }
        for thread in threads { thread.start() }
        results.waitForAll()
        #expect(results.failures.isEmpty, "\(results.failures)")
        for index in inputs.indices {
            #expect(results.signatures(thread: index).count == 12)
            #expect(results.signatures(thread: index).allSatisfy { $0 == expected[index] })
        }
        #expect(results.pssLengths.allSatisfy { $0 == 256 })
    }
}

/// What the signing threads produced, behind a lock.
private final class SignatureBoard: @unchecked Sendable {
    private let lock = NSLock()
    private let finished: DispatchSemaphore
    private let threads: Int
    private var byThread: [Int: [[UInt8]]] = [:]
    private(set) var failures: [String] = []
    private(set) var pssLengths: [Int] = []

    init(threads: Int) {
        self.threads = threads
        finished = DispatchSemaphore(value: 0)
    }

    func record(thread: Int, round: Int, signature: [UInt8], pssLength: Int) {
        lock.withLock {
            byThread[thread, default: []].append(signature)
            pssLengths.append(pssLength)
        }
    }

    func fail(thread: Int, error: any Error) {
        lock.withLock { failures.append("thread \(thread): \(error)") }
    }

    func finish() { finished.signal() }

    func waitForAll() {
        for _ in 0..<threads { finished.wait() }
    }

    func signatures(thread: Int) -> [[UInt8]] {
        lock.withLock { byThread[thread] ?? [] }
    }
}
