import ISO7816
import Testing

@Suite("Command APDUs")
struct CommandAPDUTests {
    func parse(_ hex: String) throws -> CommandAPDU { try CommandAPDU(bytes: Hex.decode(hex)) }

    @Test func case1() throws {
        let c = try parse("00200080")
        #expect(c.case == .case1 && c.data.isEmpty && c.ne == nil && !c.isExtended)
    }

    @Test func case2ShortLeZeroMeans256() throws {
        let c = try parse("00B0000000")
        #expect(c.case == .case2 && c.ne == 256)
        #expect(try parse("00B0000004").ne == 4)
    }

    @Test func case3And4Short() throws {
        let c3 = try parse("00A4020C02000A")
        #expect(c3.case == .case3 && c3.data == [0x00, 0x0A] && c3.ne == nil)
        let c4 = try parse("802A00800301020300")
        #expect(c4.case == .case4 && c4.data == [1, 2, 3] && c4.ne == 256)
    }

    @Test func extendedForms() throws {
        let c2 = try parse("00B00000000000")
        #expect(c2.case == .case2 && c2.isExtended && c2.ne == 65_536)
        #expect(try parse("00B08A00000700").ne == 0x0700)
        let data = [UInt8](repeating: 0xAB, count: 300)
        let c4 = CommandAPDU(cla: 0x80, ins: 0x2A, p1: 1, p2: 0x80, data: data, ne: 256)
        #expect(c4.isExtended)
        let reparsed = try CommandAPDU(bytes: c4.bytes)
        #expect(reparsed == c4)
        let c3 = try CommandAPDU(bytes: [0x80, 0x2A, 0, 0x80, 0x00, 0x01, 0x2C] + data)
        #expect(c3.case == .case3 && c3.data.count == 300 && c3.ne == nil)
    }

    @Test(arguments: [
        "00", "00A4", "00A404",  // fewer than 4 bytes
        "00A4040C05D392F000",  // Lc 5, 3 bytes
        "00A4040C02D392F0001122",  // Lc 2, 5 bytes follow
        "00B000000000",  // extended Le cut short
        "00B0000000000000AA",  // extended case 2 then garbage
        "802A008000000301020304",  // extended Lc 3 with 4 bytes → neither case 3 nor 4
        "802A0080000000",  // extended Lc 0 with no data is case 2; with data it is invalid:
        "802A008000000001",
    ])
    func malformedLengthsAreErrorsNotTraps(_ hex: String) throws {
        let bytes = try Hex.decode(hex)
        if hex == "802A0080000000" {
            #expect((try? CommandAPDU(bytes: bytes))?.ne == 65_536)  // valid extended case 2
            return
        }
        #expect(throws: APDUFormatError.self) { try CommandAPDU(bytes: bytes) }
    }

    @Test func roundTripShortAndExtended() throws {
        for hex in ["00200080", "00B0000004", "00A4040C0AD392F000260100000001", "0084000008", "00B08A00000000"] {
            #expect(Hex.encode(try parse(hex).bytes) == hex)
        }
    }

    @Test func hexDecoding() throws {
        #expect(try Hex.decode("00 a4:04 0C") == [0, 0xA4, 4, 0x0C])
        #expect(throws: HexError.oddDigitCount) { try Hex.decode("00A") }
        #expect(throws: HexError.self) { try Hex.decode("0G") }
        #expect(throws: HexError.self) { try Hex.decode("0 0") }
    }
}

@Suite("Status words")
struct StatusWordTests {
    @Test func meanings() {
        #expect(StatusWord(0x6982).meaning == "security status not satisfied")
        #expect(StatusWord(0x63C2).meaning == "verification failed, 2 tries left")
        #expect(StatusWord(0x63C2).retriesLeft == 2)
        #expect(StatusWord(0x6984).meaning.contains("blocked"))
        #expect(StatusWord.retriesLeft(0).description == "63C0")
        #expect(StatusWord(0x9000).isSuccess)
        #expect(StatusWord(0x1234).meaning == "unknown status word")
    }
}

@Suite("BER-TLV")
struct BERTLVTests {
    @Test func cardLengthFormUses82ForEverythingFrom128() {
        let value = [UInt8](repeating: 0xFF, count: 128)
        #expect(BERTLV(tag: 0xDF43, value: value).encoded(lengthForm: .card).prefix(5) == [0xDF, 0x43, 0x82, 0x00, 0x80])
        #expect(BERTLV(tag: 0xDF43, value: value).encoded(lengthForm: .minimal).prefix(4) == [0xDF, 0x43, 0x81, 0x80])
        #expect(BERTLV(tag: 0xDF41, value: [1, 2, 3, 4]).encoded(lengthForm: .card) == [0xDF, 0x41, 0x04, 1, 2, 3, 4])
    }

    @Test func nestedRoundTrip() throws {
        let outer = BERTLV(
            tag: 0xFF40,
            children: [
                BERTLV(tag: 0xDF41, value: [1, 3, 14, 1]),
                BERTLV(tag: 0xDF43, value: [UInt8](repeating: 0xFF, count: 128)),
            ], lengthForm: .card)
        let bytes = outer.encoded(lengthForm: .card) + [0xFF, 0xFF]  // filler after the object
        let parsed = try BERTLV(parsing: bytes)
        #expect(parsed.tag == 0xFF40 && parsed.isConstructed)
        #expect(try parsed.child(0xDF41)?.value == [1, 3, 14, 1])
        #expect(try parsed.children().count == 2)
    }

    @Test func parsesDERCertificateHeader() throws {
        let (object, consumed) = try BERTLV.parse(([0x30, 0x82, 0x01, 0x00] + [UInt8](repeating: 0, count: 256))[...])
        #expect(object.tag == 0x30 && object.value.count == 256 && consumed == 260)
    }

    @Test func truncatedValueIsAnError() {
        #expect(throws: TLVError.valueTruncated(declared: 5, available: 2)) { try BERTLV(parsing: [0xDF, 0x22, 0x05, 1, 2]) }
        #expect(throws: TLVError.self) { try BERTLV(parsing: [0xDF]) }
        #expect(throws: TLVError.self) { try BERTLV(parsing: [0x04, 0x85, 1, 1, 1, 1, 1]) }
    }
}
