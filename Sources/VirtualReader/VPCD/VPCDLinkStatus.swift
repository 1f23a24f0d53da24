import Foundation

/// What a link is doing, for `mynasim status` and logs.
public enum VPCDLinkState: Hashable, Sendable {
    /// Not started, or stopped.
    case stopped
    /// The slot is empty, so the card stays disconnected: vpcd shows the reader empty.
    case waitingForCard
    /// Trying to connect. `retryIn` is set while waiting after a failed attempt.
    case connecting(attempt: Int, retryIn: Duration?, lastError: VPCDLinkError?)
    /// Connected. vpcd accepts a card only at its next presence poll (and only when no other card holds
    /// the slot), so until the first request arrives the connection may still be waiting in its backlog.
    case connected(since: Date, requests: Int)
    /// The card is mute: a request is left unanswered (pcscd's reader is blocked meanwhile).
    case mute(since: Date)
    /// A setting makes connecting impossible; the link has stopped.
    case failed(VPCDEndpointError)
}

/// A link's state with its address, as one line a person can read.
public struct VPCDLinkStatus: Hashable, Sendable, CustomStringConvertible {
    public var endpoint: String
    public var state: VPCDLinkState
    /// Why the last connection ended, if one did.
    public var lastDisconnect: VPCDLinkError?

    public init(endpoint: String, state: VPCDLinkState, lastDisconnect: VPCDLinkError? = nil) {
        self.endpoint = endpoint
        self.state = state
        self.lastDisconnect = lastDisconnect
    }

    public var description: String {
        switch state {
        case .stopped:
            return "stopped (vpcd \(endpoint))"
        case .waitingForCard:
            return "no card in the slot: not connected to vpcd at \(endpoint), which shows the reader empty"
        case .connecting(let attempt, let retryIn, let lastError):
            var text = "connecting to vpcd at \(endpoint) (attempt \(attempt)"
            if let retryIn { text += ", next in \(retryIn.millisecondsText)" }
            text += ")"
            if let lastError { text += ": \(lastError)" }
            return text
        case .connected(let since, let requests):
            let when = since.formatted(.iso8601.time(includingFractionalSeconds: true))
            if requests == 0 {
                return "connected to vpcd at \(endpoint) since \(when), waiting for its first request "
                    + "(vpcd accepts at its next presence poll; if this lasts, another card holds this vpcd slot)"
            }
            return "connected to vpcd at \(endpoint) since \(when), \(requests) requests answered"
        case .mute(let since):
            let when = since.formatted(.iso8601.time(includingFractionalSeconds: true))
            return "connected to vpcd at \(endpoint); the card is mute since \(when) and pcscd waits for it"
        case .failed(let error):
            return "not connecting: \(error)"
        }
    }
}
