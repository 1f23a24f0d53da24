/// What the reader remembers about one slot.
struct SlotState: Hashable, Sendable {
    /// The insertion number of the card the reader powered, or nil when it powered none since.
    var poweredInsertion: UInt64?
    /// The voltage class of the last successful power-up.
    var voltage: ICCVoltage?
    /// The ATR of the last successful power-up.
    var atr: [UInt8] = []
    /// The protocol parameters in force.
    var parameters: ProtocolParameters = .defaults(for: .t0)
    /// bClockStatus while the clock is stopped by IccClock.
    var clockStopped = false

    /// bmICCStatus for the card now in the slot.
    func status(for presence: ICCPresence) -> ICCStatus {
        switch presence {
        case .absent: return .absent
        case .present(let insertion): return insertion == poweredInsertion ? .active : .inactive
        }
    }

    /// Forgets the power-up (card removed, powered off or gone mute).
    mutating func deactivate() {
        poweredInsertion = nil
        voltage = nil
        clockStopped = false
    }
}
