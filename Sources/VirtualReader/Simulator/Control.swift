import Foundation

/// Requests on a control connection (`mynasim card`, `mynasim status`), as JSON.
public enum ControlRequest: Codable, Hashable, Sendable {
    case insert(slot: Int, card: String)
    case remove(slot: Int)
    case status
    case configure(slot: Int, profile: TimingProfile?, faults: FaultPlan?)
    /// Restore the slot's card to its issued state (counters, changed PINs): a disposable card.
    case restore(slot: Int)
    /// Connect the slot's card out to a vpcd reader driver at `endpoint` (HOST:PORT).
    case connectVPCD(slot: Int, endpoint: String, allowRemote: Bool)
    /// End the slot's vpcd link.
    case disconnectVPCD(slot: Int)
    /// Queue key presses on the PIN pad of the emulated reader serving the slot (`0`–`9`, `#` OK,
    /// `C` cancel, `<` back, `*` clear, `T` no key until the reader times out).
    case keypad(slot: Int, keys: String)
    /// Put a reader quirk profile in front of the slot (nil: a faultless reader again).
    case readerProfile(slot: Int, profile: ReaderProfile?)
}

/// The answer to a control request.
public struct ControlReply: Codable, Hashable, Sendable {
    public var ok: Bool
    public var error: String?
    public var status: SimulatorStatus?

    public static func failure(_ message: String) -> ControlReply { ControlReply(ok: false, error: message, status: nil) }
}

/// The whole simulator as `mynasim status` shows it.
public struct SimulatorStatus: Codable, Hashable, Sendable {
    public var listening: [String]
    public var slots: [SlotStatus]
    public var connections: [String: Int]
}

/// Talks to a running simulator's control interface.
public struct ControlClient: Sendable {
    public let address: SocketAddress

    public init(address: SocketAddress) { self.address = address }

    public func send(_ request: ControlRequest) throws(ReaderError) -> ControlReply {
        do {
            let connection = try SocketConnection.connect(to: address)
            defer { connection.close() }
            try connection.write(
                WireFrame(
                    .hello, slot: 0, payload: [0, UInt8(WireProtocol.version), ConnectionRole.control.rawValue] + Array("mynasim-cli".utf8))
            )
            let ack = try connection.readFrame(timeout: .seconds(5))
            if ack.type == .error, ack.payload.count >= 2 {
                throw ReaderError.controlFailed(
                    "\(address): the simulator refused: \(String(decoding: ack.payload.dropFirst(2), as: UTF8.self))")
            }
            guard ack.type == .helloAck else { throw ReaderError.controlFailed("\(address): unexpected answer to HELLO") }
            try connection.write(WireFrame(.control, slot: 0, payload: Array(try JSONEncoder().encode(request))))
            let reply = try connection.readFrame(timeout: .seconds(30))
            guard reply.type == .controlReply else { throw ReaderError.controlFailed("\(address): unexpected frame \(reply.type)") }
            return try JSONDecoder().decode(ControlReply.self, from: Data(reply.payload))
        } catch let error as ReaderError {
            throw error
        } catch let error as SocketError {
            throw .controlFailed(
                "cannot reach the simulator at \(address): \(error) (is `mynasim serve` running? set --socket or MYNASIM_SOCKET)")
        } catch {
            throw .controlFailed("\(address): \(error)")
        }
    }
}
