/// Delays between connection attempts: `initial`, doubling up to `maximum`, back to `initial` after a success.
public struct ReconnectBackoff: Hashable, Sendable {
    public var initial: Duration
    public var maximum: Duration
    /// Failed attempts since the last success.
    public private(set) var failures = 0

    public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(2)) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// Records a failed attempt and returns how long to wait before the next one.
    public mutating func nextDelay() -> Duration {
        failures += 1
        var delay = initial
        var doublings = failures - 1
        while doublings > 0 && delay < maximum {
            delay = delay * 2
            doublings -= 1
        }
        return min(delay, maximum)
    }

    /// Records a success: the next failure waits `initial` again.
    public mutating func reset() { failures = 0 }
}
