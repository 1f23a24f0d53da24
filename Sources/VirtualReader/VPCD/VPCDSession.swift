/// What the connection does after a request.
public enum VPCDAction: Hashable, Sendable {
    /// Nothing: vpcd expects no reply to power off, power on and reset.
    case nothing
    /// Send these bytes (one complete frame).
    case send([UInt8])
    /// Close the connection: vpcd then shows the reader empty. Closing is the only way the protocol
    /// has to say "no card" (an empty ATR would be a zero-length frame, on which vpcd hangs).
    case hangUp(VPCDHangUpReason)
    /// Send nothing and keep the connection: the card is mute.
    case stayMute
}

/// Why the card side closes the connection.
public enum VPCDHangUpReason: Hashable, Sendable, CustomStringConvertible {
    /// No card in the slot.
    case noCard
    /// The card was removed while it processed an APDU.
    case removedDuringCommand
    /// The card's reply cannot be framed (an ATR outside 1–33 bytes, an empty or oversized response).
    case badReply(VPCDProtocolError)

    public var description: String {
        switch self {
        case .noCard: return "no card in the slot"
        case .removedDuringCommand: return "the card was removed during a command"
        case .badReply(let error): return error.description
        }
    }
}

/// Answers vpcd's requests from a ``VPCDCard``. Sans-IO: it turns a request into an action, and the
/// connection carries the action out.
public struct VPCDSession: Sendable {
    public let card: any VPCDCard

    public init(card: any VPCDCard) { self.card = card }

    public func respond(to request: VPCDRequest) -> VPCDAction {
        switch request {
        case .powerOff:
            card.powerOff()
            return .nothing
        case .powerOn:
            // vpcd asks for the ATR right after; with no card that request finds the connection closed.
            return card.powerOn() == nil ? .hangUp(.noCard) : .nothing
        case .reset:
            return card.reset() == nil ? .hangUp(.noCard) : .nothing
        case .getATR:
            guard let atr = card.atr, !atr.isEmpty else { return .hangUp(.noCard) }
            do {
                return .send(try VPCDFraming.atrReply(atr))
            } catch {
                return .hangUp(.badReply(error))
            }
        case .apdu(let command):
            switch card.transmit(command) {
            case .response(let response):
                do {
                    return .send(try VPCDFraming.responseReply(response))
                } catch {
                    return .hangUp(.badReply(error))
                }
            case .mute:
                return .stayMute
            case .removed:
                return .hangUp(.removedDuringCommand)
            }
        }
    }
}
