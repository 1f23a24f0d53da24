/// The error indication of an R-block (PCB bits 4–1).
public enum T1ReceiveError: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// `0`: an acknowledgement, or a request for the block numbered N(R).
    case none = 0
    /// `1`: EDC or parity error.
    case edc = 1
    /// `2`: any other error.
    case other = 2

    public var description: String {
        switch self {
        case .none: return "no error"
        case .edc: return "EDC error"
        case .other: return "other error"
        }
    }
}

/// The S-block types of §11.3.2.2 with their information field.
public enum T1Supervisory: Hashable, Sendable {
    /// Resynchronisation (sent only by the interface device).
    case resynch
    /// Information field size: IFSD when sent by the interface device, IFSC when sent by the card (1…254).
    case informationFieldSize(UInt8)
    /// Chain abortion.
    case abort
    /// Waiting time extension: the card asks for `multiplier × BWT` (sent only by the card).
    case waitingTimeExtension(UInt8)

    /// PCB bits 5–1.
    var code: UInt8 {
        switch self {
        case .resynch: return 0
        case .informationFieldSize: return 1
        case .abort: return 2
        case .waitingTimeExtension: return 3
        }
    }
}

/// Whether an S-block is a request or the response to one (PCB bit 6).
public enum T1Direction: Hashable, Sendable, CustomStringConvertible {
    case request
    case response

    public var description: String { self == .request ? "request" : "response" }
}
