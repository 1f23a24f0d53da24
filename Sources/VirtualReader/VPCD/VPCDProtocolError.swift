/// A vpcd frame that breaks the protocol, from either side. None of these traps: the connection is
/// closed (vpcd then shows the reader empty) and the link reconnects.
public enum VPCDProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// vpcd sent a frame with length 0 (it never does; the stream is out of step).
    case emptyRequest
    /// vpcd sent a one-byte frame that is not 00, 01, 02 or 04.
    case unknownControl(UInt8)
    /// The card answered with nothing; vpcd would hang on it and then drop the card.
    case emptyReply
    /// The card's ATR does not have 1–33 bytes.
    case atrLength(Int)
    /// A reply longer than the 16-bit length field can carry.
    case replyTooLong(Int)

    public var description: String {
        switch self {
        case .emptyRequest:
            return "vpcd sent an empty frame, which the protocol does not use; the connection is out of step"
        case .unknownControl(let byte):
            let hex = String(byte, radix: 16, uppercase: true)
            return "vpcd sent control byte \(byte < 16 ? "0" : "")\(hex), which is not power off (00), power on (01), "
                + "reset (02) or get ATR (04); a newer vpcd may need a newer mynasim"
        case .emptyReply:
            return "the card answered an APDU with no bytes, which vpcd cannot take (it would hang, then drop the card)"
        case .atrLength(let count):
            return "the card's ATR has \(count) bytes; vpcd needs 1–33 (pcscd's MAX_ATR_SIZE)"
        case .replyTooLong(let count):
            return "a reply of \(count) bytes does not fit vpcd's 16-bit length field (at most 65 535 bytes)"
        }
    }
}
