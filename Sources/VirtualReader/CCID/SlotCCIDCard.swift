import CardTransmission
import ISO7816

/// A simulator slot as the card behind an emulated CCID reader: power and every T=1 block or T=0
/// TPDU go through the slot (its card's transmission engines, timing, faults and traces).
final class SlotCCIDCard: CCIDCard, @unchecked Sendable {
    let slot: ReaderSlot

    init(slot: ReaderSlot) { self.slot = slot }

    var presence: ICCPresence {
        let state = slot.snapshot
        return state.present ? .present(insertion: state.insertion) : .absent
    }

    /// The card takes any voltage class the reader offers (it is a class A/B/C card).
    func powerOn(voltage: ICCVoltage, warm: Bool) -> CardPowerOutcome {
        guard let atr = slot.power(reset: warm) else { return .removed }
        return .answerToReset(atr)
    }

    func powerOff() { slot.powerOff() }

    func exchange(_ block: [UInt8], protocol: SlotProtocol, deadline: ContinuousClock.Instant) -> CardExchangeOutcome {
        switch slot.exchange(block, deadline: deadline) {
        case .block(let answer): return .block(answer)
        case .mute: return .mute
        case .removed: return .removed
        }
    }
}

/// Writes what an emulated reader does into the simulator's trace: every command with its answer
/// (`reader` level), NAKs, faults and suppressed late answers. The 400 ms presence polls are left
/// out: they would drown everything else.
final class CCIDTraceBridge: ReaderTrace, @unchecked Sendable {
    let trace: TraceWriter
    let slots: [ReaderSlot]
    private var received: [UInt8]?

    init(trace: TraceWriter, slots: [ReaderSlot]) {
        self.trace = trace
        self.slots = slots
    }

    /// The simulator slot a CCID message's bSlot names.
    private func slotIndex(_ message: [UInt8]) -> Int {
        let bSlot = message.count > 5 ? Int(message[5]) : 0
        return bSlot < slots.count ? slots[bSlot].index : slots.first?.index ?? 0
    }

    func record(_ event: ReaderTraceEvent) {
        switch event {
        case .received(let message):
            received = message
        case .answered(let response, let notes):
            guard let message = received, message.first != CommandType.getSlotStatus.rawValue else { return }
            trace.record(
                slot: slotIndex(message), .reader, command: message, response: response.encoded,
                note: ([Self.summary(message), "→ \(response)"] + notes).joined(separator: " "))
            received = nil
        case .rejected, .fault, .lateAnswerSuppressed, .retransmitted:
            trace.record(slot: received.map(slotIndex) ?? slots.first?.index ?? 0, .fault, note: event.description)
        case .slotChange, .sent, .lifecycle:
            break
        }
    }

    /// A CCID command in a few words, with the T=1 block an XfrBlock carries.
    static func summary(_ message: [UInt8]) -> String {
        guard let command = try? CCIDCommand(parsing: message) else { return "malformed message \(Hex.encode(message.prefix(10)))" }
        switch command.body {
        case .iccPowerOn(let voltage): return "IccPowerOn \(voltage)"
        case .iccPowerOff: return "IccPowerOff"
        case .xfrBlock(let block, let bwi, _):
            let content = (try? T1Block(bytes: block)).map { "\($0)" } ?? "\(block.count) bytes"
            return "XfrBlock \(content)" + (bwi > 0 ? " (BWT ×\(bwi))" : "")
        case .setParameters(let number, let data): return "SetParameters T=\(number) \(Hex.encode(data, separator: " "))"
        case .escape(let data): return "Escape \(Hex.encode(data.prefix(8), separator: " "))" + (data.count > 8 ? " …" : "")
        case .secure(_, _, let data): return "Secure PIN " + (data.first == 0 ? "verify" : "modify")
        default: return CommandType(rawValue: message[0]).map { "\($0)" } ?? "message \(Hex.encode(message.prefix(1)))"
        }
    }
}
