import Foundation

/// The simulator's front door for our IFD handler: listens on its addresses and serves every
/// connection the wire protocol (docs/wire-protocol.md) on a thread of its own. Blocking I/O on
/// purpose: it is the shortest path from pcscd to the card, and pcscd serialises a slot's
/// commands anyway.
final class WireServer: @unchecked Sendable {
    private let listeners: [SocketListener]
    private unowned let simulator: ReaderSimulator
    /// What the handler reports as the reader's serial number and firmware.
    let identity: ReaderIdentity
    private let policy: any ConnectionPolicy
    /// How long a command connection polls for the handler's next frame before it sleeps.
    private let busyPoll: Duration
    private let lock = NSLock()
    private var connections: [ObjectIdentifier: (SocketConnection, ConnectionRole?)] = [:]
    private var stopped = false

    init(
        addresses: [SocketAddress], socketMode: mode_t, policy: any ConnectionPolicy, busyPoll: Duration, simulator: ReaderSimulator
    ) throws {
        self.simulator = simulator
        self.busyPoll = busyPoll
        identity = ReaderIdentity(primaryAddress: addresses.first)
        self.policy = policy
        var listeners: [SocketListener] = []
        do {
            for address in addresses { listeners.append(try SocketListener(address: address, mode: socketMode)) }
        } catch {
            for listener in listeners { listener.close() }
            throw error
        }
        self.listeners = listeners
    }

    var addresses: [SocketAddress] { listeners.map(\.address) }

    /// Starts accepting connections on every address.
    func start() {
        for listener in listeners {
            let thread = Thread { [self] in
                while let connection = listener.accept() {
                    register(connection, role: nil)
                    let worker = Thread { [self] in serve(connection, via: listener.address) }
                    worker.name = "mynasim-connection"
                    worker.start()
                }
            }
            thread.name = "mynasim-accept"
            thread.start()
        }
    }

    /// Stops listening and closes every connection.
    func stop() {
        let open: [SocketConnection]? = lock.withLock {
            guard !stopped else { return nil }
            stopped = true
            return connections.values.map(\.0)
        }
        guard let open else { return }
        for listener in listeners { listener.close() }
        for connection in open { connection.close() }
    }

    /// Connections by role, for `mynasim status`.
    var connectionCounts: [String: Int] {
        let roles: [String] = lock.withLock { connections.values.map { $0.1.map { "\($0)" } ?? "handshake" } }
        return Dictionary(roles.map { ($0, 1) }, uniquingKeysWith: +)
    }

    private func register(_ connection: SocketConnection, role: ConnectionRole?) {
        lock.withLock { connections[ObjectIdentifier(connection)] = (connection, role) }
    }

    private func unregister(_ connection: SocketConnection) {
        _ = lock.withLock { connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// One connection, from HELLO to close.
    private func serve(_ connection: SocketConnection, via address: SocketAddress) {
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
        guard admits(connection, role: role, via: address, slot: hello.slot) else { return }
        let slots = simulator.slots
        let slotIndex = Int(hello.slot)
        if role != .control {
            guard slotIndex < slots.count else {
                try? connection.write(.error(.noSuchSlot, slot: hello.slot, "no slot \(slotIndex); the simulator has \(slots.count)"))
                return
            }
            do {
                try slots[slotIndex].claim(for: .ifdHandler)
            } catch {
                try? connection.write(.error(.noSuchSlot, slot: hello.slot, error.description))
                return
            }
        }
        register(connection, role: role)
        var acknowledgement: [UInt8] = [0, UInt8(WireProtocol.version), UInt8(slots.count)]
        if WireProtocol.helloFeatures(hello.payload) & WireProtocol.acceptsIdentity != 0 { acknowledgement += identity.encoded }
        do {
            try connection.write(WireFrame(.helloAck, slot: hello.slot, payload: acknowledgement))
        } catch {
            return
        }
        switch role {
        case .command:
            connection.busyPoll = busyPoll
            serveCommands(connection, slot: slots[slotIndex])
        case .event: serveEvents(connection, slot: slots[slotIndex])
        case .control: serveControl(connection)
        }
    }

    /// Asks the policy; a refused peer gets ERROR `notPermitted` and the refusal is logged.
    private func admits(_ connection: SocketConnection, role: ConnectionRole, via address: SocketAddress, slot: UInt8) -> Bool {
        let transport: PeerTransport
        if case .unix = address { transport = .unix(connection.peerCredentials) } else { transport = .tcp }
        guard let reason = policy.refusal(role: role, transport: transport) else { return true }
        var peer = "\(address)"
        if case .unix(let credentials?) = transport { peer += " (pid \(credentials.pid), user \(credentials.uid))" }
        FileHandle.standardError.write(Data("mynasim: refused a \(role) connection on \(peer): \(reason)\n".utf8))
        try? connection.write(.error(.notPermitted, slot: slot, reason))
        return false
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
                case .readerError(let reason): reply = .error(.internalError, slot: slotByte, reason)
                }
            case .status:
                reply = WireFrame(.statusReply, slot: slotByte, payload: CardStateFlags.payload(slot.snapshot))
            default:
                return  // not allowed on a command connection
            }
            if let reply {
                do { try connection.write(reply) } catch { return }
            }
        }
    }

    private func serveEvents(_ connection: SocketConnection, slot: ReaderSlot) {
        let subscriber = WireEventSubscriber(connection)
        slot.addObserver(subscriber)
        defer { slot.removeObserver(subscriber) }
        // The handler sends nothing after HELLO; any byte or EOF ends the subscription.
        _ = try? connection.readFrame()
    }

    private func serveControl(_ connection: SocketConnection) {
        while let frame = try? connection.readFrame() {
            guard frame.type == .control else { return }
            let reply: ControlReply
            do {
                reply = try simulator.handle(JSONDecoder().decode(ControlRequest.self, from: Data(frame.payload)))
            } catch let error as ReaderError {
                reply = .failure(error.description)
            } catch {
                reply = .failure("bad control request: not a control message of this mynasim version (JSON)")
            }
            guard let data = try? JSONEncoder().encode(reply),
                (try? connection.write(WireFrame(.controlReply, slot: 0, payload: Array(data)))) != nil
            else { return }
        }
    }
}

/// An IFD handler's event connection watching a slot: every change goes out as CARD_EVENT.
final class WireEventSubscriber: SlotObserver, @unchecked Sendable {
    let connection: SocketConnection

    init(_ connection: SocketConnection) { self.connection = connection }

    func slotDidChange(_ state: SlotSnapshot) {
        do {
            try connection.write(WireFrame(.cardEvent, slot: UInt8(state.slot), payload: CardStateFlags.payload(state)))
        } catch {
            connection.close()  // the event thread sees EOF and unsubscribes
        }
    }
}

extension CardStateFlags {
    /// The card state as STATUS_REPLY and CARD_EVENT carry it: the flags, then the ATR.
    static func payload(_ state: SlotSnapshot) -> [UInt8] {
        var flags: CardStateFlags = []
        if state.present { flags.insert(.present) }
        if state.powered { flags.insert(.powered) }
        if state.extendedLength { flags.insert(.extendedLength) }
        if !state.part10 { flags.insert(.noPart10) }
        return [flags.rawValue] + (state.present ? state.atr ?? [] : [])
    }
}
