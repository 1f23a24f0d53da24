import CardTransmission
import Foundation
import Harness
import ISO7816
import MynaPersona
import PCSC
import TestSupport
import Testing
import VirtualReader

/// `mynasim trace show`: command names from the card's own identifiers, masking, grouping of the
/// blocks under their APDU, and the events a real slot writes (power, interrupted commands).
@Suite("Trace view")
struct TraceViewTests {
    static let selectJPKI = "00A4040C0AD392F000260100000001"
    static let selectText = "00A4040C0AD3921000310001010408"
    static let pin = Hex.encode(Array("1234".utf8))

    func name(_ hex: String, in context: CardContext = CardContext(), showSecrets: Bool = false) -> CommandDescription {
        CommandDescription(try! Hex.decode(hex), in: context, showSecrets: showSecrets)
    }

    /// Feeds (command, response) pairs through a context, as the view does.
    func names(_ exchanges: [(String, String)]) -> [String] {
        var context = CardContext()
        return exchanges.map { command, response in
            let named = name(command, in: context).name
            context.update(command: try! Hex.decode(command), response: try! Hex.decode(response))
            return named
        }
    }

    @Test func commandsAreNamedWithTheApplicationsIdentifiers() {
        let named = names([
            (Self.selectJPKI, "9000"), ("00A4020C02000A", "9000"), ("00B0000000", "9000"), ("00A4020C020018", "9000"),
            ("00200080", "63C3"), ("0020008004" + Self.pin, "9000"), ("802A00800433333333" + "00", "9000"),
            ("00A4040C05D392F00026", "9000"), ("00A40000", "9000"), ("00CA004500", "9000"), ("00C0000010", "9000"),
            ("00B0810000", "9000"), ("0084000008", "9000"),
        ])
        #expect(
            named == [
                "SELECT JPKI AP", "SELECT EF 000A (authentication certificate)", "READ BINARY 000A (authentication certificate) @0 Le 256",
                "SELECT EF 0018 (利用者証明用暗証番号 (authentication PIN))",
                "VERIFY 0018 利用者証明用暗証番号 (authentication PIN) — retry counter query",
                "VERIFY 0018 利用者証明用暗証番号 (authentication PIN) [4 bytes hidden]",
                "COMPUTE DIGITAL SIGNATURE with 0018 (利用者証明用暗証番号 (authentication PIN)), DigestInfo, 4 bytes Le 256",
                "SELECT JPKI AP by partial DF name D392F00026", "SELECT MF (P2 00)", "GET DATA 0045 (card identification number) Le 256",
                "GET RESPONSE Le 16", "READ BINARY 0001 (by short EF id) @0 Le 256", "GET CHALLENGE Le 8",
            ])
        // A failed SELECT leaves the context alone; a READ BINARY at an offset is not named again.
        #expect(
            names([(Self.selectText, "9000"), ("00A4020C020077", "6A82"), ("00B0010000", "9000")]).last
                == "READ BINARY (no EF selected) @256 Le 256")
        #expect(
            names([(Self.selectText, "9000"), ("00A4020C020002", "9000"), ("00B0010000", "9000")]).last == "READ BINARY 0002 @256 Le 256")
    }

    @Test func secretsAreHiddenUnlessAskedFor() {
        var context = CardContext()
        context.update(command: try! Hex.decode(Self.selectText), response: [0x90, 0x00])
        let verify = "0020009104" + Self.pin
        let hidden = name(verify, in: context)
        #expect(hidden.secret && hidden.name == "VERIFY 0011 券面事項入力補助用暗証番号 (text AP PIN) [4 bytes hidden]")
        #expect(name(verify, in: context, showSecrets: true).name.hasSuffix("\"1234\""))
        let bytes = try! Hex.decode(verify)
        #expect(CommandDescription.commandText(bytes, secret: true, showSecrets: false, limit: 16) == "00 20 00 91 04 [4 bytes hidden]")
        #expect(CommandDescription.commandText(bytes, secret: true, showSecrets: true, limit: 16) == "00 20 00 91 04 31 32 33 34")
        // CHANGE REFERENCE DATA carries the old and the new PIN; an Le after the data stays visible.
        let change = name("0024019108" + Self.pin + Hex.encode(Array("5678".utf8)), in: context)
        #expect(change.secret && change.name.hasSuffix("[8 bytes hidden]"))
        let withLe = try! Hex.decode("0020009104" + Self.pin + "00")
        #expect(CommandDescription.commandText(withLe, secret: true, showSecrets: false, limit: 16) == "00 20 00 91 04 [4 bytes hidden] 00")
        // Reading the My Number or the attributes is personal; reading the CV certificate is not.
        context.update(command: try! Hex.decode("00A4020C020001"), response: [0x90, 0x00])
        #expect(name("00B0000000", in: context).personalResponse)
        context.update(command: try! Hex.decode("00A4020C020004"), response: [0x90, 0x00])
        #expect(!name("00B0000000", in: context).personalResponse)
    }

    func event(_ kind: TraceEvent.Kind, _ command: String? = nil, _ response: String? = nil, second: Int, note: String? = nil)
        -> TraceEvent
    {
        TraceEvent(
            time: String(format: "2026-11-25T12:00:%02d.000000Z", second), slot: 0, event: kind, command: command, response: response,
            durationMicros: 1500, note: note)
    }

    @Test func anAPDUTraceReadsAsExchangesWithPersonalDataMasked() {
        let nameBytes = Array("山田\u{3000}太郎".utf8)
        let name = Hex.encode(nameBytes)
        let attributes = BERTLV(tag: 0xFF20, children: [BERTLV(tag: 0xDF22, value: nameBytes)]).encoded()
        let events = [
            TraceEvent(time: "2026-11-25T12:00:00.000000Z", slot: 0, event: .powerOn, atr: "3BE000FF8131FE4514"),
            event(.transmit, Self.selectText, "9000", second: 1),
            event(.transmit, "0020009104" + Self.pin, "9000", second: 2),
            event(.transmit, "00A4020C020002", "9000", second: 3),
            event(.transmit, "00B0000000", Hex.encode(attributes) + "9000", second: 4),
            event(.transmit, "00B0000000", "6B00", second: 5),
            event(.interrupted, "802A0000" + "0433333333" + "00", nil, second: 6, note: "removed"),
            event(.remove, second: 7),
            event(.fault, second: 8, note: "dropped the answer to I(0) 5 bytes"),
        ]
        let text = TraceRenderer().render(events, source: "t.jsonl")
        #expect(text.contains("power on · ATR 3B E0 00 FF 81 31 FE 45 14"))
        #expect(text.contains("#1    +1.000 s      SELECT text AP  (1500 µs)"))
        #expect(text.contains("> 00 20 00 91 04 [4 bytes hidden]"))
        #expect(!text.contains("31 32 33 34") && !text.contains(name.prefix(12)))
        #expect(text.contains("< [\(attributes.count) bytes of personal data: FF20(\(attributes.count - 3)){…}] 90 00 · success"))
        #expect(text.contains("< 6B 00 · wrong parameters (offset outside the EF)"))
        #expect(text.contains("✗ INTERRUPTED") && text.contains("✗ no response: the card was removed while it worked on this command"))
        #expect(text.contains("card removed") && text.contains("FAULT dropped the answer"))
        #expect(text.contains("6 exchanges, 1 interrupted by a removal, 1 power event, 1 fault"))
        var options = TraceRenderer.Options()
        options.showSecrets = true
        let shown = TraceRenderer(options: options).render(events, source: "t.jsonl")
        #expect(
            shown.contains("VERIFY 0011 券面事項入力補助用暗証番号 (text AP PIN) \"1234\"")
                && shown.contains("FF 20 \(Hex.encode([UInt8(attributes.count - 3)])) DF 22"))
    }

    @Test func longDataIsElided() {
        let data = String(repeating: "AB", count: 100)
        let text = TraceRenderer().render([event(.transmit, "0084000064", data + "9000", second: 0)], source: "t")
        #expect(text.contains("< " + String(repeating: "AB ", count: 16) + "… (100 bytes) 90 00 · success"))
    }

    /// A one-slot simulator writing its trace to a fresh file, yamada-taro's card in the slot.
    func tracedSimulator(_ name: String) throws -> (ReaderSimulator, trace: String) {
        let directory = Fixtures.temporaryDirectory(name)
        let trace = directory.appendingPathComponent("trace.jsonl").path
        var configuration = ReaderSimulator.Configuration(addresses: [.unix(directory.appendingPathComponent("s.sock").path)])
        configuration.slotCount = 1
        configuration.tracePath = trace
        let simulator = try ReaderSimulator(configuration)
        do {
            _ = try simulator.handle(.insert(slot: 0, card: try Fixtures.copyOfPersona("yamada-taro").path))
        } catch {
            simulator.stop()
            throw error
        }
        return (simulator, trace)
    }

    /// A slot driven by T=1 blocks, as an emulated TPDU reader drives it, with the simulator's trace.
    func tpduTrace() throws -> [TraceEvent] {
        let (simulator, trace) = try tracedSimulator("tpdu-trace")
        defer { simulator.stop() }
        let slot = simulator.slots[0]
        #expect(slot.power(reset: false) != nil)
        let deadline = ContinuousClock.now + .seconds(10)
        func send(_ block: T1Block) -> [UInt8] {
            guard case .block(let answer) = slot.exchange(block.bytes, deadline: deadline) else { return [] }
            return answer
        }
        _ = send(.information(sequence: 0, data: try Hex.decode(Self.selectJPKI)))
        _ = send(.information(sequence: 1, data: try Hex.decode("00A4020C020018")))
        // The VERIFY in a chain of two blocks: the PIN travels in the second.
        let verify = try Hex.decode("0020008004" + Self.pin)
        _ = send(.information(sequence: 0, more: true, data: Array(verify.prefix(6))))
        _ = send(.information(sequence: 1, data: Array(verify.dropFirst(6))))
        _ = send(.information(sequence: 0, data: try Hex.decode("00A4020C02000A")))
        return try TraceFile.read(trace)
    }

    @Test func blocksAreIndentedUnderTheAPDUTheyCarriedAndThePINNeverShows() throws {
        let events = try tpduTrace()
        #expect(events.contains { $0.event == .block } && events.contains { $0.event == .transmit })
        let view = TraceView(events)
        let exchanges = view.entries.filter(\.isExchange)
        #expect(
            exchanges.map { $0.command?.name ?? "" }.map { $0.components(separatedBy: " ").prefix(2).joined(separator: " ") } == [
                "SELECT JPKI", "SELECT EF", "VERIFY 0018", "SELECT EF",
            ])
        // Each APDU has its command block(s) and the card's answer; the chained VERIFY has three.
        #expect(exchanges.map(\.children.count) == [1, 1, 2, 1])
        #expect(!view.entries.contains { $0.event.event == .block }, "no block is left outside an APDU")
        let text = TraceRenderer().render(events, source: "t")
        #expect(!text.contains("04 31") && !text.contains("32 33 34"), "the PIN or part of it shows:\n\(text)")
        #expect(text.contains("T=1 > I(0) M 6 bytes [contents hidden]") && text.contains("T=1 > I(1) 3 bytes [contents hidden]"))
        var apduOnly = TraceRenderer.Options()
        apduOnly.level = .apdu
        let short = TraceRenderer(options: apduOnly).render(events, source: "t")
        #expect(!short.contains("T=1 >") && short.contains("levels apdu, tpdu"))
    }

    /// Messages to an emulated CCID reader: an XfrBlock is traced when the reader answers it, after
    /// the block it carried, and belongs to that block's APDU; power and status messages stand
    /// alone. `--level tpdu` hides them.
    @Test func readerMessagesBelongToTheAPDUOfTheBlockTheyCarried() throws {
        let verify = try Hex.decode("0020008004" + Self.pin)
        let first = T1Block.information(sequence: 0, more: true, data: Array(verify.prefix(6))).bytes
        let second = T1Block.information(sequence: 1, data: Array(verify.dropFirst(6))).bytes
        let ready = T1Block.receiveReady(sequence: 1).bytes
        let answer = T1Block.information(sequence: 0, data: [0x90, 0x00]).bytes
        func xfr(_ block: [UInt8]) -> [UInt8] { [0x6F, UInt8(block.count), 0, 0, 0, 0, 1, 0, 0, 0] + block }
        func data(_ block: [UInt8]) -> [UInt8] { [0x80, UInt8(block.count), 0, 0, 0, 0, 1, 0, 0, 0] + block }
        func at(_ n: Int, _ kind: TraceEvent.Kind, _ command: [UInt8]? = nil, _ response: [UInt8]? = nil, note: String? = nil) -> TraceEvent
        {
            TraceEvent(
                time: String(format: "2026-11-25T12:00:00.%06dZ", n), slot: 0, event: kind, command: command.map { Hex.encode($0) },
                response: response.map { Hex.encode($0) }, note: note)
        }
        let events = [
            at(0, .powerOn), at(1, .reader, [0x62, 0, 0, 0, 0, 0, 1, 0, 0, 0], [0x80], note: "PC_to_RDR_IccPowerOn"),
            at(2, .block, first, ready, note: "I(0) M → R(1)"), at(3, .reader, xfr(first), data(ready), note: "XfrBlock"),
            at(4, .transmit, verify, [0x90, 0x00]), at(5, .block, second, answer, note: "response to 00200080"),
            at(6, .reader, xfr(second), data(answer), note: "XfrBlock"),
            at(7, .reader, [0x65, 0, 0, 0, 0, 0, 2, 0, 0, 0], [0x81], note: "PC_to_RDR_GetSlotStatus"),
        ]
        let view = TraceView(events)
        let exchange = try #require(view.entries.first { $0.isExchange })
        #expect(exchange.children.map(\.event) == [.block, .reader, .block, .reader])
        #expect(view.entries.map(\.event.event) == [.powerOn, .reader, .transmit, .reader])
        var tpdu = TraceRenderer.Options()
        tpdu.level = .tpdu
        let text = TraceRenderer(options: tpdu).render(events, source: "t")
        #expect(text.contains("T=1 >") && !text.contains("reader >"))
        let all = TraceRenderer().render(events, source: "t")
        #expect(all.contains("reader > [20 bytes hidden]") && !all.contains("31 32 33 34") && !all.contains("04 31"))
    }

    /// A card that is pulled out at the third command, as pcsc-lite reports it.
    final class RemovedCard: TestChannel {
        var sent = 0
        var name: String { "removed" }
        var isRealCard: Bool { true }
        func powerOn() -> [UInt8] { [0x3B, 0x00] }
        func reset() -> [UInt8] { [0x3B, 0x00] }
        func powerOff() {}
        func restoreIssuedState() -> Bool { false }
        func transmit(_ command: [UInt8]) throws -> [UInt8] {
            sent += 1
            guard sent < 3 else { throw PCSCError.call("SCardTransmit", code: 0x8010_0069, message: "Card was removed.") }
            return [0x90, 0x00]
        }
    }

    @Test func mynasimRecordKeepsTheCommandARemovalInterrupted() throws {
        let path = Fixtures.temporaryDirectory("record").appendingPathComponent("card.trace").path
        let channel = try RecordingChannel(RemovedCard(), to: path)
        _ = try channel.powerOn()
        _ = try channel.transmit(try Hex.decode(Self.selectJPKI))
        _ = try channel.transmit(try Hex.decode("00A4020C02000A"))
        #expect(throws: PCSCError.self) { try channel.transmit(try Hex.decode("00B0000000")) }
        let events = try TraceFile.read(path)
        #expect(events.map(\.event) == [.powerOn, .transmit, .transmit, .interrupted])
        let text = TraceRenderer().render(events, source: path)
        #expect(
            text.contains("#3") && text.contains("READ BINARY 000A (authentication certificate) @0 Le 256  (")
                && text.contains("✗ INTERRUPTED"))
    }

    @Test func aRemovalDuringACommandIsTracedAsInterrupted() throws {
        let (simulator, trace) = try tracedSimulator("interrupted")
        defer { simulator.stop() }
        _ = try simulator.handle(.configure(slot: 0, profile: nil, faults: FaultPlan(removeDuringAPDU: 2)))
        let slot = simulator.slots[0]
        _ = slot.power(reset: false)
        #expect(slot.transmit(try Hex.decode(Self.selectJPKI)) == .response([0x90, 0x00]))
        #expect(slot.transmit(try Hex.decode("00A4020C02000A")) == .noCard)
        let text = TraceRenderer().render(try TraceFile.read(trace), source: trace)
        let lines = text.split(separator: "\n").map(String.init)
        let marked = try #require(lines.firstIndex { $0.contains("✗ INTERRUPTED") })
        #expect(lines[marked].hasPrefix("#2") && lines[marked].contains("SELECT EF 000A (authentication certificate)"))
        #expect(lines[marked + 2].contains("the card was removed while it worked on this command"))
        #expect(lines[(marked + 3)...].contains { $0.contains("card removed") })
    }
}
