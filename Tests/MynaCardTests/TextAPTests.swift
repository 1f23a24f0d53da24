import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona
import TestSupport
import Testing

/// The 券面事項入力補助AP (text AP), 共通AP and 住基AP, checked against card reference §text-ap, §common-ap, §juki-ap with
/// openssl as the judge of every signature.
@Suite("Text AP, 共通AP and 住基AP")
struct TextAPTests {
    static let textAP = "00A4040C0AD3921000310001010408"
    static let commonAP = "00A4040C0AD3921000310001010100"
    static let jukiAP = "00A4040C0AD3921000310001010401"
    let directory = try! Fixtures.persona("yamada-taro")
    var persona: Persona { directory.persona }
    func pki(_ file: String) -> String { Fixtures.personas.appendingPathComponent("test-pki/\(file)").path }

    func verify(_ p2: String, _ value: String) -> String { JPKIAPDU.verify(p2, value) }

    /// (credential P2 and value, or nil for none) → which EFs open. card reference §text-files.
    @Test(arguments: [
        ("none", ["0004", "0005"], ["0001", "0002", "0003", "0006", "0007"]),
        ("pin", ["0001", "0002", "0003", "0004", "0005", "0006", "0007"], [String]()),
        ("a", ["0001", "0003", "0004", "0005", "0006", "0007"], ["0002"]),
        ("b", ["0002", "0003", "0004", "0005", "0006", "0007"], ["0001"]),
    ])
    func accessMatrix(credential: String, open: [String], closed: [String]) throws {
        var card = try Fixtures.card()
        #expect(card.sw(Self.textAP) == "9000")
        switch credential {
        case "pin": #expect(card.sw(verify("91", persona.credentials.textPIN)) == "9000")
        case "a": #expect(card.sw(verify("94", persona.myNumber)) == "9000")
        case "b": #expect(card.sw(verify("95", persona.verificationNumberB)) == "9000")
        default: break
        }
        let answers = card.readAccess(open + closed)
        #expect(open.allSatisfy { answers[$0] == "9000" } && closed.allSatisfy { answers[$0] == "6982" }, "\(credential): \(answers)")
    }

    @Test func credentialsAndCounters() throws {
        var card = try Fixtures.card()
        _ = card.send(Self.textAP)
        #expect(card.sw("00200091") == "63C3")
        #expect(card.sw("00200092") == "63C0")  // 0012: blocked on every card
        #expect(card.sw(verify("92", "1234")) == "6984")
        #expect(card.sw("00200094") == "63CA")  // 照合番号A: 10 tries (card reference §decision-retry-limits)
        #expect(card.sw(verify("94", "123456789017")) == "63C9")
        #expect(card.sw(verify("95", "55021720352285")) == "9000")  // card reference §verification-number-b's own example (昭和55)
        // Verifying B does not open the My Number (A's file).
        _ = card.send("00A4020C020001")
        #expect(card.sw("00B0000011") == "6982")
        // The JPKI PIN is another key: the text PIN counter is untouched by JPKI tries.
        _ = card.send(JPKIAPDU.selectAP)
        _ = card.send("002000980430303030")
        _ = card.send(Self.textAP)
        #expect(card.sw("00200091") == "63C3")
    }

    @Test func heiseiVerificationNumberB() throws {
        var card = try Fixtures.card("sato-hanako")
        let hanako = try Fixtures.persona("sato-hanako").persona
        _ = card.send(Self.textAP)
        #expect(hanako.verificationNumberB.hasPrefix("020503"))
        #expect(card.sw(verify("95", hanako.verificationNumberB)) == "9000")
        _ = card.send("00A4020C020002")
        #expect(card.sw("00B0000001") == "9000")
    }

    @Test func layoutsByteForByte() throws {
        var card = try Fixtures.card()
        _ = card.send(Self.textAP)
        _ = card.send(verify("91", persona.credentials.textPIN))
        let ef1 = card.readFile(0x0001).data
        #expect(Hex.encode(ef1) == "FF100C" + Hex.encode(Array("123456789018".utf8)) + "FFFF")
        #expect(ef1.count == 17)
        let ef2 = card.readFile(0x0002).data
        let outer = try BERTLV(parsing: ef2)
        #expect(outer.tag == 0xFF20)
        let children = try outer.children()
        #expect(children.map(\.tag) == [0xDF21, 0xDF22, 0xDF23, 0xDF24, 0xDF25])
        #expect(String(decoding: children[1].value, as: UTF8.self) == "山田\u{3000}太郎")
        #expect(String(decoding: children[3].value, as: UTF8.self) == "19800217")
        #expect(children[4].value == Array("1".utf8))
        // DF21: four big-endian file offsets of the DF22…DF25 TLVs.
        for (i, tag) in [0xDF22, 0xDF23, 0xDF24, 0xDF25].enumerated() {
            let offset = Int(children[0].value[2 * i]) << 8 | Int(children[0].value[2 * i + 1])
            #expect(ef2[offset] == UInt8(tag >> 8) && ef2[offset + 1] == UInt8(tag & 0xFF))
        }
        #expect(ef2.suffix(16).allSatisfy { $0 == 0xFF })  // filler

        let ef3 = card.readFile(0x0003).data
        #expect(ef3.count == 336)
        #expect(Array(ef3.prefix(5)) == [0xFF, 0x30, 0x82, 0x01, 0x4B])
        let integrity = try BERTLV(parsing: ef3).children()
        #expect(integrity[0].value == Oracle.sha256(ef1))  // digest of the physical 17-byte EF 0001
        let attributes = Array(ef2[(Int(children[0].value[0]) << 8 | Int(children[0].value[1]))..<(3 + outer.value.count)])
        #expect(integrity[1].value == Oracle.sha256(attributes))  // DF22…DF25, without DF21
        let signed = integrity[0].encoded(lengthForm: .card) + integrity[1].encoded(lengthForm: .card)
        #expect(try Oracle.verifyMessage(signed, signature: integrity[2].value, privateKeyFile: pki("cv-text-issuer.key.pem")))

        // EF 0004: the CV certificate, 568 bytes, signed by the test root over its 297-byte body.
        let ef4 = card.readFile(0x0004).data
        #expect(ef4.count == 568)
        let cvc = try BERTLV(parsing: ef4)
        #expect(cvc.tag == 0x7F21)
        let body = try cvc.child(0x5F4E)!.value
        #expect(body.count == 297)
        #expect(String(decoding: body.prefix(7), as: UTF8.self) == "7000033")  // test ids start with neither 5 nor 6
        #expect(try Oracle.verifyMessage(body, signature: cvc.child(0x5F37)!.value, publicKeyFile: pki("cv-root.pub.pem")))

        // EF 0005: FF 40 82 00 9F, 256 bytes; EF 0007: the card key signed by the issuer.
        let ef5 = card.readFile(0x0005).data
        #expect(Array(ef5.prefix(5)) == [0xFF, 0x40, 0x82, 0x00, 0x9F] && ef5.count == 256)
        let ef7 = try BERTLV(parsing: card.readFile(0x0007).data)
        #expect(ef7.tag == 0xFF50 && ef7.value.count == 0x213)
        let keyTLV = try ef7.child(0xDF51)!
        #expect(
            try Oracle.verifyMessage(
                keyTLV.encoded(lengthForm: .card), signature: ef7.child(0xDF52)!.value,
                privateKeyFile: pki("cv-text-issuer.key.pem")))
    }

    @Test func cardKeySignsChallengesWithoutACredential() throws {
        var card = try Fixtures.card()
        _ = card.send(Self.textAP)
        let challenge = card.exchange(try Hex.decode("0084000010")).data
        let digestInfo = JPKIAPDU.sha256DigestInfo(challenge)
        let r = card.exchange(CommandAPDU(cla: 0x80, ins: 0x2A, p1: 0, p2: 0, data: digestInfo, ne: 256).bytes)
        #expect(r.sw == "9000")
        #expect(
            try Oracle.verifyMessage(
                challenge, signature: r.data, privateKeyFile: directory.url.appendingPathComponent("card.key.pem").path))
        // INTERNAL AUTHENTICATE: not with the 券面 key (card reference §internal-authenticate)
        #expect(card.sw("00880093040102030400") == "6985")
    }

    @Test func commonAndJukiAPs() throws {
        var card = try Fixtures.card()
        #expect(card.sw(Self.commonAP) == "9000")
        let record = card.exchange(try Hex.decode("00B2010C00"))
        #expect(record.sw == "9000")
        #expect(Array(record.data.prefix(2)) == [0x01, 0x1C])
        #expect(String(decoding: record.data.dropFirst(2), as: UTF8.self) == persona.card.serialNumber + "13221" + "20350217")
        #expect(card.sw("00B2020C00") == "6A83")
        // INTERNAL AUTHENTICATE with key 0019, no credential: sha256WithRSAEncryption over the challenge.
        let challenge: [UInt8] = Array("mynasim presence".utf8)
        let ia = card.exchange(CommandAPDU(cla: 0, ins: 0x88, p1: 0, p2: 0x99, data: challenge, ne: 256).bytes)
        #expect(ia.sw == "9000")
        #expect(
            try Oracle.verifyMessage(
                challenge, signature: ia.data, privateKeyFile: directory.url.appendingPathComponent("common.key.pem").path))
        // The resident PIN: CHANGE KEY after VERIFY; the 住基AP's key is separate.
        #expect(card.sw("0020009C") == "63C3")
        #expect(card.sw(verify("9C", persona.credentials.residentPIN)) == "9000")
        #expect(card.sw("8032009C04" + Hex.encode(Array("8642".utf8))) == "9000")
        _ = card.send(Self.jukiAP)
        #expect(card.sw(verify("9C", persona.credentials.residentPIN)) == "9000")
        #expect(card.sw(verify("9C", "8642")) == "63C2")
        _ = card.send(Self.commonAP)
        #expect(card.sw(verify("9C", "8642")) == "9000")
    }

    @Test func faceAuthenticationCardBlocksTheTextPIN() throws {
        var card = try Fixtures.card("takahashi-face")
        _ = card.send(Self.textAP)
        #expect(card.sw("00200091") == "63C0")
        #expect(card.sw(verify("91", "0000")) == "6984")
        let face = try Fixtures.persona("takahashi-face").persona
        #expect(card.sw(verify("95", face.verificationNumberB)) == "9000")  // 照合番号B still works (face mode)
    }

    @Test func editingThePersonaAfterIssueIsCaught() throws {
        let url = try Fixtures.copyOfPersona("yamada-taro")
        let yaml = url.appendingPathComponent("persona.yaml")
        try (try String(contentsOf: yaml, encoding: .utf8)).replacingOccurrences(of: "山田　太郎", with: "山田　次郎").write(
            to: yaml, atomically: true, encoding: .utf8)
        #expect { try PersonaDirectory(url: url) } throws: { "\($0)".contains("mynasim persona reissue") }
        var pkiCopy = Fixtures.temporaryDirectory("pki").appendingPathComponent("test-pki")
        try FileManager.default.copyItem(at: Fixtures.personas.appendingPathComponent("test-pki"), to: pkiCopy)
        pkiCopy.standardize()
        let reissued = try PersonaFactory.reissue(at: url, pki: TestPKI.load(from: pkiCopy))
        #expect(reissued.persona.name == "山田　次郎")
    }
}
