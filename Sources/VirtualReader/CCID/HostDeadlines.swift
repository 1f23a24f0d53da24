/// When the host stops waiting for an answer, as far as the reader can know it. Debian's driver
/// measures its read timeout per chunk from the moment it wrote the command; an answer written after
/// that is not read as the answer but stays in the stream, and the link is desynchronised until pcscd
/// restarts. The reader therefore answers within these budgets or not at all: a withheld answer
/// costs one timeout, from which the driver and pcscd recover; a late one costs the link.
public struct HostDeadlines: Hashable, Sendable {
    /// Budget for everything the reader answers by itself. The driver's strictest read timeout is
    /// 100 ms (the second GetSlotStatus and Escape `6A` while it opens the reader); the reader cannot
    /// tell those from the 3 s presence polls, so it keeps the strict budget for all of them.
    public var immediate: Duration
    /// Budget for IccPowerOn (the driver waits 60 s).
    public var powerOn: Duration
    /// Extra time after the card deadline of an XfrBlock (the driver's T=1 timeout is at least BWT + 1 s).
    public var blockMargin: Duration
    /// Margin below the driver's Secure timeout of max(90, bTimeOut + 10) s.
    public var secureMargin: Duration

    public init(
        immediate: Duration = .milliseconds(90), powerOn: Duration = .seconds(50), blockMargin: Duration = .milliseconds(500),
        secureMargin: Duration = .seconds(1)
    ) {
        self.immediate = immediate
        self.powerOn = powerOn
        self.blockMargin = blockMargin
        self.secureMargin = secureMargin
    }

    /// The budgets for Debian 12's libccidtwin.so 1.5.2.
    public static let debianLibccidtwin = HostDeadlines()

    /// The host's wait for a Secure answer with this bTimeOut.
    public func secure(timeoutSeconds: Int) -> Duration { .seconds(max(90, timeoutSeconds + 10)) - secureMargin }
}
