import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A connected stream socket with frame I/O and bounded waits. Closed on deinit.
public final class SocketConnection: @unchecked Sendable {
    public let fd: Int32
    private let writeLock = NSLock()
    private var closed = false
    private let closeLock = NSLock()

    public init(fd: Int32) { self.fd = fd }

    deinit {
        close()
        inbox.deallocate()
    }

    /// Closes the socket (idempotent); a thread blocked reading it wakes with EOF.
    public func close() {
        closeLock.withLock {
            guard !closed else { return }
            closed = true
            shutdown(fd, Int32(SHUT_RDWR))
            Glibc.close(fd)
        }
    }

    /// The peer's credentials (`SO_PEERCRED`), meaningful on a Unix socket only; nil when the
    /// kernel gives none.
    public var peerCredentials: PeerCredentials? {
        var raw = [UInt32](repeating: 0, count: 3)  // struct ucred: pid, uid, gid
        var length = socklen_t(raw.count * MemoryLayout<UInt32>.size)
        let result = raw.withUnsafeMutableBytes { getsockopt(fd, SOL_SOCKET, SO_PEERCRED, $0.baseAddress, &length) }
        guard result == 0, length == socklen_t(raw.count * MemoryLayout<UInt32>.size) else { return nil }
        return PeerCredentials(pid: Int32(bitPattern: raw[0]), uid: uid_t(raw[1]), gid: gid_t(raw[2]))
    }

    /// Writes one frame with a single send.
    public func write(_ frame: WireFrame) throws(SocketError) {
        let bytes = frame.encoded
        try writeLock.locked { () throws(SocketError) in
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .io("sending to the other side failed: " + String(cString: strerror(errno)))
                }
                offset += n
            }
        }
    }

    /// Bytes received but not yet taken as a frame (a frame and the start of the next can arrive
    /// in one `recv`): `inbox[inboxStart..<inboxEnd]`. Only the connection's one reading thread
    /// touches it; it is allocated once, with room for the largest frame, and never zero-filled.
    private let inbox = UnsafeMutableRawBufferPointer.allocate(
        byteCount: 2 * (WireProtocol.headerLength + WireProtocol.maxPayload), alignment: 1)
    private var inboxStart = 0
    private var inboxEnd = 0

    /// How long an untimed read polls the socket before it sleeps in `recv` (zero: it sleeps at
    /// once). A peer whose next frame comes within the window costs no wake-up of this thread —
    /// on a small virtual machine a wake-up from idle is the largest cost of an exchange
    /// (docs/performance.md). The poll yields the processor on every turn, so a runnable thread
    /// on the same core goes first. Set before the connection's reading thread starts.
    public var busyPoll: Duration = .zero
    /// Whether the next untimed read polls: only while the peer's frames come within the window.
    /// A peer slower than that (a client that thinks between commands, or one starved of processor
    /// time on a loaded machine) gets a thread that sleeps at once, until a frame comes quickly again.
    private(set) var pollsNext = true

    /// Receives at least once more into the inbox, waiting at most `timeout` (nil: forever).
    private func receiveMore(timeout: Duration?) throws(SocketError) {
        if inboxStart > 0 {
            if inboxEnd > inboxStart {
                inbox.baseAddress!.copyMemory(from: inbox.baseAddress! + inboxStart, byteCount: inboxEnd - inboxStart)
            }
            inboxEnd -= inboxStart
            inboxStart = 0
        }
        let adaptive = timeout == nil && busyPoll > .zero
        let waitStarted = ContinuousClock.now
        if adaptive, pollsNext {
            let until = waitStarted + busyPoll
            repeat {
                let n = recv(fd, inbox.baseAddress! + inboxEnd, inbox.count - inboxEnd, Int32(MSG_DONTWAIT))
                if n > 0 {
                    inboxEnd += n
                    return
                }
                if n == 0 { throw .closed }
                guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { break }  // the blocking recv reports it
                sched_yield()
            } while ContinuousClock.now < until
        }
        defer { if adaptive { pollsNext = ContinuousClock.now - waitStarted < busyPoll } }
        while true {
            if let timeout {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let r = poll(&pfd, 1, Int32(timeout.wholeMilliseconds))
                if r == 0 { throw .timeout }
                if r < 0 {
                    if errno == EINTR { continue }
                    throw .io("waiting for the other side failed: " + String(cString: strerror(errno)))
                }
            }
            let n = recv(fd, inbox.baseAddress! + inboxEnd, inbox.count - inboxEnd, 0)
            if n > 0 {
                inboxEnd += n
                return
            }
            if n == 0 { throw .closed }
            if errno == EINTR { continue }
            throw .io("receiving from the other side failed: " + String(cString: strerror(errno)))
        }
    }

    /// Reads one frame, with as few `recv` calls as the bytes arrive in (usually one); an
    /// oversized or unknown frame is an error (the caller closes). `timeout` bounds each wait.
    public func readFrame(timeout: Duration? = nil) throws(SocketError) -> WireFrame {
        while inboxEnd - inboxStart < WireProtocol.headerLength { try receiveMore(timeout: timeout) }
        let header = inbox[inboxStart..<inboxStart + WireProtocol.headerLength]
        let h = header.startIndex
        let length = Int(header[h + 2]) << 24 | Int(header[h + 3]) << 16 | Int(header[h + 4]) << 8 | Int(header[h + 5])
        guard length <= WireProtocol.maxPayload else { throw .badFrame("payload of \(length) bytes exceeds \(WireProtocol.maxPayload)") }
        guard let type = FrameType(rawValue: header[h]) else { throw .badFrame("unknown frame type \(header[h])") }
        let slot = header[h + 1]
        while inboxEnd - inboxStart < WireProtocol.headerLength + length { try receiveMore(timeout: timeout) }
        let start = inboxStart + WireProtocol.headerLength
        let frame = WireFrame(type, slot: slot, payload: Array(inbox[start..<start + length]))
        inboxStart = start + length
        if inboxStart == inboxEnd {
            inboxStart = 0
            inboxEnd = 0
        }
        return frame
    }

    /// Connects to a Unix socket path or `tcp:HOST:PORT`.
    public static func connect(to address: SocketAddress) throws(SocketError) -> SocketConnection {
        let fd = try address.makeSocket()
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw .io("cannot connect to \(address): \(reason)")
        }
        return SocketConnection(fd: fd)
    }
}

/// Where the simulator listens: a Unix socket path, or TCP on a loopback address.
public enum SocketAddress: Sendable, CustomStringConvertible, Hashable {
    case unix(String)
    case tcp(host: String, port: UInt16)

    /// Parses `PATH` or `tcp:HOST:PORT`.
    public init(_ text: String) throws(SocketError) {
        if text.hasPrefix("tcp:") {
            let rest = text.dropFirst(4)
            guard let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]) else {
                throw .badAddress("\(text): expected tcp:HOST:PORT")
            }
            let host = String(rest[..<colon])
            guard host == "127.0.0.1" || host == "localhost" else {
                throw .badAddress("\(text): the simulator listens on loopback only (tcp:127.0.0.1:PORT)")
            }
            self = .tcp(host: "127.0.0.1", port: port)
        } else {
            guard text.utf8.count < 108 else { throw .badAddress("\(text): a Unix socket path must be shorter than 108 bytes") }
            self = .unix(text)
        }
    }

    public var description: String {
        switch self {
        case .unix(let path): return path
        case .tcp(let host, let port): return "tcp:\(host):\(port)"
        }
    }

    func makeSocket() throws(SocketError) -> Int32 {
        let domain: Int32
        switch self {
        case .unix: domain = AF_UNIX
        case .tcp: domain = AF_INET
        }
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .io("cannot open a socket: " + String(cString: strerror(errno))) }
        if case .tcp = self {
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        return fd
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch self {
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: Array(path.utf8) + [0])
            }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        case .tcp(_, let port):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }
}

/// A listening socket.
public final class SocketListener: @unchecked Sendable {
    public let fd: Int32
    public let address: SocketAddress

    /// Binds and listens. A Unix socket gets `mode` (0600 by default); a stale socket file
    /// left by a dead simulator is replaced, a live one is an error.
    public init(address: SocketAddress, mode: mode_t = 0o600) throws(SocketError) {
        self.address = address
        if case .unix(let path) = address, FileManager.default.fileExists(atPath: path) {
            if let probe = try? SocketConnection.connect(to: address) {
                probe.close()
                throw .inUse("\(path): another simulator is listening here")
            }
            unlink(path)
        }
        fd = try address.makeSocket()
        let old = umask(0o177)
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        umask(old)
        guard bound == 0 else {
            let code = errno
            Glibc.close(fd)
            if code == EADDRINUSE { throw .inUse("another process is listening on \(address); stop it or choose another address") }
            throw .io("cannot listen on \(address): " + String(cString: strerror(code)))
        }
        if case .unix(let path) = address { chmod(path, mode) }
        guard listen(fd, 64) == 0 else {
            Glibc.close(fd)
            throw .io("cannot listen on \(address): " + String(cString: strerror(errno)))
        }
    }

    /// The TCP port the listener is bound to (the kernel's choice when asked for port 0); 0 for a Unix socket.
    public var boundPort: UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0, address.sin_family == sa_family_t(AF_INET) else { return 0 }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Waits for the next connection; nil once the listener is closed.
    public func accept() -> SocketConnection? {
        while true {
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 {
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                if case .tcp = address {
                    var one: Int32 = 1
                    setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                }
                return SocketConnection(fd: client)
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    /// Stops listening and removes a Unix socket file.
    public func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
        if case .unix(let path) = address { unlink(path) }
    }
}

/// Socket failures.
public enum SocketError: Error, Hashable, Sendable, CustomStringConvertible {
    case io(String)
    case timeout
    case closed
    case badFrame(String)
    case badAddress(String)
    case inUse(String)

    public var description: String {
        switch self {
        case .io(let message): return message
        case .timeout: return "timed out"
        case .closed: return "connection closed"
        case .badFrame(let message): return "bad frame: \(message)"
        case .badAddress(let message): return message
        case .inUse(let message): return message
        }
    }
}
