/// A credential's retry counter as the empty VERIFY (case 1) reports it, with one meaning for
/// everyone who reads one: the script runner, the reference client, kakunin and client-check.
public enum RetryCounter: Hashable, Sendable, CustomStringConvertible {
    /// `63Cx` with x ≥ 1: this many tries are left.
    case triesLeft(Int)
    /// `63C0` or `6984`: no try is left; the credential is blocked.
    case blocked
    /// Any other answer: the reference is no credential with a counter (e.g. `6A88`, `6A82`,
    /// `6986`), with the status word the card gave.
    case noCounter(StatusWord)

    /// The counter an empty VERIFY's status word reports.
    public init(queryStatus status: StatusWord) {
        if let left = status.retriesLeft {
            self = left == 0 ? .blocked : .triesLeft(left)
        } else if status == .authenticationMethodBlocked {
            self = .blocked
        } else {
            self = .noCounter(status)
        }
    }

    /// Tries left, 0 when blocked, nil without a counter.
    public var remaining: Int? {
        switch self {
        case .triesLeft(let n): return n
        case .blocked: return 0
        case .noCounter: return nil
        }
    }

    /// Why a value must not be sent against this counter, or nil when it may: never to a blocked
    /// credential (it cannot succeed), never with one try left unless the caller confirmed it (a
    /// wrong value would block the credential for good).
    public func refusal(confirmedLastTry: Bool) -> RetryRefusal? {
        switch self {
        case .blocked: return .blocked
        case .triesLeft(1) where !confirmedLastTry: return .lastTry
        case .triesLeft, .noCounter: return nil
        }
    }

    public var description: String {
        switch self {
        case .triesLeft(let n): return "\(n) \(n == 1 ? "try" : "tries") left"
        case .blocked: return "blocked"
        case .noCounter(let status): return "no retry counter (\(status): \(status.meaning))"
        }
    }
}

/// Why a credential was not sent.
public enum RetryRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// The credential is blocked.
    case blocked
    /// One try is left and sending it was not confirmed.
    case lastTry

    public var description: String {
        switch self {
        case .blocked: return "the credential is blocked; nothing was sent"
        case .lastTry: return "only one try is left; not sent without confirmation (a wrong value would block it)"
        }
    }
}

extension CardChannel {
    /// The retry counter of the credential `p2` names, without using a try.
    public mutating func retryCounter(p2: UInt8) throws -> RetryCounter {
        RetryCounter(queryStatus: try transmit(.retryCounterQuery(p2: p2)).status)
    }
}
