/// How a ``VPCDLink`` connects and behaves.
public struct VPCDLinkConfiguration: Sendable {
    /// vpcd's address for this slot (see ``VPCDEndpoint/slot(_:)``).
    public var endpoint: VPCDEndpoint
    /// Set TCP_QUICKACK before every wait for data. Without it, Debian 12's vpcd 0.8 takes ~44 ms per
    /// message (it sends length and payload separately with Nagle on). Harmless with vpcd ≥ 0.9.
    public var quickACK = true
    /// How long one connection attempt may take.
    public var connectTimeout: Duration = .seconds(2)
    /// Delays between failed attempts (reset once vpcd has sent a request).
    public var backoff = ReconnectBackoff()
    /// How long a mute card holds vpcd before the link drops the connection. vpcd has no timeout, so
    /// while the card is silent the PC/SC reader is blocked for every client; after this time pcscd sees
    /// the card removed (and re-inserted at its next poll). nil: stay silent until the card is removed.
    public var muteTimeout: Duration? = .seconds(15)
    /// While the slot is empty, how often the link checks whether a card was inserted
    /// (``VPCDLink/cardChanged()`` makes it look at once).
    public var cardPollInterval: Duration = .milliseconds(100)

    public init(endpoint: VPCDEndpoint) { self.endpoint = endpoint }
}
