import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona
import TestSupport
import Testing

/// The 券面事項確認AP (visual AP), checked against card reference §visual-ap with openssl judging every signature and
/// ImageMagick's `identify` judging every image.
@Suite("Visual AP (券面事項確認AP)")
struct VisualAPTests {
    static let visualAP = "00A4040C0AD3921000310001010402"
    let directory = try! Fixtures.persona("yamada-taro")
    var persona: Persona { directory.persona }
    func pki(_ file: String) -> String { Fixtures.personas.appendingPathComponent("test-pki/\(file)").path }

    func verify(_ p2: String, _ value: String) -> String { JPKIAPDU.verify(p2, value) }

    /// (credential → EFs that open, EFs answering `6982`). card reference §visual-files.
    @Test(arguments: [
        ("none", ["0003", "0004"], ["0001", "0002", "0005", "0006"]),
        ("birth", ["0001", "0003", "0004"], ["0002", "0005", "0006"]),
        ("a", ["0002", "0003", "0004", "0005", "0006"], ["0001"]),
        ("b", ["0002", "0003", "0004", "0006"], ["0001", "0005"]),
    ])
    func accessMatrix(credential: String, open: [String], closed: [String]) throws {
        var card = try Fixtures.card()
        #expect(card.sw(Self.visualAP) == "9000")
        switch credential {
        case "birth": #expect(card.sw(verify("91", "550217")) == "9000")  // 昭和55年2月17日
        case "a": #expect(card.sw(verify("93", persona.myNumber)) == "9000")
        case "b": #expect(card.sw(verify("92", persona.verificationNumberB)) == "9000")
        default: break
        }
        let answers = card.readAccess(open + closed)
        #expect(open.allSatisfy { answers[$0] == "9000" } && closed.allSatisfy { answers[$0] == "6982" }, "\(credential): \(answers)")
    }

    @Test func keysAndCounters() throws {
        var card = try Fixtures.card()
        _ = card.send(Self.visualAP)
        for p2 in ["91", "92", "93"] { #expect(card.sw("002000" + p2) == "63CA") }  // card reference §decision-retry-limits: 10 tries
        #expect(card.sw(verify("91", "19800217")) == "63C9")  // a Gregorian date is a wrong value (and costs a try)
        #expect(card.sw(verify("91", "800217")) == "63C8")  // so is Gregorian YYMMDD: the key is era-based
        #expect(card.sw(verify("91", "550217")) == "9000")
        #expect(card.sw("00200091") == "63CA")  // reset by the success
        #expect(card.sw(verify("92", "55021720352285")) == "9000")  // card reference §verification-number-b's example 照合番号B
        #expect(card.sw("00A4020C020014") == "6A82")  // not a file of this AP
        // The security state is per AP selection.
        _ = card.send(Self.visualAP)
        _ = card.send("00A4020C020002")
        #expect(card.sw("00B0000001") == "6982")
    }

    @Test func heiseiBirthDateKey() throws {
        var card = try Fixtures.card("sato-hanako")  // born 1990-05-03 = 平成2年
        _ = card.send(Self.visualAP)
        #expect(card.sw(verify("91", "020503")) == "9000")
        #expect(try Fixtures.persona("sato-hanako").persona.verificationNumberB.hasPrefix("020503"))
    }

    @Test func layoutsAndSignatures() throws {
        var card = try Fixtures.card()
        _ = card.send(Self.visualAP)
        #expect(card.sw(verify("93", persona.myNumber)) == "9000")
        #expect(card.sw(verify("91", "550217")) == "9000")

        // EF 0004: the visual issuer's CV certificate (568 bytes), certifier 7000023, signed by the visual root.
        let ef4 = card.readFile(0x0004).data
        #expect(ef4.count == 568)
        let cvc = try BERTLV(parsing: ef4)
        let body = try cvc.child(0x5F4E)!.value
        #expect(String(decoding: body.prefix(7), as: UTF8.self) == "7000023")
        #expect(String(decoding: body.dropFirst(16).prefix(7), as: UTF8.self) == "7000024")
        #expect(try Oracle.verifyMessage(body, signature: cvc.child(0x5F37)!.value, publicKeyFile: pki("cv-visual-root.pub.pem")))
        let keyTLVs = try BERTLV.parseAll(Array(body.dropFirst(32)))
        let issuerKey = try Oracle.publicKeyFile(modulus: keyTLVs[1].value, exponent: keyTLVs[0].value)
        let cardPublicKey = directory.visualCardKey.publicKey.encoded

        // EF 0001: FF 10 82 02 1E { DF11 birth, DF12 card key, DF13 signature over DF11‖DF12 }.
        let ef1 = card.readFile(0x0001).data
        #expect(Array(ef1.prefix(5)) == [0xFF, 0x10, 0x82, 0x02, 0x1E] && ef1.count == 0x21E + 5)
        let age = try BERTLV(parsing: ef1).children()
        #expect(age.map(\.tag) == [0xDF11, 0xDF12, 0xDF13])
        #expect(String(decoding: age[0].value, as: UTF8.self) == "19800217")
        #expect(age[1].value == cardPublicKey)
        #expect(
            try Oracle.verifyMessage(
                age[0].encoded(lengthForm: .card) + age[1].encoded(lengthForm: .card), signature: age[2].value,
                publicKeyFile: issuerKey))

        // EF 0002: FF 20 82 hi lo { DF21 nine offsets; DF22…DF2A }.
        let ef2 = card.readFile(0x0002).data
        let outer = try BERTLV(parsing: ef2)
        #expect(Array(ef2.prefix(3)) == [0xFF, 0x20, 0x82] && ef2.count == 5 + outer.value.count)
        let face = try outer.children()
        #expect(face.map(\.tag) == [0xDF21] + (0xDF22...0xDF2A).map { UInt32($0) })
        #expect(face[0].value.count == 18)
        for (i, object) in face.dropFirst().enumerated() {
            let offset = Int(face[0].value[2 * i]) << 8 | Int(face[0].value[2 * i + 1])
            #expect(Array(ef2[offset..<(offset + 2)]) == BERTLV.tagBytes(object.tag))
        }
        func value(_ tag: UInt32) -> [UInt8] { face.first { $0.tag == tag }!.value }
        func tlv(_ tag: UInt32) -> [UInt8] { face.first { $0.tag == tag }!.encoded(lengthForm: .card) }
        #expect(String(decoding: value(0xDF22), as: UTF8.self) == "19800217")
        #expect(String(decoding: value(0xDF23), as: UTF8.self) == "1")
        #expect(value(0xDF24) == cardPublicKey)
        #expect(String(decoding: value(0xDF29), as: UTF8.self) == "20350217")
        // The three-group DigestInfo: 30 71 … 04 60 H1‖H2‖H3, each hashed by openssl.
        let recovered = try #require(try Oracle.recoverPKCS1(signature: value(0xDF28), publicKeyFile: issuerKey))
        let expected =
            try Hex.decode("3071300D060960864801650304020105000460")
            + Oracle.sha256(tlv(0xDF22) + tlv(0xDF23) + tlv(0xDF24)) + Oracle.sha256(tlv(0xDF25) + tlv(0xDF26)) + Oracle.sha256(tlv(0xDF27))
        #expect(recovered == expected)

        // Images: 1-bit greyscale PNG text (IHDR bit depth 1, colour type 0), greyscale JP2 photo, none blank.
        #expect(
            try Oracle.identify(value(0xDF25), format: "%m %w %h %[png:IHDR.bit-depth-orig] %[png:IHDR.color-type-orig]")
                == "PNG 384 40 1 0")
        #expect(
            try Oracle.identify(value(0xDF26), format: "%m %w %h %[png:IHDR.bit-depth-orig] %[png:IHDR.color-type-orig]")
                == "PNG 384 96 1 0")
        #expect(try Oracle.identify(value(0xDF2A), format: "%m %w %h %[png:IHDR.bit-depth-orig]") == "PNG 24 12 1")
        #expect(try Oracle.identify(value(0xDF27), format: "%m %w %h %[colorspace]") == "JP2 180 240 Gray")
        #expect(Array(value(0xDF27).prefix(12)) == [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A])
        for tag: UInt32 in [0xDF25, 0xDF26, 0xDF2A] {
            let mean = Double(try Oracle.identify(value(tag), format: "%[fx:mean]")) ?? 1
            #expect(mean < 0.99 && mean > 0.3, "image \(String(tag, radix: 16)) should hold dark text on white")
        }

        // EF 0003: basic info with the visual issuer's key id and the municipality code.
        let ef3 = try BERTLV(parsing: card.readFile(0x0003).data).children()
        #expect(ef3.map(\.tag) == [0xDF31, 0xDF32, 0xDF33, 0xDF34, 0xDF35])
        #expect(ef3[0].value == [0x06, 0x03, 0x0E, 0x01])
        #expect(String(decoding: ef3[1].value.prefix(7), as: UTF8.self) == "7000024")
        #expect(String(decoding: ef3[3].value, as: UTF8.self) == "13221")
        #expect(ef3[4].value.count == 0x110)

        // EF 0005: FF 40 { DF41 number PNG, DF42 card key, DF43 signature over DF41‖DF42 }; EF 0006: 16 × FF.
        let ef5 = try BERTLV(parsing: card.readFile(0x0005).data)
        #expect(ef5.tag == 0xFF40)
        let number = try ef5.children()
        #expect(number.map(\.tag) == [0xDF41, 0xDF42, 0xDF43])
        #expect(try Oracle.identify(number[0].value, format: "%m %w %h %[png:IHDR.bit-depth-orig]") == "PNG 72 12 1")
        #expect(
            try Oracle.verifyMessage(
                number[0].encoded(lengthForm: .card) + number[1].encoded(lengthForm: .card), signature: number[2].value,
                publicKeyFile: issuerKey))
        _ = card.send("00A4020C020006")
        #expect(card.send("00B0000000") == String(repeating: "FF", count: 16) + "9000")
    }

    @Test func cardKeySignsChallengesWithoutACredential() throws {
        var card = try Fixtures.card()
        _ = card.send(Self.visualAP)
        let challenge = card.exchange(try Hex.decode("0084000010")).data
        #expect(challenge.count == 16)
        let r = card.exchange(CommandAPDU(cla: 0x80, ins: 0x2A, p1: 0, p2: 0, data: JPKIAPDU.sha256DigestInfo(challenge), ne: 256).bytes)
        #expect(r.sw == "9000")
        #expect(
            try Oracle.verifyMessage(
                challenge, signature: r.data,
                privateKeyFile: directory.url.appendingPathComponent("visual-card.key.pem").path))
    }

    @Test func replacedImageOrEditedBirthDateIsCaught() throws {
        let url = try Fixtures.copyOfPersona("yamada-taro")
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: url.appendingPathComponent(CardFaceImages.FileName.name))
        #expect { try PersonaDirectory(url: url) } throws: { "\($0)".contains("mynasim persona reissue") }
        try FileManager.default.removeItem(at: url.appendingPathComponent(CardFaceImages.FileName.photo))
        #expect { try PersonaDirectory(url: url) } throws: { "\($0)".contains(CardFaceImages.FileName.photo) }
    }

    @Test func missingImageToolsFailPersonaCreationClearly() throws {
        let noConvert = #expect(throws: PersonaError.self) {
            try ImageMagickRenderer.locate(environment: ["PATH": "/nonexistent"], standardConvert: "/nonexistent/convert")
        }
        #expect("\(noConvert!)".contains("ImageMagick") && "\(noConvert!)".contains("apt-get install imagemagick fonts-ipafont-gothic"))
        let noFont = #expect(throws: PersonaError.self) {
            try ImageMagickRenderer.locate(environment: ["PATH": "/usr/bin:/bin"], standardFonts: ["/nonexistent.ttf"])
        }
        #expect("\(noFont!)".contains("font") && "\(noFont!)".contains("fonts-ipafont-gothic"))

        // A broken tool stops persona creation before persona.yaml is written.
        let root = Fixtures.temporaryDirectory("broken-renderer")
        var rng = SystemRandomNumberGenerator()
        let pki = try TestPKI.load(from: Fixtures.personas.appendingPathComponent("test-pki"))
        let broken = ImageMagickRenderer(convert: "/bin/false", font: "/nonexistent.ttf")
        let failure = #expect(throws: PersonaError.self) {
            try PersonaFactory.create(persona, at: root.appendingPathComponent("p"), pki: pki, renderer: broken, using: &rng)
        }
        #expect("\(failure!)".contains("face-") || "\(failure!)".contains(".png") || "\(failure!)".contains("convert"))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("p/persona.yaml").path))
    }
}
