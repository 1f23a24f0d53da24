/// The control bytes of vpcd's protocol: a frame whose payload is exactly one byte is one of these.
public enum VPCDControl: UInt8, Sendable, CaseIterable {
    /// Power the card down. vpcd expects no reply.
    case powerOff = 0x00
    /// Power the card up (cold reset). vpcd expects no reply; it asks for the ATR next.
    case powerOn = 0x01
    /// Warm reset. vpcd expects no reply; it asks for the ATR next.
    case reset = 0x02
    /// Ask for the ATR. The card replies with the ATR; closing the connection instead means "no card".
    case getATR = 0x04
}

/// One request vpcd sends to the card.
public enum VPCDRequest: Hashable, Sendable {
    case powerOff
    case powerOn
    case reset
    case getATR
    /// A command APDU (two bytes or more: a one-byte payload is always a control byte).
    case apdu([UInt8])

    /// Reads a frame payload as vpcd means it. A one-byte payload is a control byte; anything longer
    /// is an APDU, passed on as it is (a card answers a malformed one with a status word).
    public init(payload: [UInt8]) throws(VPCDProtocolError) {
        switch payload.count {
        case 0:
            throw .emptyRequest
        case 1:
            guard let control = VPCDControl(rawValue: payload[0]) else { throw .unknownControl(payload[0]) }
            switch control {
            case .powerOff: self = .powerOff
            case .powerOn: self = .powerOn
            case .reset: self = .reset
            case .getATR: self = .getATR
            }
        default:
            self = .apdu(payload)
        }
    }

    /// The payload vpcd sends for this request.
    public var payload: [UInt8] {
        switch self {
        case .powerOff: return [VPCDControl.powerOff.rawValue]
        case .powerOn: return [VPCDControl.powerOn.rawValue]
        case .reset: return [VPCDControl.reset.rawValue]
        case .getATR: return [VPCDControl.getATR.rawValue]
        case .apdu(let bytes): return bytes
        }
    }

    /// Whether vpcd waits for a reply frame to this request.
    public var expectsReply: Bool {
        switch self {
        case .powerOff, .powerOn, .reset: return false
        case .getATR, .apdu: return true
        }
    }
}
