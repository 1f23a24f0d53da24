import Foundation
import ISO7816
import VirtualReader

/// A card seam for tests: scripted answers, recorded calls.
final class MockCard: CCIDCard, @unchecked Sendable {
    struct Exchange {
        var block: [UInt8]
        var slotProtocol: SlotProtocol
        var deadline: ContinuousClock.Instant
        var calledAt: ContinuousClock.Instant
    }

    private let lock = NSLock()
    private var insertion: UInt64? = 1
    private var insertions: UInt64 = 1
    var atr: [UInt8] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]
    /// Voltages at which the card answers.
    var voltages: Set<ICCVoltage> = [.fiveVolts, .threeVolts, .oneEightVolts]
    /// What `exchange` returns; default: echo the block back.
    var answer: @Sendable ([UInt8]) -> CardExchangeOutcome = { .block($0) }
    /// Sleep this long inside `exchange` (ignoring the deadline, like a card that overruns).
    var exchangeDelay: Duration = .zero
    private(set) var exchanges: [Exchange] = []
    private(set) var powerOns: [(ICCVoltage, Bool)] = []
    private(set) var powerOffs = 0

    init(present: Bool = true) {
        if !present { insertion = nil }
    }

    var presence: ICCPresence { lock.withLock { insertion.map { .present(insertion: $0) } ?? .absent } }

    func insert() {
        lock.withLock {
            insertions += 1
            insertion = insertions
        }
    }
    func remove() { lock.withLock { insertion = nil } }

    func powerOn(voltage: ICCVoltage, warm: Bool) -> CardPowerOutcome {
        lock.withLock {
            powerOns.append((voltage, warm))
            guard insertion != nil else { return .removed }
            return voltages.contains(voltage) ? .answerToReset(atr) : .mute
        }
    }

    func powerOff() { lock.withLock { powerOffs += 1 } }

    func exchange(_ block: [UInt8], protocol: SlotProtocol, deadline: ContinuousClock.Instant) -> CardExchangeOutcome {
        let (delay, answer) = lock.withLock {
            exchanges.append(Exchange(block: block, slotProtocol: `protocol`, deadline: deadline, calledAt: .now))
            return (exchangeDelay, self.answer)
        }
        if delay > .zero { Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18) }
        guard presence.isPresent else { return .removed }
        return answer(block)
    }
}

/// A trace that keeps events in memory.
final class MemoryTrace: ReaderTrace, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [ReaderTraceEvent] = []
    var events: [ReaderTraceEvent] { lock.withLock { stored } }
    func record(_ event: ReaderTraceEvent) { lock.withLock { stored.append(event) } }
}

/// Helpers to drive a firmware with encoded commands.
extension ReaderFirmware {
    mutating func send(_ body: CCIDCommand.Body, slot: UInt8 = 0, sequence: UInt8 = 0x42) -> FirmwareReply {
        handle(CCIDCommand(slot: slot, sequence: sequence, body).encoded, receivedAt: .now)
    }

    /// Powers the card up and selects T=1 with the driver's parameters for the demo ATR.
    mutating func activateT1(slot: UInt8 = 0) {
        _ = send(.iccPowerOn(.fiveVolts), slot: slot)
        _ = send(.setParameters(protocolNumber: 1, data: [0x11, 0x10, 0xFF, 0x45, 0x00, 0xFE, 0x00]), slot: slot)
    }
}

func hex(_ text: String) -> [UInt8] {
    (try? Hex.decode(text)) ?? []
}
