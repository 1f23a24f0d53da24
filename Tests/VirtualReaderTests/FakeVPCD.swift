import Foundation
import Glibc

@testable import VirtualReader

/// vpcd's server side, enough to drive a link in tests: listens on 127.0.0.1 (a free port), sends
/// requests the way vpcd does, reads replies. Every wait is bounded so a failing test cannot hang.
final class FakeVPCD: @unchecked Sendable {
    private(set) var listenFD: Int32 = -1
    private(set) var port: UInt16 = 0

    init(port requested: UInt16 = 0) throws {
        listenFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listenFD, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = requested.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listenFD, 0) == 0 else { throw FakeError.setup(String(cString: strerror(errno))) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listenFD, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close() }

    func close() {
        if listenFD >= 0 { Glibc.close(listenFD) }
        listenFD = -1
    }

    var endpoint: VPCDEndpoint { get throws { try VPCDEndpoint(parsing: "127.0.0.1:\(port)") } }

    /// The next card connection, or nil after `timeout`.
    func accept(timeout: Duration = .seconds(5)) -> FakeCardConnection? {
        var pfd = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Optional(timeout).pollMilliseconds) == 1 else { return nil }
        let fd = Glibc.accept(listenFD, nil, nil)
        return fd >= 0 ? FakeCardConnection(fd: fd) : nil
    }
}

enum FakeError: Error { case setup(String) }

/// What the fake read from the card.
enum Received: Equatable {
    case frame([UInt8])
    case closed
    case reset
    case timeout
}

/// One accepted card connection.
final class FakeCardConnection: @unchecked Sendable {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { Glibc.close(fd) }

    /// Sends bytes, optionally in pieces of `chunk` bytes with a pause between them (TCP_NODELAY on,
    /// so each piece leaves as its own segment).
    func send(_ bytes: [UInt8], chunk: Int? = nil, pause: Duration = .milliseconds(2)) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let size = chunk ?? bytes.count
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + size, bytes.count)
            let piece = Array(bytes[offset..<end])
            _ = piece.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, piece.count, Int32(MSG_NOSIGNAL)) }
            offset = end
            if offset < bytes.count { Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) / 1e18) }
        }
    }

    func send(_ request: VPCDRequest) { send(try! VPCDFraming.frame(request.payload)) }

    /// Reads one reply frame.
    func receive(timeout: Duration = .seconds(5)) -> Received {
        guard case .bytes(let header) = read(2, timeout: timeout) else { return lastOutcome }
        let length = Int(header[0]) << 8 | Int(header[1])
        if length == 0 { return .frame([]) }
        guard case .bytes(let payload) = read(length, timeout: timeout) else { return lastOutcome }
        return .frame(payload)
    }

    /// Waits for the card to close the connection: .closed (FIN), .reset (RST) or .timeout.
    func waitForClose(timeout: Duration = .seconds(5)) -> Received {
        switch read(1, timeout: timeout) {
        case .bytes(let b): return .frame(b)
        case .failed: return lastOutcome
        }
    }

    /// Round trip: a request, then its reply.
    func exchange(_ request: VPCDRequest) -> Received {
        send(request)
        return receive()
    }

    private enum ReadResult {
        case bytes([UInt8])
        case failed
    }
    private var lastOutcome = Received.timeout

    private func read(_ count: Int, timeout: Duration) -> ReadResult {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        let deadline = ContinuousClock.now + timeout
        while offset < count {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = deadline - ContinuousClock.now
            guard left > .zero, poll(&pfd, 1, Optional(left).pollMilliseconds) == 1 else {
                lastOutcome = .timeout
                return .failed
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + offset, count - offset, 0) }
            if n == 0 {
                lastOutcome = .closed
                return .failed
            }
            if n < 0 {
                lastOutcome = errno == ECONNRESET ? .reset : .closed
                return .failed
            }
            offset += n
        }
        return .bytes(buffer)
    }
}

/// Polls `condition` every 5 ms until it holds or `timeout` passes.
func eventually(_ timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.005)
    }
    return condition()
}
