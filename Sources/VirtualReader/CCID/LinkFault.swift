/// Faults a test can switch on at the reader's line and firmware level. `only` limits a fault to
/// the next frames of one message type (nil: whatever comes next, such as pcscd's 400 ms poll).
public enum LinkFault: Hashable, Sendable, CustomStringConvertible {
    /// Refuse the next `count` host frames with NAK (`03 15 16`) without processing them. The driver
    /// resends an Escape at once; a NAK to any other command is a communication error for it.
    case nakHostFrames(Int, only: CommandType? = nil)
    /// Invert the LRC of the next answer frame (not of the echo). The driver logs it and accepts the frame.
    case corruptNextAnswerLRC(only: CommandType? = nil)
    /// Process the next command but lose its answer on the line: the echo goes out, the answer never
    /// does (not even late), so the driver times out and the stream stays in sync.
    case dropNextAnswer(only: CommandType? = nil)
    /// Report the next XfrBlock as a parity error (bError FD) after the card answered it.
    case parityErrorOnNextXfrBlock

    public var description: String {
        func target(_ only: CommandType?) -> String { only.map { " (\($0) only)" } ?? "" }
        switch self {
        case .nakHostFrames(let n, let only): return "NAK the next \(n) host frame(s)\(target(only))"
        case .corruptNextAnswerLRC(let only): return "corrupt the LRC of the next answer\(target(only))"
        case .dropNextAnswer(let only): return "drop the next answer\(target(only))"
        case .parityErrorOnNextXfrBlock: return "parity error on the next XfrBlock"
        }
    }
}

/// The line faults still to apply.
struct PendingFaults: Hashable, Sendable {
    /// A fault armed for the next frame of a type (nil: any type).
    struct Armed: Hashable, Sendable {
        var only: CommandType?

        func applies(to message: [UInt8]) -> Bool {
            only.map { $0.rawValue == message.first } ?? true
        }
    }

    var naksLeft = 0
    var nakTarget = Armed()
    var corruptLRC: Armed?
    var dropAnswer: Armed?

    /// Whether `message` is to be refused with NAK (and counts one down if so).
    mutating func takeNAK(for message: [UInt8]) -> Bool {
        guard naksLeft > 0, nakTarget.applies(to: message) else { return false }
        naksLeft -= 1
        return true
    }

    /// Whether the armed fault applies to `message` (and disarms it if so).
    static func take(_ armed: inout Armed?, for message: [UInt8]) -> Bool {
        guard let fault = armed, fault.applies(to: message) else { return false }
        armed = nil
        return true
    }
}
