import Testing
import VirtualReader

@Suite("Serial framing")
struct SerialFramingTests {
    @Test("frames a message as SYNC ACK message LRC, the whole frame XORing to zero")
    func framesTheSpecExample() {
        let escape02 = hex("6B 01 00 00 00 00 00 00 00 00 02")
        #expect(SerialFraming.frame(escape02) == hex("03 06 6B 01 00 00 00 00 00 00 00 00 02 6D"))
        #expect(SerialFraming.lrc(SerialFraming.frame(escape02)) == 0)
    }

    @Test("a corrupted LRC is the inverse of the right one")
    func corruptsLRC() {
        let frame = SerialFraming.frame(hex("65 00 00 00 00 00 02 00 00 00"), corruptLRC: true)
        #expect(frame.last == ~hex("62")[0])
        #expect(SerialFraming.lrc(frame) != 0)
    }

    @Test("the NAK frame is exactly 03 15 16")
    func nakFrame() {
        #expect(SerialFraming.nakFrame == [0x03, 0x15, 0x16])
    }

    @Test("a header-only echo keeps type, slot, seq and bytes 7-9 but carries no data")
    func headerOnlyEcho() {
        let secure =
            hex("69 1C 00 00 00 00 0F 00 00 00") + hex("00 1E 82 08 00 08 04 02 01 09 04 00 00 40 0D")
            + hex("00 20 00 01 08 FF FF FF FF FF FF FF FF")
        let echo = SerialFraming.headerOnlyEcho(of: secure)
        #expect(echo == SerialFraming.frame(hex("69 00 00 00 00 00 0F 00 00 00")))
        #expect(echo.count == 13)
    }

    @Test("declaredLength reads dwLength little endian")
    func declaredLength() {
        #expect(CCIDHeader.declaredLength(hex("6F 05 01 00 00 00")[...]) == 0x105)
        #expect(CCIDHeader.declaredLength(hex("6F 05")[...]) == nil)
    }
}

@Suite("Serial frame decoder")
struct SerialFrameDecoderTests {
    let getSlotStatus = SerialFraming.frame(hex("65 00 00 00 00 00 02 00 00 00"))

    @Test("decodes a whole frame")
    func wholeFrame() {
        var decoder = SerialFrameDecoder()
        #expect(decoder.feed(getSlotStatus) == [.message(hex("65 00 00 00 00 00 02 00 00 00"))])
        #expect(!decoder.isMidFrame)
    }

    @Test("decodes a frame arriving one byte at a time")
    func byteByByte() {
        var decoder = SerialFrameDecoder()
        var events: [SerialEvent] = []
        for byte in getSlotStatus {
            events += decoder.feed([byte])
            if events.isEmpty { #expect(decoder.isMidFrame) }
        }
        #expect(events == [.message(Array(getSlotStatus[2..<12]))])
    }

    @Test("decodes back-to-back frames in one chunk, with data")
    func twoFrames() {
        let xfr = SerialFraming.frame(hex("6F 05 00 00 00 00 0B 00 00 00 00 C1 01 FE 3E"))
        var decoder = SerialFrameDecoder()
        let events = decoder.feed(getSlotStatus + xfr)
        #expect(events.count == 2)
        #expect(events.last == .message(hex("6F 05 00 00 00 00 0B 00 00 00 00 C1 01 FE 3E")))
    }

    @Test("skips garbage before SYNC and counts it")
    func garbage() {
        var decoder = SerialFrameDecoder()
        #expect(decoder.feed(hex("00 FF 50 02") + getSlotStatus).count == 1)
        #expect(decoder.discardedBytes == 4)
    }

    @Test("refuses a bad LRC and resynchronises on the next SYNC")
    func badLRC() {
        var bad = getSlotStatus
        bad[bad.count - 1] ^= 0x01
        var decoder = SerialFrameDecoder()
        let events = decoder.feed(bad + getSlotStatus)
        #expect(events.first == .rejected(.badLRC(found: 0x63, expected: 0x62)))
        #expect(events.count == 2)
        #expect(events.last == .message(Array(getSlotStatus[2..<12])))
    }

    @Test("refuses a bad control byte; a repeated SYNC starts the real frame")
    func badControl() {
        var decoder = SerialFrameDecoder()
        #expect(decoder.feed(hex("03 07")) == [.rejected(.badControlByte(0x07))])
        let events = decoder.feed([0x03] + getSlotStatus)
        #expect(events == [.rejected(.badControlByte(0x03)), .message(Array(getSlotStatus[2..<12]))])
    }

    @Test("a host NAK 03 15 16 asks for a retransmission; a bad NAK LRC is refused")
    func hostNAK() {
        var decoder = SerialFrameDecoder()
        #expect(decoder.feed(hex("03 15 16")) == [.retransmitRequest])
        #expect(decoder.feed(hex("03 15 17")) == [.rejected(.badLRC(found: 0x17, expected: 0x16))])
    }

    @Test("refuses a dwLength beyond what a host can send instead of waiting for it")
    func tooLong() {
        var decoder = SerialFrameDecoder()
        #expect(decoder.feed(hex("03 06 6F FF FF 00 00")) == [.rejected(.lengthTooLarge(0xFFFF))])
        #expect(!decoder.isMidFrame)
        var ok = SerialFrameDecoder()
        #expect(ok.feed(hex("03 06 6F 17 02 00 00")).isEmpty)  // 535 data bytes: 545 with the header
        #expect(ok.isMidFrame)
    }

    @Test("a stalled frame is refused at the idle timeout, and only then")
    func stalled() {
        var decoder = SerialFrameDecoder()
        #expect(decoder.idleTimeout() == nil)
        _ = decoder.feed(getSlotStatus.prefix(8))
        #expect(decoder.idleTimeout() == .rejected(.incomplete(received: 8, expected: 13)))
        #expect(decoder.feed(getSlotStatus).count == 1)
    }

    @Test("random bytes never trap and never stall the decoder for good")
    func fuzz() {
        var generator = SystemRandomNumberGenerator()
        var decoder = SerialFrameDecoder()
        var total = 0
        for _ in 0..<2_000 {
            let chunk = (0..<Int.random(in: 1...200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            total += decoder.feed(chunk).count
            if Bool.random(using: &generator) { _ = decoder.idleTimeout() }
        }
        _ = decoder.idleTimeout()
        #expect(decoder.feed(getSlotStatus) == [.message(Array(getSlotStatus[2..<12]))])
        #expect(total >= 0)
    }
}
