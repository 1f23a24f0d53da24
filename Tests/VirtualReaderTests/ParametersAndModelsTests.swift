import Testing
import VirtualReader

@Suite("Protocol parameters and timing")
struct ProtocolParametersTests {
    @Test("parses the driver's T=1 structure and encodes it back")
    func t1() throws {
        let parameters = try ProtocolParameters.parse(protocolNumber: 1, data: hex("11 10 FF 45 00 FE 00"))
        guard case .t1(let t1) = parameters else {
            Issue.record("not T=1")
            return
        }
        #expect(t1.blockWaitingInteger == 4)
        #expect(t1.characterWaitingInteger == 5)
        #expect(t1.ifsc == 0xFE)
        #expect(parameters.encoded == hex("11 10 FF 45 00 FE 00"))
    }

    @Test(
        "refuses structures CCID does not allow, naming the byte",
        arguments: [
            (UInt8(1), "11 10 FF 45 00 FE", ParameterError.wrongLength(expected: 7, actual: 6)),
            (UInt8(1), "11 20 FF 45 00 FE 00", ParameterError.badByte(offset: 11)),
            (UInt8(1), "11 10 FF 45 00 00 00", ParameterError.badByte(offset: 15)),
            (UInt8(1), "11 10 FF 45 00 FF 00", ParameterError.badByte(offset: 15)),
            (UInt8(1), "11 10 FF 45 04 FE 00", ParameterError.badByte(offset: 14)),
            (UInt8(0), "11 00 00 0A", ParameterError.wrongLength(expected: 5, actual: 4)),
            (UInt8(2), "11 00 00 0A 00", ParameterError.badByte(offset: 7)),
        ])
    func refused(protocolNumber: UInt8, data: String, error: ParameterError) {
        #expect(throws: error) { try ProtocolParameters.parse(protocolNumber: protocolNumber, data: hex(data)) }
    }

    @Test("derives T=1 parameters from the demo ATR (for readers that configure themselves from it)")
    func fromATR() {
        let parameters = ProtocolParameters.fromATR(hex("3B E0 00 FF 81 31 FE 45 14"))
        #expect(parameters == .t1(T1ProtocolData(findexDindex: 0x11, tccks: 0x10, guardTime: 0xFF, waitingIntegers: 0x45, ifsc: 0xFE)))
        #expect(ProtocolParameters.fromATR(hex("3B 02 14 50")) == .t0(T0ProtocolData()))
    }

    @Test("BWT for TB3=45 is 1.43 s at 4 MHz (docs/ccid-reader.md, T=1) and shorter at the SEC1210's 4.8 MHz")
    func blockWaitingTime() {
        let bwt = TransmissionTiming.blockWaitingTime(bwi: 4, findexDindex: 0x11, clockHz: 4_000_000)
        #expect(bwt > .milliseconds(1428) && bwt < .milliseconds(1430))
        let sec = TransmissionTiming.blockWaitingTime(bwi: 4, findexDindex: 0x11, clockHz: 4_800_000)
        #expect(sec > .milliseconds(1190) && sec < .milliseconds(1192))
        let bwi0 = TransmissionTiming.blockWaitingTime(bwi: 0, findexDindex: 0x11, clockHz: 4_000_000)
        #expect(bwi0 > .milliseconds(90) && bwi0 < .milliseconds(91))
    }

    @Test("data rates and the T=0 work waiting time follow Fi/Di and the clock")
    func rates() {
        #expect(TransmissionTiming.dataRate(0x11, clockHz: 4_000_000) == 10753)
        #expect(TransmissionTiming.dataRate(0x18, clockHz: 4_000_000) == 129032)
        #expect(TransmissionTiming.dataRate(0x71, clockHz: 4_000_000) == nil)
        let wwt = TransmissionTiming.workWaitingTime(wi: 10, findexDindex: 0x11, clockHz: 4_000_000)
        #expect(wwt > .milliseconds(892) && wwt < .milliseconds(894))
    }
}

@Suite("Reader models")
struct ReaderModelTests {
    @Test("descriptors match the driver's hard-coded table (docs/ccid-reader.md, models)")
    func descriptors() {
        let twin = ReaderModel.gemPCTwin
        let pinPad = ReaderModel.gemPCPinPad
        let sec = ReaderModel.sec1210
        #expect((twin.vendorID, twin.productID) == (0x08E6, 0x3437))
        #expect((pinPad.vendorID, pinPad.productID) == (0x08E6, 0x3478))
        #expect((sec.vendorID, sec.productID) == (0x0424, 0x1202))
        #expect(twin.features.rawValue == 0x0001_0230)
        #expect(pinPad.features.rawValue == 0x0001_0230)
        #expect(sec.features.rawValue == 0x0001_00B2)
        #expect([twin.slotCount, pinPad.slotCount, sec.slotCount] == [1, 1, 2])
        #expect([twin.echoesCommands, pinPad.echoesCommands, sec.echoesCommands] == [true, true, false])
        #expect([twin.defaultClockKHz, pinPad.defaultClockKHz, sec.defaultClockKHz] == [4000, 4000, 4800])
        #expect([twin.maxDataRate, pinPad.maxDataRate, sec.maxDataRate] == [344_086, 500_000, 826_000])
        #expect([twin.pinSupport.rawValue, pinPad.pinSupport.rawValue, sec.pinSupport.rawValue] == [0, 3, 0])
        #expect(twin.dataRates?.count == 40)
        #expect(pinPad.dataRates?.last == 500_000)
        #expect(sec.dataRates == nil)
        #expect(ReaderModel.all.allSatisfy { $0.maxMessageLength == 271 && $0.voltageSupport == 0x07 && $0.serialNumber == nil })
    }

    @Test("firmware texts fit the driver's 50-byte buffer with its NUL")
    func firmwareText() {
        #expect(ReaderModel.all.allSatisfy { $0.firmwareVersion.utf8.count <= 49 })
    }

    @Test("models are found by the driver's case-insensitive names")
    func names() {
        #expect(ReaderModel.named("gempcpinpad") == .gemPCPinPad)
        #expect(ReaderModel.named("SEC1210") == .sec1210)
        #expect(ReaderModel.named("GemCorePOSPro") == nil)
    }

    @Test("a rate is supported when the model's table lists it, or up to the maximum without a table")
    func rates() {
        #expect(ReaderModel.gemPCTwin.supportsRate(0x11))  // 10 753 bit/s
        #expect(ReaderModel.gemPCTwin.supportsRate(0x96))  // Fi 512, Di 32: 250 000
        #expect(!ReaderModel.gemPCTwin.supportsRate(0x97))  // Fi 512, Di 64: 500 000, not a Twin rate
        #expect(ReaderModel.gemPCPinPad.supportsRate(0x97))
        #expect(ReaderModel.sec1210.supportsRate(0x97))  // 600 000 at 4.8 MHz, below 826 000
        #expect(!ReaderModel.gemPCTwin.supportsRate(0x1A))  // Di index A is RFU
    }
}
