import Foundation
import Glibc
import Testing

@testable import VirtualReader

/// A connection that polls before it sleeps reads exactly what a sleeping one reads: frames that
/// come inside the window, after it, split across it, and the peer's end.
@Suite("Busy-polling reads")
struct BusyPollTests {
    /// Two connected stream sockets: the reading side (polling for `window`) and the peer's.
    func pair(window: Duration) throws -> (reader: SocketConnection, peer: SocketConnection) {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        let reader = SocketConnection(fd: fds[0])
        reader.busyPoll = window
        return (reader, SocketConnection(fd: fds[1]))
    }

    /// Writes `bytes` from another thread after `delay`.
    func send(_ bytes: [UInt8], on peer: SocketConnection, after delay: Duration) {
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18 + Double(delay.components.seconds))
            _ = bytes.withUnsafeBytes { Glibc.send(peer.fd, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    let frame = WireFrame(.transmit, slot: 0, payload: [0x00, 0x84, 0x00, 0x00, 0x08])

    @Test(arguments: [Duration.zero, .milliseconds(20), .milliseconds(200)])
    func aFrameWithinOrAfterTheWindowIsRead(delay: Duration) throws {
        let (reader, peer) = try pair(window: .milliseconds(50))
        send(frame.encoded, on: peer, after: delay)
        let read = try reader.readFrame()
        #expect(read.type == .transmit && read.payload == frame.payload)
    }

    @Test func aFrameSplitAcrossTheWindowIsReadWhole() throws {
        let (reader, peer) = try pair(window: .milliseconds(10))
        let bytes = frame.encoded
        send(Array(bytes.prefix(3)), on: peer, after: .zero)
        send(Array(bytes.dropFirst(3)), on: peer, after: .milliseconds(100))
        #expect(try reader.readFrame().payload == frame.payload)
    }

    @Test func aSlowPeerIsWaitedForAsleepUntilItIsQuickAgain() throws {
        let (reader, peer) = try pair(window: .milliseconds(20))
        #expect(reader.pollsNext)
        send(frame.encoded, on: peer, after: .milliseconds(100))  // later than the window
        _ = try reader.readFrame()
        #expect(!reader.pollsNext)
        send(frame.encoded, on: peer, after: .zero)  // within it
        _ = try reader.readFrame()
        #expect(reader.pollsNext)
    }

    @Test func thePeersEndIsSeenWhilePolling() throws {
        let (reader, peer) = try pair(window: .seconds(5))
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.01)
            peer.close()
        }
        let started = ContinuousClock.now
        #expect(throws: SocketError.closed) { try reader.readFrame() }
        #expect(ContinuousClock.now - started < .seconds(5))  // not after the window: at once
    }
}
