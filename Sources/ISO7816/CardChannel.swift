/// The one seam between whoever talks to a card and the card: power, reset and APDU exchange.
///
/// Implementations: the in-process virtual card, a PC/SC reader (ours or a real one), a recorded
/// trace. Decorators (GET RESPONSE handling, recording, timing, faults) wrap another channel.
public protocol CardChannel {
    /// Powers the card (cold reset) and returns its ATR.
    mutating func powerOn() throws -> [UInt8]
    /// Warm reset; returns the ATR.
    mutating func reset() throws -> [UInt8]
    /// Removes power; the card forgets its volatile state.
    mutating func powerOff() throws
    /// Sends one command APDU and returns the response APDU bytes (data + SW).
    mutating func transmit(_ command: [UInt8]) throws -> [UInt8]
}

extension CardChannel {
    /// Sends a structured command and parses the response.
    public mutating func transmit(_ command: CommandAPDU) throws -> ResponseAPDU {
        try ResponseAPDU(bytes: transmit(command.bytes))
    }
}
