import ISO7816
import MynaApplications
import MynaCard
import Testing

@Suite("ATR")
struct ATRTests {
    @Test func decodesTheJPKIATR() throws {
        let atr = try ATR(bytes: Hex.decode("3BE000FF8131FE4514"))
        #expect(atr.historicalBytes.isEmpty)
        #expect(atr.protocols == [1])
        #expect(atr.groups.count == 3)
        #expect(atr.groups[0].tc == 0xFF && atr.groups[0].tb == 0x00)
        #expect(atr.groups[2].ta == 0xFE && atr.groups[2].tb == 0x45)  // IFSC 254, BWI/CWI
    }

    @Test(arguments: CardATR.allCases)
    func everyCatalogueATRParsesAndReencodesIdentically(_ variant: CardATR) throws {
        let atr = try ATR(bytes: variant.bytes)
        #expect(atr.bytes == variant.bytes)
    }

    @Test func historicalBytesOfATR02AnnounceExtendedLength() throws {
        let atr = try ATR(bytes: CardATR.jpki02.bytes)
        #expect(atr.historicalBytes.suffix(4) == [0x73, 0xC6, 0x01, 0xC0])
        #expect(atr.groups[0].ta == 0x13)
    }

    @Test func badTCKIsRejected() throws {
        #expect(throws: ATRError.badTCK(expected: 0x14, found: 0x15)) { try ATR(bytes: Hex.decode("3BE000FF8131FE4515")) }
        #expect(throws: ATRError.missingTCK) { try ATR(bytes: Hex.decode("3BE000FF8131FE45")) }
        #expect(throws: ATRError.invalidTS(0x3C)) { try ATR(bytes: Hex.decode("3C00")) }
        #expect(throws: ATRError.trailingBytes(1)) { try ATR(bytes: Hex.decode("3B0000")) }
    }

    @Test func buildsT0WithoutTCK() {
        let atr = ATR(groups: [.init(ta: 0x11)], historicalBytes: [0x80])
        #expect(atr.bytes == [0x3B, 0x11, 0x11, 0x80])
    }
}
