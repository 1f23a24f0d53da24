import Foundation
import ISO7816
import TestSupport
import Testing

@testable import VirtualReader

/// Found by fuzz/swift (target control-request, seed fuzz/corpus/control-request/regress-per-byte-overflow):
/// a `configure` control request with a per-byte time of Int.max was accepted, and the next APDU
/// trapped on the overflowing delay arithmetic, stopping `mynasim serve`. Figures are now limited
/// where they enter: control requests and `--delay`.
@Suite("Timing figures are bounded")
struct TimingLimitTests {
    func simulatorWithCard() throws -> ReaderSimulator {
        let socket = Fixtures.temporaryDirectory("sim").appendingPathComponent("s.sock").path
        let simulator = try ReaderSimulator(ReaderSimulator.Configuration(addresses: [.unix(socket)]))
        _ = try simulator.handle(.insert(slot: 0, card: try Fixtures.copyOfPersona("yamada-taro").path))
        return simulator
    }

    @Test func outOfRangeFiguresAreRefusedAndTheSlotStillAnswers() throws {
        let simulator = try simulatorWithCard()
        defer { simulator.stop() }
        let huge = TimingProfile(name: "huge", delayMicros: [.select: 0], perByteMicros: Int.max)
        #expect(throws: ReaderError.badArgument("slot 0: the per-byte time of \(Int.max) µs is not within 0–1000000 µs")) {
            try simulator.handle(.configure(slot: 0, profile: huge, faults: nil))
        }
        let negative = TimingProfile(name: "negative", delayMicros: [.sign: -1], perByteMicros: 0)
        #expect(throws: ReaderError.self) { try simulator.handle(.configure(slot: 0, profile: negative, faults: nil)) }
        #expect(throws: ReaderError.self) {
            try simulator.handle(.configure(slot: 0, profile: nil, faults: FaultPlan(delayNextMicros: -5)))
        }
        #expect(throws: ReaderError.self) {
            try simulator.handle(.configure(slot: 0, profile: nil, faults: FaultPlan(delayNextMicros: Int.max)))
        }
        // Nothing was configured: the card answers at once.
        let slot = simulator.slots[0]
        #expect(slot.power(reset: false) != nil)
        #expect(slot.transmit(try Hex.decode("00A4040C0AD392F000260100000001")) == .response([0x90, 0x00]))
        // The largest figures are accepted.
        let slowest = TimingProfile(
            name: "slowest", delayMicros: [.select: TimingProfile.maximumDelayMicros], perByteMicros: TimingProfile.maximumPerByteMicros)
        #expect(throws: Never.self) { try simulator.handle(.configure(slot: 0, profile: slowest, faults: nil)) }
    }

    @Test func delayOverridesAreBounded() throws {
        var profile = TimingProfile.realistic
        #expect(throws: ReaderError.badArgument("'perByte=9223372036854775807': at most 1000000 µs")) {
            try profile.apply(override: "perByte=9223372036854775807")
        }
        #expect(throws: ReaderError.badArgument("'sign=600000001': at most 600000000 µs")) { try profile.apply(override: "sign=600000001") }
        try profile.apply(override: "sign=600000000")
        #expect(profile.delayMicros[.sign] == 600_000_000)
        #expect(profile.problem == nil)
    }
}
