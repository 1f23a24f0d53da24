import Foundation
import ISO7816
import MynaApplications
import MynaPersona
import TestSupport
import Testing

@testable import VirtualReader

/// Records every state a slot reports to its observers.
final class SnapshotRecorder: SlotObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var states: [SlotSnapshot] = []
    func slotDidChange(_ state: SlotSnapshot) { lock.withLock { states.append(state) } }
    var seen: [SlotSnapshot] { lock.withLock { states } }
}

/// Reader quirk profiles: the shipped files, the loader's strictness, and what each quirk does to
/// a slot whatever front door serves it.
@Suite("Reader quirk profiles")
struct ReaderQuirkTests {
    static let profiles = Fixtures.repositoryRoot.appendingPathComponent("vectors/reader-profiles")
    static let shipped = [
        "lies-about-extended", "short-only", "no-part10", "slow-presence", "drops-last-byte", "no-get-response", "high-latency",
        "spurious-removal",
    ]

    /// A simulator whose slot 0 holds a powered copy of yamada-taro behind `quirks`.
    func slot(_ quirks: ReaderQuirks?, name: String = "test") throws -> (ReaderSimulator, ReaderSlot, URL) {
        let path = Fixtures.temporaryDirectory("quirks").appendingPathComponent("sim.sock").path
        let simulator = try ReaderSimulator(ReaderSimulator.Configuration(addresses: [.unix(path)]))
        let card = try Fixtures.copyOfPersona("yamada-taro")
        _ = try simulator.handle(.insert(slot: 0, card: card.path))
        let slot = simulator.slots[0]
        if let quirks { slot.configure(readerProfile: ReaderProfile(name: name, quirks: quirks)) }
        #expect(slot.power(reset: false) != nil)
        return (simulator, slot, card)
    }

    func send(_ slot: ReaderSlot, _ hex: String) throws -> ReaderSlot.Outcome { slot.transmit(try Hex.decode(hex)) }

    func response(_ slot: ReaderSlot, _ hex: String) throws -> [UInt8] {
        guard case .response(let bytes) = try send(slot, hex) else {
            Issue.record("no response to \(hex)")
            return []
        }
        return bytes
    }

    static let internalAuthenticate = "0088009920" + String(repeating: "11", count: 32) + "00"

    // MARK: the files

    @Test(arguments: shipped) func everyShippedProfileLoadsUnderItsOwnName(_ name: String) throws {
        let profile = try ReaderProfile.load(path: Self.profiles.appendingPathComponent("\(name).yaml").path)
        #expect(profile.name == name)
        #expect(profile.quirks != .none)
        #expect(profile.description?.isEmpty == false)
        #expect(try ReaderProfile.locate(name, in: [Self.profiles]) == profile)
    }

    @Test func theShippedProfilesDoWhatTheirNamesSay() throws {
        func quirks(_ name: String) throws -> ReaderQuirks { try ReaderProfile.locate(name, in: [Self.profiles]).quirks }
        #expect(try quirks("lies-about-extended") == ReaderQuirks(advertisesExtended: true, extendedAPDUs: false))
        #expect(try quirks("short-only") == ReaderQuirks(advertisesExtended: false, extendedAPDUs: false))
        #expect(try quirks("no-part10") == ReaderQuirks(part10: false))
        #expect(try quirks("slow-presence") == ReaderQuirks(presencePollingMillis: 400))
        #expect(try quirks("drops-last-byte") == ReaderQuirks(dropsLastByteAt: [256]))
        #expect(try quirks("no-get-response") == ReaderQuirks(passes61xx: true))
        #expect(try quirks("high-latency").exchangeDelayMicros >= 5000)
        #expect(try quirks("spurious-removal").spuriousRemoval != nil)
    }

    @Test func anUnknownKeyIsAnErrorAtItsLine() throws {
        let file = Fixtures.temporaryDirectory("profile").appendingPathComponent("typo.yaml")
        try "profile: typo\nbehaviour:\n  part10: true\n  extended-apdu: false\n".write(to: file, atomically: true, encoding: .utf8)
        #expect {
            try ReaderProfile.load(path: file.path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("\(file.path):4:") && text.contains("unknown key 'extended-apdu'") && text.contains("extended-apdus")
        }
    }

    @Test func aValueOutOfRangeNamesItsKeyAndLine() throws {
        let file = Fixtures.temporaryDirectory("profile").appendingPathComponent("range.yaml")
        try "profile: range\nbehaviour:\n  presence-polling-ms: 5\n".write(to: file, atomically: true, encoding: .utf8)
        #expect {
            try ReaderProfile.load(path: file.path)
        } throws: { error in
            "\(error)".contains("\(file.path):3:") && "\(error)".contains("presence-polling-ms") && "\(error)".contains("10–10000")
        }
    }

    @Test func anUnknownNameListsTheShippedProfiles() {
        #expect {
            try ReaderProfile.locate("no-such-reader", in: [Self.profiles])
        } throws: { error in
            "\(error)".contains("no-such-reader") && "\(error)".contains("lies-about-extended") && "\(error)".contains("spurious-removal")
        }
    }

    // MARK: what each quirk does

    @Test func theReaderLosesTheLastDataByteOf256ByteResponsesOnly() throws {
        let (simulator, slot, _) = try slot(ReaderQuirks(dropsLastByteAt: [256]))
        defer { simulator.stop() }
        _ = try response(slot, "00A4040C0AD392F000260100000001")
        _ = try response(slot, "00A4020C02000A")
        let full = try response(slot, "00B0000000")
        #expect(full.count == 255 + 2 && full.suffix(2) == [0x90, 0x00])
        let shorter = try response(slot, "00B00000FF")
        #expect(shorter.count == 255 + 2)
        #expect(Array(shorter.prefix(255)) == Array(full.prefix(255)))
    }

    @Test func aReaderThatPasses61xxAnswersGetResponseFromWhatItHeld() throws {
        let (reference, plainSlot, _) = try slot(nil)
        _ = try response(plainSlot, "00A4040C0AD392100031000101010000")
        let expected = try response(plainSlot, Self.internalAuthenticate)
        reference.stop()
        let (simulator, slot, _) = try slot(ReaderQuirks(passes61xx: true))
        defer { simulator.stop() }
        #expect(try response(slot, "00A4040C0AD392100031000101010000") == [0x90, 0x00])  // case 3: untouched
        #expect(try response(slot, Self.internalAuthenticate) == [0x61, 0x00])
        let first = try response(slot, "00C0000080")
        #expect(first == Array(expected.prefix(128)) + [0x61, 0x80])
        #expect(try response(slot, "00C0000080") == Array(expected.dropLast(2).suffix(128)) + [0x90, 0x00])
        #expect(try response(slot, "00C0000010") == [0x6D, 0x00])  // nothing held: the card's own answer
        #expect(try response(slot, "0084000008").count == 10)  // case 2: untouched
    }

    @Test func aLyingReaderAdvertisesExtendedLengthAndFailsIt() throws {
        let (simulator, slot, _) = try slot(ReaderQuirks(advertisesExtended: true, extendedAPDUs: false))
        defer { simulator.stop() }
        #expect(slot.snapshot.extendedLength)
        _ = try response(slot, "00A4040C0AD392F000260100000001")
        _ = try response(slot, "00A4020C02000A")
        guard case .readerError(let reason) = try send(slot, "00B00000000400") else {
            Issue.record("an extended READ BINARY was not failed by the reader")
            return
        }
        #expect(reason.contains("extended"))
        #expect(try response(slot, "00B0000004").count == 6)
    }

    @Test func aShortOnlyReaderAdvertisesNoExtendedLengthForACardThatHasIt() throws {
        let (simulator, slot, _) = try slot(ReaderQuirks(advertisesExtended: false, extendedAPDUs: false))
        defer { simulator.stop() }
        #expect(!slot.snapshot.extendedLength)
        #expect(slot.status().extendedLength)  // the card itself still accepts them
        #expect(CardStateFlags.payload(slot.snapshot)[0] & CardStateFlags.extendedLength.rawValue == 0)
    }

    @Test func aReaderWithoutPart10SetsFlagBit3() throws {
        let (simulator, slot, _) = try slot(ReaderQuirks(part10: false))
        defer { simulator.stop() }
        #expect(CardStateFlags.payload(slot.snapshot)[0] & 0x08 != 0)
        slot.configure(readerProfile: nil)
        #expect(CardStateFlags.payload(slot.snapshot)[0] & 0x08 == 0)
    }

    @Test func theExchangeDelayIsAddedToEveryCommand() throws {
        let (simulator, slot, _) = try slot(ReaderQuirks(exchangeDelayMicros: 30_000))
        defer { simulator.stop() }
        let started = ContinuousClock.now
        for _ in 0..<3 { _ = try response(slot, "0084000008") }
        #expect(ContinuousClock.now - started >= .milliseconds(90))
    }

    @Test func presenceChangesAreSeenOnlyAtThePolls() throws {
        let (simulator, slot, _) = try slot(ReaderQuirks(presencePollingMillis: 300))
        defer { simulator.stop() }
        let recorder = SnapshotRecorder()
        slot.addObserver(recorder)
        let removed = ContinuousClock.now
        try slot.remove()
        #expect(slot.snapshot.present)  // the next poll is 300 ms away
        #expect(eventually { !slot.snapshot.present })
        #expect(ContinuousClock.now - removed >= .milliseconds(250))
        #expect(recorder.seen.contains { !$0.present })
    }

    @Test func aCardSwappedBetweenPollsLooksRemovedThenInserted() throws {
        let (simulator, slot, card) = try slot(ReaderQuirks(presencePollingMillis: 200))
        defer { simulator.stop() }
        let recorder = SnapshotRecorder()
        slot.addObserver(recorder)
        let before = slot.snapshot.insertion
        try slot.remove()
        try slot.insert(try PersonaCache().load(card))
        #expect(eventually { slot.snapshot.present && slot.snapshot.insertion != before })
        let presence = recorder.seen.map(\.present)
        #expect(presence.contains(false), "the reader never reported the swap as a removal: \(presence)")
    }

    @Test func aSpuriousRemovalComesAfterTheIdleTimeAndThenTheCardIsBack() throws {
        let spurious = ReaderQuirks.SpuriousRemoval(afterIdleMillis: 200, absentMillis: 100)
        let (simulator, slot, _) = try slot(ReaderQuirks(spuriousRemoval: spurious))
        defer { simulator.stop() }
        let recorder = SnapshotRecorder()
        slot.addObserver(recorder)
        let insertion = slot.snapshot.insertion
        #expect(eventually { recorder.seen.contains { !$0.present } })
        #expect(eventually { slot.snapshot.present && slot.snapshot.insertion != insertion })
        #expect(slot.status().card != nil)  // the card never left
    }

    @Test func exchangesKeepASpuriousRemovalAway() throws {
        let spurious = ReaderQuirks.SpuriousRemoval(afterIdleMillis: 300, absentMillis: 100)
        let (simulator, slot, _) = try slot(ReaderQuirks(spuriousRemoval: spurious))
        defer { simulator.stop() }
        let recorder = SnapshotRecorder()
        slot.addObserver(recorder)
        let until = ContinuousClock.now + .milliseconds(700)
        while ContinuousClock.now < until {
            _ = try response(slot, "0084000008")
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(recorder.seen.allSatisfy { $0.present })
    }

    @Test func statusNamesTheProfileAndClearingItRestoresAFaultlessReader() throws {
        let (simulator, slot, _) = try slot(ReaderQuirks(dropsLastByteAt: [256]), name: "drops-last-byte")
        defer { simulator.stop() }
        #expect(slot.status().readerProfile == "drops-last-byte")
        #expect(slot.status().quirks?.description.contains("256") == true)
        _ = try simulator.handle(.readerProfile(slot: 0, profile: nil))
        #expect(slot.status().readerProfile == nil && slot.status().quirks == nil)
        _ = try response(slot, "00A4040C0AD392F000260100000001")
        _ = try response(slot, "00A4020C02000A")
        #expect(try response(slot, "00B0000000").count == 258)
    }
}
