import Foundation
import ISO7816
import MynaApplications
import MynaCard
import TestSupport
import Testing

@Suite("Generic status words (card reference §decision-status-words)")
struct GenericCommandTests {
    @Test(arguments: [
        ("00CB3FFF00", "6D00"),  // unknown INS
        ("00DA000000", "6D00"),
        ("80A4040C0AD392F000260100000001", "6D00"),  // SELECT is not a proprietary-class command
        ("002A008001FF", "6D00"),  // COMPUTE DIGITAL SIGNATURE needs CLA 80
        ("A0A4040C0AD392F000260100000001", "6E00"),  // CLA A0
        ("FFA4040C0AD392F000260100000001", "6E00"),
        ("20B0000001", "6E00"),
        ("01A4040C0AD392F000260100000001", "6881"),  // logical channel 1
        ("03B0000001", "6881"),
        ("40B0000001", "6881"),  // further interindustry class: channels 4–19
        ("10A4040C0AD392F000260100000001", "6884"),  // chaining
        ("08A4040C0AD392F000260100000001", "6882"),  // SM SELECT
        ("0CA4040C0AD392F000260100000001", "6882"),
        ("0CB0000004", "69FC"),  // SM READ BINARY
        ("08200080", "69FC"),  // SM VERIFY
        ("00A4040C05D392", "6700"),  // Lc 5, 2 bytes
        ("00A4", "6700"),  // fewer than 4 bytes
        ("", "6700"),
    ])
    func statusWord(_ apdu: String, _ expected: String) throws {
        var card = try Fixtures.card()
        #expect(card.sw(apdu) == expected)
    }

    @Test func getChallenge() throws {
        var card = try Fixtures.card()
        let a = card.exchange(try Hex.decode("0084000008"))
        let b = card.exchange(try Hex.decode("0084000008"))
        #expect(a.sw == "9000" && a.data.count == 8 && a.data != b.data)
        #expect(card.exchange(try Hex.decode("0084000000")).data.count == 256)
        #expect(card.exchange(try Hex.decode("0084000001")).data.count == 1)
        #expect(card.sw("00840000000010") == "6985")  // extended Le
        #expect(card.sw("0084010008") == "6A86")
        #expect(card.sw("00840000") == "6700")
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.exchange(try Hex.decode("0084000010")).data.count == 16)  // also inside an AP
    }

    @Test func getDataAtTheMFLevel() throws {
        var card = try Fixtures.card()
        let persona = try Fixtures.persona("yamada-taro").persona
        #expect(card.send("00CA00F000") == Hex.encode(Array("13221".utf8)) + "9000")
        #expect(card.send("00CA00F200") == Hex.encode(Array("20350217".utf8)) + "9000")
        #expect(card.send("00CA004500") == Hex.encode(Array(persona.card.serialNumber.utf8)) + "9000")
        #expect(card.exchange(try Hex.decode("00CA004200")).data.count == 16)
        #expect(card.send("00CA5F5100") == "E000FF8131FE45149000")  // the ATR without TS
        #expect(card.sw("00CA00F004") == "6C05")  // Le too short for a small object
        #expect(card.sw("00CA00F800") == "6700")  // a large object needs an extended Le
        let cvc = card.exchange(try Hex.decode("00CA00F8000000"))
        #expect(cvc.sw == "9000" && cvc.data.count == 568 && Array(cvc.data.prefix(2)) == [0x7F, 0x21])
        #expect(card.sw("00CA7F2100") == "6A88")  // absent on this card generation
        #expect(card.sw("00CADF3005") == "6A88")  // OpenSC's probe tag
        #expect(card.sw("00CA00F0") == "6700")
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.sw("00CA00F000") == "6A88")  // only in the MF state…
        #expect(card.sw("00CA5F5100") == "9000")  // …except 5F51
        _ = card.send("00A4040C07A0000001510000")  // the ISD restores the MF state
        #expect(card.sw("00CA00F000") == "9000")
        var short = try Fixtures.card("tanaka-short")
        #expect(short.sw("00CA00F8000000") == "6700")  // short-only: the large object is out of reach
    }

    @Test func readRecordOnTransparentFileIsIncompatible() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        _ = card.send(JPKIAPDU.selectEF("0008"))
        #expect(card.sw("00B2010400") == "6981")
        #expect(card.sw("00B2010500") == "6A81")
        #expect(card.sw("00B2010700") == "6A86")
        #expect(card.sw("00B2014C00") == "6981")  // by SFI 9: EF 0009 is transparent
        #expect(card.sw("00B2011C00") == "6A82")  // by SFI 3: no such EF
        #expect(card.sw("00B20104") == "6700")
    }
}
