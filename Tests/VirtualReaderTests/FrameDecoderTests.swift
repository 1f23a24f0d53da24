import Testing

@testable import VirtualReader

@Suite("vpcd framing and requests")
struct FrameDecoderTests {
    @Test("control bytes decode to power off, power on, reset and get ATR")
    func controlBytes() throws {
        var decoder = VPCDFrameDecoder()
        decoder.append([0, 1, 0x00, 0, 1, 0x01, 0, 1, 0x02, 0, 1, 0x04])
        #expect(try decoder.nextRequest() == .powerOff)
        #expect(try decoder.nextRequest() == .powerOn)
        #expect(try decoder.nextRequest() == .reset)
        #expect(try decoder.nextRequest() == .getATR)
        #expect(try decoder.nextRequest() == nil)
        #expect(decoder.pendingByteCount == 0)
    }

    @Test("a payload of two bytes or more is an APDU, even a malformed one")
    func apdus() throws {
        #expect(try VPCDRequest(payload: [0x00, 0x84]) == .apdu([0x00, 0x84]))
        #expect(try VPCDRequest(payload: [0x00, 0x84, 0x00, 0x00, 0x08]) == .apdu([0x00, 0x84, 0x00, 0x00, 0x08]))
    }

    @Test("a frame split anywhere, one byte per read, decodes only once complete")
    func splitFrames() throws {
        let apdu = [UInt8](repeating: 0xAB, count: 300)
        let stream = [UInt8(1), 44] + apdu + [0, 1, 4]
        var decoder = VPCDFrameDecoder()
        var requests: [VPCDRequest] = []
        for byte in stream {
            decoder.append([byte])
            while let request = try decoder.nextRequest() { requests.append(request) }
        }
        #expect(requests == [.apdu(apdu), .getATR])
    }

    @Test("the largest frame (65 535 bytes) decodes")
    func largestFrame() throws {
        let apdu = [UInt8](repeating: 0x5A, count: 65_535)
        var decoder = VPCDFrameDecoder()
        decoder.append([0xFF, 0xFF] + apdu.prefix(40_000))
        #expect(try decoder.nextRequest() == nil)
        decoder.append(apdu.dropFirst(40_000))
        #expect(try decoder.nextRequest() == .apdu(apdu))
    }

    @Test("an empty frame and an unknown control byte are typed errors", arguments: [UInt8(0x03), 0x05, 0x80, 0xFF])
    func malformed(control: UInt8) throws {
        var decoder = VPCDFrameDecoder()
        decoder.append([0, 1, control])
        #expect(throws: VPCDProtocolError.unknownControl(control)) { try decoder.nextRequest() }
        var empty = VPCDFrameDecoder()
        empty.append([0, 0])
        #expect(throws: VPCDProtocolError.emptyRequest) { try empty.nextRequest() }
    }

    @Test("requests encode to the bytes vpcd sends")
    func requestPayloads() throws {
        #expect(VPCDRequest.powerOff.payload == [0])
        #expect(VPCDRequest.getATR.payload == [4])
        #expect(try VPCDFraming.frame(VPCDRequest.reset.payload) == [0, 1, 2])
        #expect(VPCDRequest.getATR.expectsReply && !VPCDRequest.powerOn.expectsReply)
    }

    @Test("replies: the ATR must have 1–33 bytes, a response 1–65 535")
    func replies() throws {
        let atr: [UInt8] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]
        #expect(try VPCDFraming.atrReply(atr) == [0, 9] + atr)
        #expect(throws: VPCDProtocolError.atrLength(0)) { try VPCDFraming.atrReply([]) }
        #expect(throws: VPCDProtocolError.atrLength(34)) { try VPCDFraming.atrReply([UInt8](repeating: 0x3B, count: 34)) }
        #expect(try VPCDFraming.responseReply([0x90, 0x00]) == [0, 2, 0x90, 0x00])
        #expect(try VPCDFraming.responseReply([0x6F]) == [0, 1, 0x6F])
        #expect(throws: VPCDProtocolError.emptyReply) { try VPCDFraming.responseReply([]) }
        let big = [UInt8](repeating: 1, count: 65_535)
        #expect(try VPCDFraming.responseReply(big).prefix(2) == [0xFF, 0xFF])
        #expect(throws: VPCDProtocolError.replyTooLong(65_536)) { try VPCDFraming.responseReply(big + [0]) }
    }

    @Test("error messages say what happened in words")
    func messages() {
        #expect(VPCDProtocolError.unknownControl(0x05).description.contains("control byte 05"))
        #expect(VPCDProtocolError.atrLength(40).description.contains("1–33"))
    }
}
