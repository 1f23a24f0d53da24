import Foundation
import MynaApplications
import MynaPersona

/// The simulator service: N slots served to IFD handlers (and control clients) over the wire
/// protocol, one thread per connection. Blocking I/O on purpose: it is the shortest path from
/// pcscd to the card, and a slot's commands are serialised by pcscd anyway.
public final class ReaderSimulator: @unchecked Sendable {
    /// How a simulator is set up.
    public struct Configuration: Sendable {
        public var slotCount: Int = 2
        public var addresses: [SocketAddress]
        public var socketMode: mode_t = 0o600
        public var profile: TimingProfile = .instant
        public var tracePath: String?

        public init(addresses: [SocketAddress]) { self.addresses = addresses }
    }

    public let slots: [ReaderSlot]
    private let listeners: [SocketListener]
    private let lock = NSLock()
    private var connections: [ObjectIdentifier: (SocketConnection, ConnectionRole?)] = [:]
    private var stopped = false

    public init(_ configuration: Configuration) throws {
        guard (1...16).contains(configuration.slotCount) else {
            throw ReaderError.badArgument("--slots must be 1–16 (pcscd handles at most 16 readers), got \(configuration.slotCount)")
        }
        let trace = try configuration.tracePath.map { path throws(ReaderError) in try TraceWriter(path: path) }
        slots = (0..<configuration.slotCount).map { ReaderSlot(index: $0, profile: configuration.profile, trace: trace) }
        var listeners: [SocketListener] = []
        do {
            for address in configuration.addresses {
                listeners.append(try SocketListener(address: address, mode: configuration.socketMode))
            }
        } catch {
            for listener in listeners { listener.close() }
            throw error
        }
        self.listeners = listeners
    }

    /// Starts accepting connections on every address.
    public func start() {
        for listener in listeners {
            let thread = Thread { [self] in
                while let connection = listener.accept() {
                    register(connection, role: nil)
                    let worker = Thread { [self] in serve(connection) }
                    worker.name = "mynasim-connection"
                    worker.start()
                }
            }
            thread.name = "mynasim-accept"
            thread.start()
        }
    }

    /// Stops listening, closes every connection and removes the cards (releasing their locks).
    public func stop() {
        let open: [SocketConnection]? = lock.withLock {
            guard !stopped else { return nil }
            stopped = true
            return connections.values.map(\.0)
        }
        guard let open else { return }
        for listener in listeners { listener.close() }
        for connection in open { connection.close() }
        for slot in slots { try? slot.remove() }
    }

    public var addresses: [SocketAddress] { listeners.map(\.address) }

    private func register(_ connection: SocketConnection, role: ConnectionRole?) {
        lock.withLock { connections[ObjectIdentifier(connection)] = (connection, role) }
    }

    private func unregister(_ connection: SocketConnection) {
        _ = lock.withLock { connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// One connection, from HELLO to close.
    private func serve(_ connection: SocketConnection) {
        defer {
            unregister(connection)
            connection.close()
        }
        guard let hello = try? connection.readFrame(timeout: .seconds(5)), hello.type == .hello, hello.payload.count >= 3 else { return }
        let version = UInt16(hello.payload[0]) << 8 | UInt16(hello.payload[1])
        guard version == WireProtocol.version else {
            try? connection.write(.error(.unsupportedVersion, slot: hello.slot, "this simulator speaks version \(WireProtocol.version)"))
            return
        }
        guard let role = ConnectionRole(rawValue: hello.payload[2]) else { return }
        let slotIndex = Int(hello.slot)
        if role != .control && slotIndex >= slots.count {
            try? connection.write(.error(.noSuchSlot, slot: hello.slot, "no slot \(slotIndex); the simulator has \(slots.count)"))
            return
        }
        register(connection, role: role)
        do {
            try connection.write(WireFrame(.helloAck, slot: hello.slot, payload: [0, UInt8(WireProtocol.version), UInt8(slots.count)]))
        } catch {
            return
        }
        switch role {
        case .command: serveCommands(connection, slot: slots[slotIndex])
        case .event: serveEvents(connection, slot: slots[slotIndex])
        case .control: serveControl(connection)
        }
    }

    private func serveCommands(_ connection: SocketConnection, slot: ReaderSlot) {
        let slotByte = UInt8(slot.index)
        while let frame = try? connection.readFrame() {
            guard frame.slot == slotByte else { return }  // another slot's frame: close
            let reply: WireFrame?
            switch frame.type {
            case .powerOn, .reset:
                if let atr = slot.power(reset: frame.type == .reset) {
                    reply = WireFrame(.atr, slot: slotByte, payload: atr)
                } else {
                    reply = .error(.noCard, slot: slotByte, "no card in slot \(slot.index)")
                }
            case .powerOff:
                slot.powerOff()
                reply = WireFrame(.ack, slot: slotByte)
            case .transmit:
                guard frame.payload.count >= 4 else { return }
                switch slot.transmit(frame.payload) {
                case .response(let bytes): reply = WireFrame(.response, slot: slotByte, payload: bytes)
                case .noCard: reply = .error(.noCard, slot: slotByte, "no card in slot \(slot.index)")
                case .notPowered: reply = .error(.notPowered, slot: slotByte, "the card in slot \(slot.index) is not powered")
                case .mute: reply = nil  // the card does not answer; the handler times out
                }
            case .status:
                reply = WireFrame(.statusReply, slot: slotByte, payload: slot.statePayload())
            default:
                return  // not allowed on a command connection
            }
            if let reply {
                do { try connection.write(reply) } catch { return }
            }
        }
    }

    private func serveEvents(_ connection: SocketConnection, slot: ReaderSlot) {
        slot.subscribe(connection)
        defer { slot.unsubscribe(connection) }
        // The handler sends nothing after HELLO; any byte or EOF ends the subscription.
        _ = try? connection.readFrame()
    }

    private func serveControl(_ connection: SocketConnection) {
        while let frame = try? connection.readFrame() {
            guard frame.type == .control else { return }
            let reply: ControlReply
            do {
                reply = try handle(JSONDecoder().decode(ControlRequest.self, from: Data(frame.payload)))
            } catch let error as ReaderError {
                reply = .failure(error.description)
            } catch {
                reply = .failure("bad control request: \(error)")
            }
            guard let data = try? JSONEncoder().encode(reply),
                (try? connection.write(WireFrame(.controlReply, slot: 0, payload: Array(data)))) != nil
            else { return }
        }
    }

    func slot(_ index: Int) throws(ReaderError) -> ReaderSlot {
        guard slots.indices.contains(index) else { throw .noSuchSlot(index, count: slots.count) }
        return slots[index]
    }

    /// Carries out a control request (also used in-process by `mynasim serve --card`).
    public func handle(_ request: ControlRequest) throws(ReaderError) -> ControlReply {
        switch request {
        case .insert(let index, let path):
            let directory: PersonaDirectory
            do {
                directory = try PersonaDirectory(url: URL(fileURLWithPath: path).standardizedFileURL)
            } catch {
                throw .cannotInsert(error.description)
            }
            try slot(index).insert(directory)
        case .remove(let index):
            try slot(index).remove()
        case .configure(let index, let profile, let faults):
            try slot(index).configure(profile: profile, faults: faults)
        case .restore(let index):
            try slot(index).restoreIssuedState()
        case .status:
            break
        }
        return ControlReply(ok: true, error: nil, status: status())
    }

    public func status() -> SimulatorStatus {
        let roles: [String] = lock.withLock { connections.values.map { $0.1.map { "\($0)" } ?? "handshake" } }
        return SimulatorStatus(
            listening: listeners.map(\.address.description),
            slots: slots.map { $0.status() },
            connections: Dictionary(roles.map { ($0, 1) }, uniquingKeysWith: +)
        )
    }
}
