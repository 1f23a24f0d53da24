import Foundation
import TestSupport
import Testing

@testable import VirtualReader

/// Who may talk to the simulator: control requests only from its owner (or root) over the Unix
/// socket, judged by the kernel's peer credentials and not only by the socket's file mode; TCP
/// only on loopback and never for control.
@Suite("Simulator access control", .serialized)
struct AccessControlTests {
    static let nobody: uid_t = 65534

    @Test func theDefaultPolicyAdmitsControlFromTheOwnerAndRootOnly() {
        let policy = OwnerControlPolicy(owner: 1000)
        let peer = { (uid: uid_t) in PeerTransport.unix(PeerCredentials(pid: 42, uid: uid, gid: uid)) }
        #expect(policy.refusal(role: .control, transport: peer(1000)) == nil)
        #expect(policy.refusal(role: .control, transport: peer(0)) == nil)
        let other = policy.refusal(role: .control, transport: peer(1001))
        #expect(other?.contains("user 1001 may not control this simulator") == true && other?.contains("user 1000") == true)
        #expect(policy.refusal(role: .control, transport: .unix(nil)) != nil)
        #expect(policy.refusal(role: .control, transport: .tcp)?.contains("Unix socket only") == true)
        #expect(OwnerControlPolicy(owner: 1000, admitsRoot: false).refusal(role: .control, transport: peer(0)) != nil)
        // The IFD handler's connections are left to the socket's file mode and to loopback.
        for role in [ConnectionRole.command, .event] {
            #expect(policy.refusal(role: role, transport: peer(1001)) == nil)
            #expect(policy.refusal(role: role, transport: .tcp) == nil)
        }
    }

    /// A running simulator on a socket everybody may open (mode 0666), in a directory everybody may enter.
    func simulator(policy: any ConnectionPolicy = OwnerControlPolicy(), tcpPort: UInt16? = nil) throws -> (ReaderSimulator, String) {
        let directory = Fixtures.temporaryDirectory("access")
        chmod(directory.path, 0o755)
        let path = directory.appendingPathComponent("sim.sock").path
        var configuration = ReaderSimulator.Configuration(
            addresses: [.unix(path)] + (tcpPort.map { [.tcp(host: "127.0.0.1", port: $0)] } ?? []))
        configuration.socketMode = 0o666
        configuration.slotCount = 1
        configuration.policy = policy
        let simulator = try ReaderSimulator(configuration)
        simulator.start()
        return (simulator, path)
    }

    /// HELLO with `role` on a fresh connection: the reply's frame type and, for ERROR, its code.
    func hello(_ address: SocketAddress, role: ConnectionRole) throws -> (FrameType, UInt16?) {
        let connection = try SocketConnection.connect(to: address)
        defer { connection.close() }
        try connection.write(WireFrame(.hello, slot: 0, payload: [0, 1, role.rawValue]))
        let reply = try connection.readFrame(timeout: .seconds(5))
        return (
            reply.type, reply.type == .error && reply.payload.count >= 2 ? UInt16(reply.payload[0]) << 8 | UInt16(reply.payload[1]) : nil
        )
    }

    @Test func theServerJudgesThePeerByItsKernelCredentialsNotByTheFileMode() throws {
        // An owner that is not us and no root exception: the socket's mode lets us in, the credentials do not.
        let (strict, path) = try simulator(policy: OwnerControlPolicy(owner: geteuid() &+ 4242, admitsRoot: false))
        defer { strict.stop() }
        #expect(try hello(.unix(path), role: .control) == (.error, WireErrorCode.notPermitted.rawValue))
        #expect(throws: ReaderError.self) { try ControlClient(address: .unix(path)).send(.status) }
        do {
            _ = try ControlClient(address: .unix(path)).send(.status)
        } catch {
            #expect(error.description.contains("the simulator refused: user \(geteuid()) may not control this simulator"))
        }
        // The handler's roles are still served.
        #expect(try hello(.unix(path), role: .command).0 == .helloAck)
        #expect(try hello(.unix(path), role: .event).0 == .helloAck)

        let (owned, ownedPath) = try simulator()
        defer { owned.stop() }
        #expect(try ControlClient(address: .unix(ownedPath)).send(.status).ok)
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func anotherUserIsRefusedEvenWhenTheSocketModeLetsThemConnect() throws {
        let (simulator, path) = try simulator()
        defer { simulator.stop() }
        #expect(try helloAs(Self.nobody, path: path, role: 2) == "error 7")
        #expect(try helloAs(Self.nobody, path: path, role: 0) == "ack")
        // With the default mode 0600 the file mode alone already keeps them out.
        chmod(path, 0o600)
        #expect(try helloAs(Self.nobody, path: path, role: 2) == "connect refused: 13")
    }

    /// Runs a tiny client as user `uid` (setpriv): "ack", "error CODE", or "connect refused: ERRNO".
    func helloAs(_ uid: uid_t, path: String, role: Int) throws -> String {
        let script = """
            import socket, struct, sys
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(sys.argv[1])
            except OSError as e:
                print("connect refused: %d" % e.errno); sys.exit(0)
            s.sendall(struct.pack(">BBIHB", 1, 0, 3, 1, int(sys.argv[2])))
            t, slot, n = struct.unpack(">BBI", s.recv(6, socket.MSG_WAITALL))
            body = s.recv(n, socket.MSG_WAITALL)
            print("ack" if t == 0x81 else "error %d" % struct.unpack(">H", body[:2])[0])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "/usr/bin/python3", "-c", script, path, String(role)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    @Test func tcpListensOnLoopbackOnlyAndCarriesNoControl() throws {
        for remote in ["tcp:0.0.0.0:35900", "tcp:192.0.2.7:35900", "tcp:[::]:35900", "tcp:example.org:35900"] {
            #expect(throws: SocketError.self) { try SocketAddress(remote) }
        }
        #expect(try SocketAddress("tcp:localhost:35900") == .tcp(host: "127.0.0.1", port: 35900))
        // Even a hand-made address with another host binds the loopback address.
        let listener = try SocketListener(address: .tcp(host: "0.0.0.0", port: 0))
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener.fd, $0, &length) }
        }
        #expect(named == 0 && UInt32(bigEndian: bound.sin_addr.s_addr) == 0x7F00_0001)

        let port = UInt16(bigEndian: bound.sin_port)
        listener.close()
        let (simulator, _) = try simulator(tcpPort: port)
        defer { simulator.stop() }
        let tcp = SocketAddress.tcp(host: "127.0.0.1", port: port)
        #expect(try hello(tcp, role: .control) == (.error, WireErrorCode.notPermitted.rawValue))
        #expect(try hello(tcp, role: .command).0 == .helloAck)
    }
}
