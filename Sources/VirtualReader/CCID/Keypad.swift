import Foundation

/// A key on a PIN pad.
public enum KeypadKey: Hashable, Sendable, CustomStringConvertible {
    /// A digit 0…9.
    case digit(UInt8)
    /// The validation key (OK, green).
    case enter
    /// The cancel key (red).
    case cancel
    /// Erases everything typed so far (yellow).
    case clear
    /// Erases the last digit.
    case backspace

    public var description: String {
        switch self {
        case .digit(let d): return String(d)
        case .enter: return "OK"
        case .cancel: return "CANCEL"
        case .clear: return "CLEAR"
        case .backspace: return "BACK"
        }
    }
}

/// What happened at the keypad while the reader waited for a key.
public enum KeypadEvent: Hashable, Sendable {
    case key(KeypadKey)
    /// Nothing was pressed before the deadline.
    case timedOut
}

/// Where a PIN pad reader gets key presses from (a person, a script).
public protocol Keypad: AnyObject, Sendable {
    /// Blocks until a key is pressed or `deadline` passes.
    func nextKey(until deadline: ContinuousClock.Instant) -> KeypadEvent
}

/// A keypad driven by a script: queued keys are "pressed" at once, a queued silence makes the
/// reader's wait time out at once, and with nothing queued the wait lasts until keys are queued
/// or the deadline passes.
public final class ScriptedKeypad: Keypad, @unchecked Sendable {
    /// One step of a script.
    public enum Step: Hashable, Sendable {
        case key(KeypadKey)
        /// The user presses nothing: the current wait times out immediately.
        case silence
    }

    private let condition = NSCondition()
    private var steps: [Step] = []

    public init(_ steps: [Step] = []) { self.steps = steps }

    /// Appends steps to the script.
    public func enqueue(_ more: [Step]) {
        condition.lock()
        steps += more
        condition.broadcast()
        condition.unlock()
    }

    /// Drops whatever is still queued.
    public func clear() {
        condition.lock()
        steps.removeAll()
        condition.unlock()
    }

    /// Steps not consumed yet.
    public var pending: [Step] {
        condition.lock()
        defer { condition.unlock() }
        return steps
    }

    public func nextKey(until deadline: ContinuousClock.Instant) -> KeypadEvent {
        condition.lock()
        defer { condition.unlock() }
        while steps.isEmpty {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return .timedOut }
            _ = condition.wait(until: Date(timeIntervalSinceNow: min(timeInterval(remaining), 0.25)))
        }
        switch steps.removeFirst() {
        case .key(let key): return .key(key)
        case .silence: return .timedOut
        }
    }

    /// Parses a script: digits, `#` or `E` = OK, `C` or `X` = cancel, `<` = backspace, `*` = clear,
    /// `T` = silence (time out). Spaces are ignored.
    public static func parse(_ text: String) throws(KeypadScriptError) -> [Step] {
        var out: [Step] = []
        for (offset, character) in text.enumerated() {
            switch character {
            case "0"..."9": out.append(.key(.digit(UInt8(character.wholeNumberValue ?? 0))))
            case "#", "E", "e": out.append(.key(.enter))
            case "C", "c", "X", "x": out.append(.key(.cancel))
            case "<": out.append(.key(.backspace))
            case "*": out.append(.key(.clear))
            case "T", "t": out.append(.silence)
            case " ": continue
            default: throw .unknownCharacter(character, offset: offset)
            }
        }
        return out
    }
}

/// Why a keypad script cannot be parsed.
public enum KeypadScriptError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownCharacter(Character, offset: Int)

    public var description: String {
        switch self {
        case .unknownCharacter(let c, let offset):
            return "'\(c)' at position \(offset + 1) is not a key: use 0-9, # (OK), C (cancel), < (back), * (clear), T (time out)"
        }
    }
}

/// Seconds as a Double, for NSCondition (file-private: VirtualReader has a public `Duration.seconds`).
private func timeInterval(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
