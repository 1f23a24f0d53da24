/// How a reader model's firmware answers one vendor escape (the data of PC_to_RDR_Escape).
public struct EscapeRule: Hashable, Sendable {
    /// Which escape data the rule applies to.
    public enum Match: Hashable, Sendable {
        /// Exactly these bytes.
        case exactly([UInt8])
        /// Data starting with these bytes and of this total length.
        case prefix([UInt8], length: Int)

        /// Whether `data` is matched.
        public func matches(_ data: [UInt8]) -> Bool {
            switch self {
            case .exactly(let bytes): return data == bytes
            case .prefix(let bytes, let length): return data.count == length && data.starts(with: bytes)
            }
        }
    }

    /// What the firmware does.
    public enum Action: Hashable, Sendable {
        /// Answer with these bytes.
        case reply([UInt8])
        /// Answer with the model's firmware text.
        case replyFirmwareVersion
        /// Switch card movement notifications to synchronous mode (after the echo, before the answer); empty answer.
        case enableSynchronousSlotNotifications
        /// Store the keypad display strings the data carries; empty answer.
        case loadDisplayStrings
        /// Refuse with this bError.
        case refuse(CCIDErrorCode)
    }

    public var match: Match
    public var action: Action

    public init(_ match: Match, _ action: Action) {
        self.match = match
        self.action = action
    }

    /// What happens to escape data no rule matches: refused, pointing at its first byte (offset 10).
    public static let unknownEscape = Action.refuse(.badByte(at: CCIDHeader.length))
}
