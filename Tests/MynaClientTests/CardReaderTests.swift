import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaClient
import MynaPersona
import TestSupport
import Testing

/// The reference client over an in-process card: what it reads, what it verifies, and what it
/// refuses to send.
@Suite("Reference client (mynasim read)")
struct CardReaderTests {
    static let anchors = { try! TrustAnchors(directory: Fixtures.personas.appendingPathComponent("test-pki")) }()

    func read(_ directory: PersonaDirectory, _ configure: (inout ReadCredentials) -> Void) throws -> CardReport {
        var credentials = ReadCredentials()
        configure(&credentials)
        var reader = CardReader(
            channel: try VirtualCard(image: directory.cardImage(), store: InMemoryCardStateStore()), anchors: Self.anchors)
        return try reader.read(credentials)
    }

    /// An address of 36 full-width characters makes DF23 108 bytes and EF 0002's template value
    /// longer than 127 bytes, so its length is written `82 hi lo`: the attributes and their digest
    /// check must still come out (a reader that recomputed the header with the minimal form read
    /// one byte short and silently dropped both).
    @Test func aLongAddressReadsCompletelyAndItsDigestVerifies() throws {
        let address = "北海道札幌市中央区北一条西二丁目一番地札幌市役所本庁舎内第三会議室前通路"
        let directory = try Fixtures.newPersona("long-address") { $0.address = address }
        let template = try IndexedTemplate.objects(
            in: TextApplication.attributesFile(
                TextApplication.attributeObjects(
                    name: directory.persona.name, address: address, birthDate: directory.persona.birthDate.compact,
                    sex: directory.persona.sex.code)))
        #expect(template.value(TextApplication.Tag.address).count == address.utf8.count)
        let report = try read(directory) { $0.textPIN = directory.persona.credentials.textPIN }
        #expect(report.attributes?.address == address)
        #expect(report.checks.contains { $0.what == "attributes digest matches" && $0.passed })
        #expect(report.checks.contains { $0.what == "My Number digest matches" && $0.passed })
        #expect(report.allVerified, "\(report.checks.filter { !$0.passed })")
    }

    @Test func everyShippedPersonaReadsAndVerifiesWithEveryCredential() throws {
        for name in ["yamada-taro", "sato-hanako", "tanaka-short", "suzuki-minor"] {
            let directory = try Fixtures.persona(name)
            let persona = directory.persona
            let report = try read(directory) {
                $0.textPIN = persona.credentials.textPIN
                $0.verificationNumberA = persona.myNumber
                $0.birthDateKey = VisualApplication.birthDateKeyValue(persona)
            }
            #expect(report.myNumber == persona.myNumber, "\(name)")
            #expect(report.attributes?.name == persona.name, "\(name)")
            #expect(report.cardFace?.ageRecordBirthDate == persona.birthDate.compact, "\(name)")
            #expect(report.allVerified, "\(name): \(report.checks.filter { !$0.passed })")
        }
    }

    @Test func nothingIsSentToACredentialWithOneTryLeftUnlessForced() throws {
        let directory = try Fixtures.persona("yamada-taro")
        var card = try VirtualCard(image: directory.cardImage(), store: InMemoryCardStateStore())
        _ = card.powerOn()
        _ = card.process(CommandAPDU.select(application: TextApplication.aid).bytes)
        for _ in 0..<2 { _ = card.process(CommandAPDU.verify(p2: TextApplication.pin.verifyP2, value: Array("0000".utf8)).bytes) }
        #expect(card.triesLeft(TextApplication.pin.id) == 1)
        var credentials = ReadCredentials()
        credentials.textPIN = directory.persona.credentials.textPIN
        var reader = CardReader(channel: card, anchors: Self.anchors)
        #expect { try reader.read(credentials) } throws: { "\($0)".contains("only one try left") }
        #expect(reader.channel.triesLeft(TextApplication.pin.id) == 1)
        credentials.force = true
        let report = try reader.read(credentials)
        #expect(report.attributes != nil && reader.channel.triesLeft(TextApplication.pin.id) == 3)
    }

    @Test func retryCountersAreReportedForEveryApplication() throws {
        let report = try read(try Fixtures.persona("yamada-taro")) { _ in }
        for (application, credential) in [
            (CardApplicationID.jpki, JPKIApplication.authPIN), (.text, TextApplication.pin),
            (.visual, VisualApplication.birthDateKey), (.common, CommonApplication.pin), (.juki, JukiApplication.pin),
        ] {
            #expect(report.triesLeft["\(application.shortName) \(credential.file.hex) \(credential.label)"] == credential.maxTries)
        }
    }
}
