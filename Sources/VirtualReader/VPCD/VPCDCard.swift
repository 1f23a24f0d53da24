/// What a card answers to an APDU.
public enum VPCDAnswer: Hashable, Sendable {
    /// The response APDU: data followed by SW1 SW2.
    case response([UInt8])
    /// The card does not answer at all (a mute card). See ``VPCDLinkConfiguration/muteTimeout``.
    case mute
    /// The card left the slot while working on the command: no response leaves it.
    case removed
}

/// The seam between the vpcd connection and whatever plays the card (a simulator slot, a test double).
/// Every call comes from the link's own thread, one at a time; implementations that are also driven
/// from elsewhere (a control socket inserting or removing the card) must be thread-safe.
public protocol VPCDCard: AnyObject, Sendable {
    /// Cold reset: power the card up. Returns its ATR, or nil when no card is in the slot.
    func powerOn() -> [UInt8]?
    /// Warm reset. Returns the ATR, or nil when no card is in the slot.
    func reset() -> [UInt8]?
    /// Removes power; the card forgets its volatile state.
    func powerOff()
    /// The ATR of the card in the slot, powered or not; nil when the slot is empty. vpcd asks for it
    /// on every presence poll (every 400 ms on Linux, every second on Windows), so it must be cheap
    /// and must not change the card's state.
    var atr: [UInt8]? { get }
    /// Processes one command APDU.
    func transmit(_ apdu: [UInt8]) -> VPCDAnswer
}
