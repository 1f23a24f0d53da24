import Foundation
import Harness
import ISO7816
import MynaApplications
import MynaPersona
import TestSupport
import Testing
import VirtualReader

/// `mynasim diff`: a session recorded on one card replayed against another, compared by status
/// word, length and BER-TLV structure, personal data never shown.
@Suite("Card-to-card comparison")
struct TraceDiffTests {
    /// A session a careful reader runs: the auth certificate, the PIN, the four attributes, the counters.
    static let session = [
        "00A4040C0AD392F000260100000001", "00A4020C02000A", "00B0000004", "00B0000000", "00A4020C020018", "00200080",
        "0020008004" + Hex.encode(Array("1234".utf8)), "00A4040C0AD3921000310001010408", "00A4020C020011",
        "0020008004" + Hex.encode(Array("5678".utf8)), "00A4020C020001", "00B0000000", "00A4020C020002", "00B0000000",
    ]

    /// Records `session` on the persona's card, as `mynasim record` does.
    func record(on persona: String) throws -> [TraceEvent] {
        let path = Fixtures.temporaryDirectory("diff").appendingPathComponent("card.trace").path
        let channel = try RecordingChannel(InProcessChannel(persona: Fixtures.persona(persona)), to: path)
        _ = try channel.powerOn()
        for command in Self.session { _ = try channel.transmit(try Hex.decode(command)) }
        return try TraceFile.read(path)
    }

    func diff(_ events: [TraceEvent], against persona: String, keepCredentials: Bool = false) throws -> TraceDiff {
        try TraceDiff(events: events, trace: "card.trace", persona: Fixtures.persona(persona), slot: nil, keepCredentials: keepCredentials)
    }

    @Test func theSameCardAnswersTheSame() throws {
        let result = try diff(record(on: "yamada-taro"), against: "yamada-taro")
        #expect(result.exchanges.count == Self.session.count)
        #expect(result.exchanges.allSatisfy { $0.differences.isEmpty })
        #expect(!result.differs(strict: true) && result.summary() == "14 exchanges: 14 the same, 0 differ")
    }

    @Test func anotherPersonDiffersOnlyInTheLengthsOfPersonalData() throws {
        let result = try diff(record(on: "yamada-taro"), against: "sato-hanako")
        // The recorded PINs are yamada-taro's: sato-hanako's own are sent instead, and accepted.
        let verifies = result.exchanges.filter { $0.command.hasPrefix("VERIFY") && $0.command.hasSuffix("[4 bytes hidden]") }
        #expect(verifies.count == 2 && verifies.allSatisfy { $0.virtual.status == "9000" && $0.note != nil })
        let attributes = try #require(result.exchanges.last)
        #expect(attributes.command == "READ BINARY 0002 (four basic attributes) @0 Le 256")
        #expect(attributes.differences.map(\.kind) == [.length, .length] && attributes.differences.allSatisfy(\.personal))
        #expect(attributes.recorded?.shape?.hasPrefix("FF20(") == true && attributes.virtual.shape?.contains("DF22(") == true)
        #expect(!result.differs() && result.differs(strict: true))
        #expect(result.summary().contains("only in the length of personal data"))
    }

    @Test func withTheRecordedPINsTheCountersTellTheCardsApart() throws {
        let result = try diff(record(on: "yamada-taro"), against: "sato-hanako", keepCredentials: true)
        let verify = try #require(result.exchanges.first { $0.command.hasSuffix("[4 bytes hidden]") })
        #expect(verify.differences.map(\.kind) == [.status] && verify.virtual.status == "63C2")
        #expect(result.differs())
    }

    @Test func aFaceAuthenticationCardDiffersInStatusWords() throws {
        let result = try diff(record(on: "yamada-taro"), against: "takahashi-face")
        let statuses = result.exchanges.filter { $0.differences.contains { $0.kind == .status } }
        #expect(!statuses.isEmpty && result.differs())
        #expect(statuses.contains { $0.command.contains("retry counter query") && $0.virtual.status != "63C3" })
        #expect(result.text(all: false).contains("differs   status: 63C3"))
    }

    @Test func nothingPersonalIsShownOrWritten() throws {
        let recorded = try record(on: "yamada-taro")
        let persona = try Fixtures.persona("sato-hanako").persona
        let holder = try Fixtures.persona("yamada-taro").persona
        let result = try diff(recorded, against: "sato-hanako")
        let text = result.text(all: true, strict: true)
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        for output in [text, json] {
            for secret in [persona.myNumber, holder.myNumber, persona.name, holder.name, "1234", "5678"] {
                #expect(!output.contains(secret), "\(secret) shows")
            }
            for secret in [persona.myNumber, holder.myNumber, "1234"].map({ Hex.encode(Array($0.utf8)) }) {
                #expect(!output.contains(secret))
            }
        }
        #expect(text.contains("#12   READ BINARY 0001 (My Number) @0 Le 256  — same: 9000 success · 17 bytes · FF10(12) +2 bytes"))
    }

    @Test func anInterruptedExchangeIsNotCompared() throws {
        var events = try record(on: "yamada-taro")
        let last = try #require(events.lastIndex { $0.event == .transmit })
        events[last].event = .interrupted
        events[last].response = nil
        let result = try diff(events, against: "yamada-taro")
        #expect(result.exchanges.last?.recorded == nil && result.exchanges.last?.note?.contains("removed before it answered") == true)
        #expect(!result.differs() && result.summary().hasSuffix("; 1 not compared"))
    }
}
