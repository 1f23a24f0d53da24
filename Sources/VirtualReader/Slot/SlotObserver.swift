import ISO7816

/// Something that watches a slot (an IFD handler's event connection, a vpcd link): told whenever
/// a card is inserted, removed, powered or reconfigured. Called with the slot's lock held, so it
/// must return at once (queue the work, never call back into the slot).
public protocol SlotObserver: AnyObject, Sendable {
    func slotDidChange(_ state: SlotSnapshot)
}

/// A slot's card state at one moment.
public struct SlotSnapshot: Hashable, Sendable {
    public var slot: Int
    /// Counts insertions and removals: each card in the slot has its own number.
    public var insertion: UInt64
    public var present: Bool
    public var powered: Bool
    /// The ATR the card answers with (the fault plan's, when it sets one).
    public var atr: [UInt8]?
    /// Whether the reader advertises extended-length APDUs: the card accepts them, or a reader
    /// quirk profile says so.
    public var extendedLength: Bool
    /// Whether the reader offers PC/SC Part 10 features (a reader quirk profile can hide them).
    public var part10: Bool = true
}

/// Which reader path serves a slot. A slot is driven through one at a time: two drivers powering
/// and resetting the same card would break each other's sessions.
public enum FrontDoor: Hashable, Sendable, CustomStringConvertible {
    /// Our IFD handler over the wire protocol (the default; any number of handler connections).
    case ifdHandler
    /// An emulated serial CCID reader driven by pcsc-lite's CCID driver.
    case ccid(model: String, device: String)
    /// vsmartcard's vpcd reader driver, which this slot's card connects out to.
    case vpcd(endpoint: String)

    public var description: String {
        switch self {
        case .ifdHandler: return "our IFD handler"
        case .ccid(let model, let device): return "an emulated \(model) CCID reader on \(device)"
        case .vpcd(let endpoint): return "vsmartcard's vpcd at \(endpoint)"
        }
    }
}
