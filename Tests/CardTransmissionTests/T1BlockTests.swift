import CardTransmission
import TestSupport
import Testing

@Suite struct T1BlockTests {
    @Test(arguments: [
        ("00 00 02 90 00 92", "I(0) 2 bytes"),
        ("00 60 01 AA CB", "I(1) M 1 byte"),
        ("00 80 00 80", "R(0)"),
        ("00 91 00 91", "R(1) EDC error"),
        ("00 82 00 82", "R(0) other error"),
        ("00 C0 00 C0", "S(RESYNCH request)"),
        ("00 E0 00 E0", "S(RESYNCH response)"),
        ("00 C1 01 FE 3E", "S(IFS request 254)"),
        ("00 E1 01 FE 1E", "S(IFS response 254)"),
        ("00 C2 00 C2", "S(ABORT request)"),
        ("00 E2 00 E2", "S(ABORT response)"),
        ("00 C3 01 03 C1", "S(WTX request ×3)"),
        ("00 E3 01 02 E0", "S(WTX response ×2)"),
        ("21 00 00 21", "I(0) 0 bytes NAD 21"),
    ])
    func parsesEncodesAndDescribes(bytes: String, description: String) throws {
        let block = try T1Block(bytes: hex(bytes))
        #expect(block.description == description)
        #expect(block.bytes == hex(bytes))
    }

    @Test func decodesTheFields() throws {
        let block = try T1Block(bytes: hex("00 60 03 01 02 03 63"))
        #expect(block.content == .information(sequence: 1, more: true, data: [1, 2, 3]))
        #expect(block.nad == 0 && block.pcb == 0x60 && block.edc == 0x63)
        #expect(try T1Block(bytes: hex("00 92 00 92")).content == .receiveReady(sequence: 1, error: .other))
        #expect(try T1Block(bytes: hex("00 E3 01 05 E7")).content == .supervisory(.waitingTimeExtension(5), .response))
    }

    @Test func constructorsBuildTheDriversBlocks() {
        #expect(T1Block.request(.informationFieldSize(254)).bytes == hex("00 C1 01 FE 3E"))
        #expect(T1Block.response(.informationFieldSize(254)).bytes == hex("00 E1 01 FE 1E"))
        #expect(T1Block.receiveReady(sequence: 1, error: .edc).bytes == hex("00 91 00 91"))
        #expect(T1Block.information(sequence: 0, data: hex("90 00")).bytes == hex("00 00 02 90 00 92"))
        #expect(T1Block.information(sequence: 3, data: []).sequence == 1)
    }

    @Test(arguments: [
        ("", T1BlockError.tooShort(0)),
        ("00 00 00", .tooShort(3)),
        ("00 00 FF 00", .reservedLength),
        ("00 00 02 90 92", .lengthMismatch(declared: 2, received: 1)),
        ("00 00 01 90 00 92", .lengthMismatch(declared: 1, received: 2)),
        ("00 00 02 90 00 93", .badEDC(expected: 0x92, found: 0x93)),
        ("00 01 00 01", .reservedBits(pcb: 0x01)),
        ("00 A0 00 A0", .reservedBits(pcb: 0xA0)),
        ("00 83 00 83", .reservedBits(pcb: 0x83)),
        ("00 80 01 00 81", .unexpectedLength(pcb: 0x80, length: 1)),
        ("00 C0 01 00 C1", .unexpectedLength(pcb: 0xC0, length: 1)),
        ("00 C1 00 C1", .unexpectedLength(pcb: 0xC1, length: 0)),
        ("00 C3 02 01 01 C1", .unexpectedLength(pcb: 0xC3, length: 2)),
        ("00 C4 00 C4", .unknownSupervisoryType(pcb: 0xC4)),
        ("00 C1 01 00 C0", .invalidInformationFieldSize(0x00)),
        ("00 C1 01 FF 3F", .invalidInformationFieldSize(0xFF)),
    ])
    func reportsEveryMalformation(bytes: String, error: T1BlockError) {
        #expect(throws: error) { try T1Block(bytes: hex(bytes)) }
    }

    @Test func onlyABadLRCIsAnEDCError() {
        #expect(T1BlockError.badEDC(expected: 1, found: 2).isEDCError)
        #expect(!T1BlockError.lengthMismatch(declared: 1, received: 2).isEDCError)
        #expect(!T1BlockError.reservedLength.isEDCError)
    }

    @Test func everyErrorExplainsItself() {
        let errors: [T1BlockError] = [
            .tooShort(2), .reservedLength, .lengthMismatch(declared: 3, received: 1), .badEDC(expected: 1, found: 2),
            .reservedBits(pcb: 1), .unexpectedLength(pcb: 0x80, length: 1), .unknownSupervisoryType(pcb: 0xC5),
            .invalidInformationFieldSize(0),
        ]
        for error in errors { #expect(!error.description.isEmpty) }
        #expect(T1BlockError.badEDC(expected: 0x92, found: 0x93).description == "the LRC is 93, the bytes give 92")
    }

    /// Random byte strings never trap the parser, and whatever parses encodes back to the same bytes.
    @Test func fuzzedBytesParseOrFailCleanly() {
        var random = SeededRandom(seed: 0x7_1B10C)
        var parsed = 0
        for round in 0..<300_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = random.bytes(Int.random(in: 0...262, using: &random))
            } else {
                // Mostly well-formed blocks with a few bytes disturbed, to reach the later checks.
                let size = Int.random(in: 0...8, using: &random)
                let pcbs: [UInt8] = [0x00, 0x20, 0x40, 0x60, 0x80, 0x91, 0xC0, 0xE1, 0xC2, 0xE3, UInt8.random(in: 0...255, using: &random)]
                let pcb = pcbs[Int.random(in: 0..<pcbs.count, using: &random)]
                let len = pcb & 0xC0 == 0xC0 ? Int(pcb & 1) : (pcb & 0x80 != 0 ? 0 : size)
                bytes = [0, pcb, UInt8(len)] + random.bytes(len)
                bytes.append(bytes.reduce(0, ^))
                if Bool.random(using: &random) {
                    let index = Int.random(in: 0..<bytes.count, using: &random)
                    bytes[index] ^= UInt8.random(in: 1...255, using: &random)
                }
            }
            if let block = try? T1Block(bytes: bytes) {
                parsed += 1
                #expect(block.bytes == bytes)
            }
        }
        #expect(parsed > 10_000)
    }
}
