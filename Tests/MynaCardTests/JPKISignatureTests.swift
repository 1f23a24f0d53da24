import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona
import TestSupport
import Testing

@Suite("JPKI AP: COMPUTE DIGITAL SIGNATURE, verified by openssl")
struct JPKISignatureTests {
    let directory = try! Fixtures.persona("yamada-taro")
    var authCert: [UInt8] { directory.authCertificate.derBytes }
    var signCert: [UInt8] { directory.signCertificate!.derBytes }

    func loggedIn(sign: Bool = false) throws -> VirtualCard {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        let pin = sign ? directory.persona.credentials.signPassword : directory.persona.credentials.authPIN
        #expect(card.sw((sign ? "0020009B" : "00200098") + Hex.encode([UInt8(pin.utf8.count)] + Array(pin.utf8))) == "9000")
        return card
    }

    func sign(_ card: inout VirtualCard, p1: UInt8 = 0, p2: UInt8 = 0x80, _ data: [UInt8]) -> (data: [UInt8], sw: String) {
        card.exchange(CommandAPDU(cla: 0x80, ins: 0x2A, p1: p1, p2: p2, data: data, ne: 256).bytes)
    }

    @Test func withoutThePINTheKeyAnswers6982() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        _ = card.send(JPKIAPDU.selectEF("0017"))
        #expect(sign(&card, JPKIAPDU.sha256DigestInfo([1])).sw == "6982")
        #expect(sign(&card, p2: 0x97, JPKIAPDU.sha256DigestInfo([1])).sw == "6982")
        #expect(sign(&card, p2: 0x9A, JPKIAPDU.sha256DigestInfo([1])).sw == "6982")
    }

    @Test func openSCSequenceSignatureVerifiesWithOpenSSL() throws {
        var card = try loggedIn()
        _ = card.send(JPKIAPDU.selectEF("0017"))
        let message = Array("mynasim test message".utf8)
        let digestInfo = JPKIAPDU.sha256DigestInfo(message)
        let r = sign(&card, digestInfo)
        #expect(r.sw == "9000" && r.data.count == 256)
        #expect(try Oracle.recoverPKCS1(signature: r.data, certificateDER: authCert) == digestInfo)
        #expect(try Oracle.verifyMessage(message, signature: r.data, certificateDER: authCert))
        // The signature key's certificate does not verify it.
        #expect(try !Oracle.verifyMessage(message, signature: r.data, certificateDER: signCert))
    }

    @Test func p1ZeroPadsExactlyTheBytesGiven() throws {
        var card = try loggedIn()
        for input in [[UInt8](repeating: 0x5A, count: 20), [UInt8](repeating: 0x01, count: 1), [UInt8](repeating: 0x7E, count: 245)] {
            let r = sign(&card, p2: 0x97, input)
            #expect(r.sw == "9000")
            #expect(try Oracle.recoverPKCS1(signature: r.data, certificateDER: authCert) == input)
        }
        #expect(sign(&card, p2: 0x97, [UInt8](repeating: 1, count: 246)).sw == "6700")
        #expect(card.sw("802A009700") == "6700")  // no data
    }

    @Test func p1OneToFiveHashAndPadAsSOLDocuments() throws {
        var card = try loggedIn()
        let message = Array("P1 sweep".utf8)
        let hash = Oracle.sha256(message)
        let r1 = sign(&card, p1: 1, p2: 0x97, message)
        #expect(try Oracle.recoverPKCS1(signature: r1.data, certificateDER: authCert) == hash)  // bare hash
        let r2 = sign(&card, p1: 2, p2: 0x97, hash)
        #expect(try Oracle.verifyMessage(message, signature: r2.data, certificateDER: authCert))
        #expect(sign(&card, p1: 2, p2: 0x97, Array(hash.prefix(31))).sw == "6700")
        let r3 = sign(&card, p1: 3, p2: 0x97, message)
        #expect(try Oracle.verifyMessage(message, signature: r3.data, certificateDER: authCert))
        let r4 = sign(&card, p1: 4, p2: 0x97, hash)
        #expect(r4.sw == "9000")
        #expect(try Oracle.verifyDigest(hash, signature: r4.data, certificateDER: authCert, pss: true))
        #expect(try Oracle.verifyMessage(message, signature: r4.data, certificateDER: authCert, pss: true))
        let r5 = sign(&card, p1: 5, p2: 0x97, message)
        #expect(try Oracle.verifyMessage(message, signature: r5.data, certificateDER: authCert, pss: true))
        #expect(r4.data != sign(&card, p1: 4, p2: 0x97, hash).data)  // random salt
        #expect(sign(&card, p1: 6, p2: 0x97, hash).sw == "6A86")
        #expect(sign(&card, p1: 0xFF, p2: 0x97, hash).sw == "6A86")
    }

    @Test func signatureKeyWithThePassword() throws {
        var card = try loggedIn(sign: true)
        let message = Array("署名用電子証明書で署名".utf8)
        let r = sign(&card, p2: 0x9A, JPKIAPDU.sha256DigestInfo(message))
        #expect(r.sw == "9000")
        #expect(try Oracle.verifyMessage(message, signature: r.data, certificateDER: signCert))
        // The password does not open the auth key.
        #expect(sign(&card, p2: 0x97, JPKIAPDU.sha256DigestInfo(message)).sw == "6982")
    }

    @Test func keyReferenceErrors() throws {
        var card = try loggedIn()
        #expect(sign(&card, p2: 0x80, [1]).sw == "6986")  // no current EF
        _ = card.send(JPKIAPDU.selectEF("000A"))
        #expect(sign(&card, p2: 0x80, [1]).sw == "6A88")  // a certificate is no key
        #expect(sign(&card, p2: 0x98, [1]).sw == "6A88")  // a PIN is no key
        #expect(sign(&card, p2: 0x00, [1]).sw == "6A86")  // no default key in the JPKI AP
        #expect(sign(&card, p2: 0xC0, [1]).sw == "6A86")
        // Le shorter than the signature.
        #expect(card.sw("802A00970101" + "10") == "6700")
        // Case 3 (no Le) is answered too.
        #expect(card.send("802A0097" + "14" + String(repeating: "AB", count: 20)).count == 2 * 258)
        // INTERNAL AUTHENTICATE is not for the JPKI keys.
        #expect(card.sw("00880097040102030400") == "6985")
    }
}
