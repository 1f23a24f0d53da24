/// Why the card is not (or no longer) connected to vpcd, worded for the person running the simulator.
public enum VPCDLinkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Nothing listens on the port.
    case refused(String)
    /// No route to the host or network.
    case unreachable(String)
    /// The host did not answer the connection attempt in time (within this limit, when known).
    case connectTimedOut(String, Duration?)
    /// vpcd closed the connection (pcscd stopped or restarted, or vpcd gave up on the card).
    case closedByDriver(String)
    /// vpcd's side reset the connection.
    case resetByDriver(String)
    /// vpcd sent something the protocol does not allow.
    case protocolViolation(VPCDProtocolError)
    /// The card closed the connection itself (no card, removed mid-command, or a reply that cannot be framed).
    case hungUp(VPCDHangUpReason)
    /// The card stayed mute for the configured time, so the connection was dropped to free pcscd.
    case muteTimeout(Duration)
    /// Any other operating-system failure.
    case system(action: String, reason: String)

    public var description: String {
        switch self {
        case .refused(let endpoint):
            return "nothing listens on \(endpoint) (connection refused): is pcscd running with vpcd configured for this port? "
                + "A socket-activated pcscd loads vpcd only when the first PC/SC client connects"
        case .unreachable(let endpoint):
            return "no route to \(endpoint): check the address and the network (VPN, host-only adapter)"
        case .connectTimedOut(let endpoint, let limit):
            let within = limit.map { " within \($0.millisecondsText)" } ?? " in time"
            return "\(endpoint) did not answer\(within): a firewall may be dropping the connection"
        case .closedByDriver(let endpoint):
            return "vpcd at \(endpoint) closed the connection (pcscd stopped or restarted, or vpcd dropped the card)"
        case .resetByDriver(let endpoint):
            return "vpcd at \(endpoint) reset the connection"
        case .protocolViolation(let error):
            return "protocol error: \(error)"
        case .hungUp(let reason):
            return "the card closed the connection: \(reason)"
        case .muteTimeout(let limit):
            return "the card did not answer for \(limit.millisecondsText), so the connection was dropped "
                + "(vpcd has no timeout of its own; pcscd reports the card removed)"
        case .system(let action, let reason):
            return "could not \(action): \(reason)"
        }
    }
}

extension Duration {
    /// "800 ms", "2 s".
    var millisecondsText: String {
        let ms = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        if ms >= 1000 && ms % 1000 == 0 { return "\(ms / 1000) s" }
        return "\(ms) ms"
    }
}
