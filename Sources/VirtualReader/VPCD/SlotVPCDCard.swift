import Foundation

/// A simulator slot as vpcd's card: every request goes through the slot (timing, faults, traces),
/// and an insertion or removal tells the link to reconnect or hang up.
final class SlotVPCDCard: VPCDCard, SlotObserver, @unchecked Sendable {
    let slot: ReaderSlot
    private var link: VPCDLink?
    private var lastInsertion: UInt64?
    private let lock = NSLock()

    init(slot: ReaderSlot) { self.slot = slot }

    /// Connects the card to `link` and starts watching the slot.
    func attach(_ link: VPCDLink) {
        lock.withLock { self.link = link }
        slot.addObserver(self)
    }

    func detach() {
        slot.removeObserver(self)
        lock.withLock { link = nil }
    }

    func powerOn() -> [UInt8]? { slot.power(reset: false) }
    func reset() -> [UInt8]? { slot.power(reset: true) }
    func powerOff() { slot.powerOff() }
    var atr: [UInt8]? {
        let state = slot.snapshot
        return state.present ? state.atr : nil
    }

    func transmit(_ apdu: [UInt8]) -> VPCDAnswer {
        var outcome = slot.transmit(apdu)
        if outcome == .notPowered, slot.power(reset: false) != nil {
            // vpcd 0.8 powers a card up before its first APDU; a reset elsewhere may have left it off.
            outcome = slot.transmit(apdu)
        }
        switch outcome {
        case .response(let bytes): return .response(bytes)
        case .mute: return .mute
        // vpcd has no way to say a reader failed: the nearest is a card refusing the length.
        case .readerError: return .response([0x67, 0x00])
        case .noCard, .notPowered: return .removed
        }
    }

    /// A new card or an empty slot: the link reconnects or hangs up. Power changes need nothing.
    func slotDidChange(_ state: SlotSnapshot) {
        let changed: VPCDLink? = lock.withLock {
            defer { lastInsertion = state.insertion }
            return lastInsertion == nil || lastInsertion == state.insertion ? nil : link
        }
        changed?.cardChanged()
    }
}
