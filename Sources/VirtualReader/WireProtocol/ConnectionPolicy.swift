import Foundation

/// Who is at the other end of a Unix-socket connection, as the kernel vouches for it
/// (`SO_PEERCRED`, taken when the peer connected).
public struct PeerCredentials: Hashable, Sendable {
    public var pid: Int32
    public var uid: uid_t
    public var gid: gid_t

    public init(pid: Int32, uid: uid_t, gid: gid_t) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
}

/// How a connection reached the simulator.
public enum PeerTransport: Hashable, Sendable {
    /// The Unix socket; the peer's credentials, or nil when the kernel gave none.
    case unix(PeerCredentials?)
    /// Loopback TCP: any local process can connect, and nothing says which user it runs as.
    case tcp
}

/// Decides which connections the simulator serves, once HELLO has named the connection's role.
public protocol ConnectionPolicy: Sendable {
    /// Nil to serve the connection, or why it is refused (sent to the peer and logged).
    func refusal(role: ConnectionRole, transport: PeerTransport) -> String?
}

/// The default policy (docs/wire-protocol.md, "Who may connect"). Control requests can insert a
/// card from any path the simulator can read, restore counters, inject faults and open vpcd links,
/// so they are served only over the Unix socket and only to the simulator's own user or root
/// (root can read every persona and trace the simulator anyway, and pcscd and `sudo mynasim card`
/// run as root). The IFD handler's command and event connections are whatever the socket's file
/// mode admits (owner and root at the default 0600) and loopback TCP.
public struct OwnerControlPolicy: ConnectionPolicy {
    /// The user the simulator runs as.
    public var owner: uid_t
    /// Whether root may send control requests too.
    public var admitsRoot: Bool

    public init(owner: uid_t = geteuid(), admitsRoot: Bool = true) {
        self.owner = owner
        self.admitsRoot = admitsRoot
    }

    public func refusal(role: ConnectionRole, transport: PeerTransport) -> String? {
        guard role == .control else { return nil }
        switch transport {
        case .tcp:
            return "control requests are served on the simulator's Unix socket only, never over TCP; use --socket PATH"
        case .unix(nil):
            return "the kernel did not say which user is connecting, so control requests are refused"
        case .unix(let peer?):
            if peer.uid == owner || (admitsRoot && peer.uid == 0) { return nil }
            return "user \(peer.uid) may not control this simulator: it runs as user \(owner); run mynasim card and mynasim status as that "
                + "user\(admitsRoot ? " or root" : "")"
        }
    }
}
