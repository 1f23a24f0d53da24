import Glibc

/// The card's TCP connection to vpcd: TCP_NODELAY, TCP_QUICKACK on request, whole-frame sends,
/// waits that a ``VPCDWakePipe`` can interrupt, and an abortive close. Used by one thread at a time.
final class VPCDConnection: @unchecked Sendable {
    private(set) var fd: Int32
    let endpoint: String

    private init(fd: Int32, endpoint: String) {
        self.fd = fd
        self.endpoint = endpoint
    }

    deinit { close() }

    /// How long one reply may take to leave (it fits the socket buffer unless vpcd stopped reading).
    static let sendTimeoutSeconds = 10

    /// Outcome of waiting for data.
    enum Readiness { case readable, woken, timedOut }

    /// Connects to the first address of `endpoint` that accepts. Returns nil when woken first.
    static func connect(to endpoint: VPCDEndpoint, timeout: Duration, wake: VPCDWakePipe) throws(VPCDLinkError) -> VPCDConnection? {
        var lastError = VPCDLinkError.refused(endpoint.description)
        for address in endpoint.addresses {
            let family = address.isV4 ? AF_INET : AF_INET6
            let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw .system(action: "create a socket", reason: String(cString: strerror(errno))) }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            let started = address.withSockaddr(port: endpoint.port) { Glibc.connect(fd, $0, $1) } == 0 ? 0 : errno
            var failure = started
            if started == EINPROGRESS {
                var pfds = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0), pollfd(fd: wake.readFD, events: Int16(POLLIN), revents: 0)]
                var r: Int32
                repeat { r = poll(&pfds, 2, Optional(timeout).pollMilliseconds) } while r < 0 && errno == EINTR
                if pfds[1].revents != 0 {
                    Glibc.close(fd)
                    return nil
                }
                if r == 0 {
                    Glibc.close(fd)
                    lastError = .connectTimedOut(endpoint.description, timeout)
                    continue
                }
                var soError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
                failure = soError
            }
            guard failure == 0 else {
                Glibc.close(fd)
                lastError = Self.error(failure, endpoint: endpoint.description, action: "connect to vpcd at \(endpoint)")
                continue
            }
            _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            // vpcd always reads a reply at once; a send that cannot finish in this time means it stopped.
            var sendLimit = timeval(tv_sec: Self.sendTimeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendLimit, socklen_t(MemoryLayout<timeval>.size))
            return VPCDConnection(fd: fd, endpoint: endpoint.description)
        }
        throw lastError
    }

    /// Asks the kernel to acknowledge the next segment at once instead of delaying the ACK by up to
    /// 40 ms. Linux drops back to delayed ACKs by itself, so this is set again before every wait.
    /// It is what keeps Debian 12's vpcd 0.8 (length and payload in two sends, Nagle on) fast.
    func armQuickACK() {
        #if os(Linux)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), Int32(TCP_QUICKACK), &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }

    /// Waits until data (or EOF) can be read, the wake pipe fires, or `timeout` passes (nil: forever).
    func waitReadable(wake: VPCDWakePipe, timeout: Duration?) -> Readiness {
        var pfds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.readFD, events: Int16(POLLIN), revents: 0)]
        var r: Int32
        repeat { r = poll(&pfds, 2, timeout.pollMilliseconds) } while r < 0 && errno == EINTR
        if pfds[1].revents != 0 { return .woken }
        if r == 0 { return .timedOut }
        return .readable
    }

    /// Reads what is available (at most `buffer.count` bytes). 0 means vpcd closed the connection.
    func receive(into buffer: inout [UInt8]) throws(VPCDLinkError) -> Int {
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw Self.error(errno, endpoint: endpoint, action: "read from vpcd at \(endpoint)")
        }
    }

    /// Sends a whole frame in one call (the kernel may still split it; the loop finishes it).
    func send(_ bytes: [UInt8]) throws(VPCDLinkError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.error(errno, endpoint: endpoint, action: "send to vpcd at \(endpoint)")
            }
            offset += n
        }
    }

    /// Closes with a TCP reset rather than an orderly FIN, so a vpcd blocked in recv fails at once.
    func abort() {
        guard fd >= 0 else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    /// Orderly close (FIN). Idempotent.
    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    static func error(_ code: Int32, endpoint: String, action: String) -> VPCDLinkError {
        switch code {
        case ECONNREFUSED: return .refused(endpoint)
        case ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN: return .unreachable(endpoint)
        case ETIMEDOUT: return .connectTimedOut(endpoint, nil)
        case ECONNRESET, EPIPE: return .resetByDriver(endpoint)
        case EAGAIN:  // (EWOULDBLOCK is the same value on Linux)
            return .system(action: action, reason: "vpcd has not read anything for \(sendTimeoutSeconds) s")
        default: return .system(action: action, reason: String(cString: strerror(code)))
        }
    }
}

extension VPCDAddress {
    var isV4: Bool { if case .v4 = self { return true } else { return false } }

    /// Calls `body` with a sockaddr for this address and `port`.
    func withSockaddr<R>(port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch self {
        case .v4(let bytes):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: bytes) }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6(let bytes):
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: bytes) }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }
}
