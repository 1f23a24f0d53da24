import ISO7816

/// Something the emulated reader did, for traces and logs.
public enum ReaderTraceEvent: Hashable, Sendable, CustomStringConvertible {
    /// A CCID message arrived in a good frame.
    case received([UInt8])
    /// An answer was composed (whether or not it is sent; see the other events).
    case answered(CCIDResponse, notes: [String])
    /// A card movement notification goes out with the answer.
    case slotChange(UInt8)
    /// A frame was refused with NAK.
    case rejected(SerialFrameError)
    /// A fault was applied.
    case fault(String)
    /// The host asked for the last answer again.
    case retransmitted
    /// An answer was ready only after the host's deadline and was not sent.
    case lateAnswerSuppressed(lateBy: Duration)
    /// Bytes written to the line.
    case sent([UInt8])
    /// The line host started or stopped.
    case lifecycle(String)

    public var description: String {
        switch self {
        case .received(let m): return "<- \(Hex.encode(m, separator: " "))"
        case .answered(let r, let notes): return "answer: \(r)" + (notes.isEmpty ? "" : " [\(notes.joined(separator: "; "))]")
        case .slotChange(let s): return "slot change notification 50 \(Hex.byte(s))"
        case .rejected(let e): return "NAK: \(e)"
        case .fault(let f): return "fault: \(f)"
        case .retransmitted: return "host NAK: last answer sent again"
        case .lateAnswerSuppressed(let late): return "answer \(late) past the host's deadline, not sent"
        case .sent(let bytes): return "-> \(Hex.encode(bytes, separator: " "))"
        case .lifecycle(let text): return text
        }
    }
}

/// Where a reader host reports trace events (a file, a test's array). Called on the host's thread.
public protocol ReaderTrace: AnyObject, Sendable {
    func record(_ event: ReaderTraceEvent)
}
