import Foundation
import FuzzSupport
import ISO7816
import VirtualReader

// The simulator's wire protocol (docs/wire-protocol.md) as the IFD handler speaks it, through a
// real socket to a running simulator: an input is up to four connections, one after the other,
// each a HELLO (any version, role and slot, or raw bytes) and then frames (power, transmit with
// real or random APDUs, status, frames that are not allowed, raw bytes that break the framing).
// Control connections carry only the status request or JSON that is not a control request (the
// control-request target covers the rest). After the client has sent everything and closed its
// side, the simulator must close the connection within the deadline, and everything it sent
// must be well-formed frames of the types its role allows.

let simulator: ReaderSimulator = {
    let simulator = FuzzSimulator.shared
    simulator.start()
    return simulator
}()
let deadline: Duration = .seconds(5)
let statusJSON = Array(try! JSONEncoder().encode(ControlRequest.status))

/// Real APDUs from the suites (card reference §jpki-host-sequences).
let apdus: [[UInt8]] = [
    "00A4040C0AD392F000260100000001", "00A4020C02000A", "00B0000004", "00A4020C020018", "00200080", "002000800431323334",
    "00A4020C020017", "0084000008", "00B0000000",
].map { try! Hex.decode($0) }

struct Connection {
    var role: UInt8?
    var bytes: [UInt8] = []
    var frames = 0

    mutating func frame(_ type: UInt8, slot: UInt8, _ payload: [UInt8]) {
        let n = UInt32(payload.count)
        bytes += [type, slot, UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + payload
        frames += 1
    }
}

func makeConnection(_ input: inout FuzzInput) -> Connection {
    var connection = Connection()
    let b = input.byte()
    let slot = UInt8((b >> 2) % 3)
    if b % 5 == 4 {
        // Raw bytes for a HELLO; never a control HELLO (control requests are not fuzzed here).
        var raw = input.shortChunk()
        if raw.count >= 9, raw[0] == 0x01, raw[8] == 0x02 { raw[8] = 0x00 }
        connection.bytes = raw
        return connection
    }
    let role = b % 5 == 3 ? input.byte() : b % 5 % 3
    let version: [UInt8] = input.byte() % 16 == 0 ? [input.byte(), input.byte()] : [0, 1]
    connection.role = role
    connection.frame(0x01, slot: slot, version + [role] + Array("fuzz".utf8))
    for _ in 0..<Int(input.byte() % 12) {
        if input.isEmpty { break }
        let kind = input.byte()
        let frameSlot = kind & 0x80 != 0 ? input.byte() : slot
        if role == 2 {
            var payload = kind % 4 == 0 ? input.shortChunk() : statusJSON
            if (try? JSONDecoder().decode(ControlRequest.self, from: Data(payload))) != nil { payload = statusJSON }
            connection.frame(kind % 8 == 7 ? input.byte() : 0x40, slot: frameSlot, payload)
            continue
        }
        switch kind % 10 {
        case 0: connection.frame(0x02, slot: frameSlot, [])
        case 1: connection.frame(0x03, slot: frameSlot, [])
        case 2: connection.frame(0x04, slot: frameSlot, [])
        case 3, 4: connection.frame(0x05, slot: frameSlot, input.pick(apdus))
        case 5: connection.frame(0x05, slot: frameSlot, input.shortChunk())
        case 6: connection.frame(0x06, slot: frameSlot, input.byte() % 4 == 0 ? input.shortChunk() : [])
        case 7: connection.frame(input.byte(), slot: frameSlot, input.shortChunk())
        case 8:  // a header that announces more than follows, or an oversized length
            connection.bytes += [input.pick([0x02, 0x05, 0x06, input.byte()]), frameSlot] + input.bytes(4) + input.shortChunk()
            return connection
        default:
            connection.bytes += input.shortChunk()
            return connection
        }
    }
    return connection
}

/// Opens a connection to the simulator, sends everything, closes the sending side and reads what
/// comes back until the simulator closes.
func exchange(_ connection: Connection) -> [WireFrame] {
    let socket: SocketConnection
    do {
        socket = try SocketConnection.connect(to: .unix(FuzzSimulator.socketPath))
    } catch {
        fuzzCheck(false, "connect to the simulator: \(error)")
        return []
    }
    let fd = socket.fd
    var offset = 0
    while offset < connection.bytes.count {
        let n = connection.bytes.withUnsafeBytes {
            send(fd, $0.baseAddress! + offset, connection.bytes.count - offset, Int32(MSG_NOSIGNAL))
        }
        if n <= 0 { break }  // the simulator closed early: fine
        offset += n
    }
    shutdown(fd, Int32(SHUT_WR))
    var frames: [WireFrame] = []
    while true {
        do {
            frames.append(try socket.readFrame(timeout: deadline))
        } catch .closed {
            break
        } catch .timeout {
            fuzzCheck(false, "the simulator kept the connection open \(deadline) after the client closed its side")
        } catch {
            if case .io = error { break }  // reset by the simulator
            fuzzCheck(false, "the simulator sent a malformed frame: \(error)")
        }
    }
    socket.close()
    return frames
}

/// Builds the fixtures before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: FuzzerArgumentCount, _ argv: FuzzerArgumentVector) -> CInt {
    _ = (simulator, statusJSON, apdus)
    FuzzSimulator.reset()
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSimulatorWire(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    FuzzSimulator.reset()
    for _ in 0..<4 {
        if input.isEmpty { break }
        let connection = makeConnection(&input)
        let replies = exchange(connection)
        guard let first = replies.first else { continue }
        fuzzCheck([.helloAck, .error].contains(first.type), "the first frame was \(first.type), not HELLO_ACK or ERROR")
        fuzzCheck(replies.count <= connection.frames + 1, "\(replies.count) frames answered \(connection.frames) sent")
        let allowed: Set<FrameType>
        switch connection.role {
        case 0: allowed = [.helloAck, .atr, .ack, .response, .statusReply, .error]
        case 1: allowed = [.helloAck, .cardEvent]
        case 2: allowed = [.helloAck, .controlReply]
        default: allowed = [.helloAck, .error, .atr, .ack, .response, .statusReply, .cardEvent, .controlReply]
        }
        for reply in replies.dropFirst() {
            fuzzCheck(
                allowed.contains(reply.type), "a \(reply.type) frame on a connection of role \(connection.role.map(String.init) ?? "raw")")
            if reply.type == .response { fuzzCheck(reply.payload.count >= 2, "a RESPONSE without a status word") }
            if reply.type == .controlReply {
                fuzzCheck(
                    (try? JSONDecoder().decode(ControlReply.self, from: Data(reply.payload))) != nil, "a CONTROL_REPLY that is not JSON")
            }
        }
    }
    return 0
}
