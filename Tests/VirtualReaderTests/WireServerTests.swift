import Foundation
import TestSupport
import Testing

@testable import VirtualReader

/// The simulator's side of the wire protocol, over a real Unix socket.
@Suite("Wire server")
struct WireServerTests {
    func simulator() throws -> (ReaderSimulator, SocketAddress) {
        let path = Fixtures.temporaryDirectory("wire").appendingPathComponent("sim.sock").path
        let simulator = try ReaderSimulator(ReaderSimulator.Configuration(addresses: [.unix(path)]))
        simulator.start()
        return (simulator, .unix(path))
    }

    func hello(_ address: SocketAddress, payload: [UInt8]) throws -> WireFrame {
        let connection = try SocketConnection.connect(to: address)
        defer { connection.close() }
        try connection.write(WireFrame(.hello, slot: 0, payload: payload))
        return try connection.readFrame(timeout: .seconds(5))
    }

    @Test func theReaderIdentityGoesOnlyToHandlersThatAskForIt() throws {
        let (simulator, address) = try simulator()
        defer { simulator.stop() }
        // The handler's HELLO: version 1, role 0, "mynasim-ifd", NUL, features 01.
        let asking = try hello(address, payload: [0, 1, 0] + Array("mynasim-ifd".utf8) + [0, 1])
        #expect(asking.type == .helloAck && Array(asking.payload.prefix(3)) == [0, 1, 2])
        let identity = ReaderIdentity(primaryAddress: address)
        #expect(Array(asking.payload.dropFirst(3)) == identity.encoded)
        #expect(identity.serialNumber.hasPrefix("MNS-") && identity.serialNumber.count == 12)
        // A handler from before the identity (no features byte) gets exactly the three bytes.
        #expect(try hello(address, payload: [0, 1, 0] + Array("old-handler".utf8)).payload == [0, 1, 2])
        #expect(try hello(address, payload: [0, 1, 1]).payload == [0, 1, 2])
    }

    @Test func theIdentityEncodingIsTheDocumentsExample() {
        var identity = ReaderIdentity(primaryAddress: nil)
        identity.serialNumber = "MNS-0001"
        identity.firmware = "mynasim 0.1.0"
        let frame = WireFrame(.helloAck, slot: 0, payload: [0, 1, 2] + identity.encoded).encoded
        // docs/wire-protocol.md: 81 00 0000001C 0001 02 01 08 4D4E532D30303031 02 0D 6D796E6173696D20302E312E30
        #expect(frame.map { String(format: "%02X", $0) }.joined() == "81000000001C00010201084D4E532D30303031020D6D796E6173696D20302E312E30")
    }

    @Test func aSlotServedThroughAnotherPathRefusesTheHandler() throws {
        let (simulator, address) = try simulator()
        defer { simulator.stop() }
        try simulator.slots[1].claim(for: .vpcd(endpoint: "127.0.0.1:1"))
        let connection = try SocketConnection.connect(to: address)
        defer { connection.close() }
        try connection.write(WireFrame(.hello, slot: 1, payload: [0, 1, 0]))
        let refusal = try connection.readFrame(timeout: .seconds(5))
        #expect(refusal.type == .error)
        #expect(String(decoding: refusal.payload.dropFirst(2), as: UTF8.self).contains("served through vsmartcard's vpcd"))
    }
}
