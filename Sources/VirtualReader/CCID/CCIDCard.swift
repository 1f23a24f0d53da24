/// Whether a card sits in a slot. Each insertion has its own number, so a card removed and
/// inserted again between two polls is seen as a new, unpowered card.
public enum ICCPresence: Hashable, Sendable {
    case absent
    case present(insertion: UInt64)

    /// Whether a card is present.
    public var isPresent: Bool {
        if case .present = self { return true }
        return false
    }
}

/// bPowerSelect of IccPowerOn.
public enum ICCVoltage: UInt8, Hashable, Sendable, CustomStringConvertible {
    case automatic = 0
    case fiveVolts = 1
    case threeVolts = 2
    case oneEightVolts = 3

    /// The bVoltageSupport bit of this class (0 for automatic).
    public var supportBit: UInt8 {
        switch self {
        case .automatic: return 0
        case .fiveVolts: return 0x01
        case .threeVolts: return 0x02
        case .oneEightVolts: return 0x04
        }
    }

    public var description: String {
        switch self {
        case .automatic: return "automatic"
        case .fiveVolts: return "5 V"
        case .threeVolts: return "3 V"
        case .oneEightVolts: return "1.8 V"
        }
    }
}

/// What a card did when the reader powered or reset it.
public enum CardPowerOutcome: Hashable, Sendable {
    /// The card answered with this ATR.
    case answerToReset([UInt8])
    /// The card gave no ATR (for instance at a voltage it does not support).
    case mute
    /// No card was there.
    case removed
}

/// What came back from the card for one block or TPDU.
public enum CardExchangeOutcome: Hashable, Sendable {
    /// The card's whole answer: one T=1 block, or for T=0 the response bytes and status word.
    case block([UInt8])
    /// The card did not answer before the deadline.
    case mute
    /// The card was removed during the exchange.
    case removed
}

/// What the reader firmware needs from the slot behind it (the simulator implements this).
///
/// The firmware calls these from its one I/O thread, one call at a time per slot. `presence` may
/// change at any time from elsewhere (insertion, removal).
public protocol CCIDCard: AnyObject, Sendable {
    /// Whether a card is in the slot, and which insertion it is.
    var presence: ICCPresence { get }

    /// Activates the card at `voltage` (cold reset) or, when `warm` is set, resets an active card.
    /// The card resets its transmission state (T=1 sequence numbers, IFSD) either way.
    func powerOn(voltage: ICCVoltage, warm: Bool) -> CardPowerOutcome

    /// Deactivates the card.
    func powerOff()

    /// One T=1 block (or one T=0 TPDU) to the card, and the card's whole answer, given before
    /// `deadline` (the block waiting time the reader enforces, times the host's WTX multiplier).
    /// A card that would answer later returns `.mute` by the deadline; the reader also treats an
    /// answer returned after the deadline as mute.
    func exchange(_ block: [UInt8], protocol: SlotProtocol, deadline: ContinuousClock.Instant) -> CardExchangeOutcome
}

/// A slot that never holds a card (for slots no seam was given for).
final class EmptySlot: CCIDCard {
    var presence: ICCPresence { .absent }
    func powerOn(voltage: ICCVoltage, warm: Bool) -> CardPowerOutcome { .removed }
    func powerOff() {}
    func exchange(_ block: [UInt8], protocol: SlotProtocol, deadline: ContinuousClock.Instant) -> CardExchangeOutcome { .removed }
}
