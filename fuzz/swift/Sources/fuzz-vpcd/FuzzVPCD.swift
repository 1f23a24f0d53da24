import Foundation
import FuzzSupport
import ISO7816

@testable import VirtualReader

// vsmartcard's vpcd protocol, card side (Sources/VirtualReader/VPCD): a byte stream from vpcd,
// cut into reads of any size, through the frame decoder, the request parser and the session
// that answers from a simulator slot holding a real card. The stream is built from frames
// (control bytes, real APDUs, random payloads, wrong lengths) or raw bytes.
//
// Checked: nothing traps; the decoder accounts for every byte (frames + pending = bytes in) and
// hands out payloads in order however the stream was cut; every reply the session sends is
// exactly one frame with a non-empty payload (an ATR of 1–33 bytes).

let slot = FuzzSimulator.shared.slots[0]
let session = VPCDSession(card: SlotVPCDCard(slot: slot))
let apdus: [[UInt8]] = ["00A4040C0AD392F000260100000001", "00A4020C02000A", "00B0000004", "00200080", "00"].map { try! Hex.decode($0) }

func stream(_ input: inout FuzzInput) -> [UInt8] {
    var out: [UInt8] = []
    for _ in 0..<Int(input.byte() % 24) {
        let kind = input.byte()
        let payload: [UInt8]
        switch kind % 6 {
        case 0, 1: payload = [input.pick([0x00, 0x01, 0x02, 0x04, input.byte()])]
        case 2, 3: payload = input.pick(apdus)
        case 4: payload = input.shortChunk()
        default:
            out += input.shortChunk()  // raw bytes: the stream may be out of step from here
            continue
        }
        let length = kind & 0x80 != 0 ? Int(input.uint16()) : payload.count
        out += [UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + payload
    }
    return out
}

/// Builds the fixtures before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: FuzzerArgumentCount, _ argv: FuzzerArgumentVector) -> CInt {
    _ = (slot, session, apdus)
    FuzzSimulator.reset()
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVPCD(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    FuzzSimulator.reset()
    let bytes = stream(&input)
    var decoder = VPCDFrameDecoder()
    var offset = 0
    var consumed = 0
    reading: while offset < bytes.count {
        let n = max(1, Int(input.byte()))
        let piece = bytes[offset..<min(bytes.count, offset + n)]
        offset += piece.count
        decoder.append(piece)
        while true {
            let before = decoder.pendingByteCount
            let request: VPCDRequest?
            do { request = try decoder.nextRequest() } catch {
                _ = error.description
                break reading  // out of step: the connection closes
            }
            guard let request else { break }
            consumed += before - decoder.pendingByteCount
            fuzzCheck(before - decoder.pendingByteCount == request.payload.count + 2, "the decoder took the wrong number of bytes")
            switch session.respond(to: request) {
            case .send(let reply):
                fuzzCheck(reply.count >= 3, "a reply frame of \(reply.count) bytes")
                fuzzCheck(Int(reply[0]) << 8 | Int(reply[1]) == reply.count - 2, "a reply whose length field is wrong")
                if request == .getATR { fuzzCheck(reply.count - 2 <= VPCDFraming.maxATR, "an ATR of \(reply.count - 2) bytes") }
            case .hangUp(let reason):
                _ = reason.description
                break reading
            case .nothing, .stayMute:
                break
            }
        }
        fuzzCheck(
            consumed + decoder.pendingByteCount == offset, "the decoder lost bytes: \(consumed) + \(decoder.pendingByteCount) ≠ \(offset)")
    }
    return 0
}
