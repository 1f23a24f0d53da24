import CardTransmission
import ISO7816
import Testing

/// What each catalogue ATR offers, and the T=1 parameters and times it implies.
@Suite struct ATROfferTests {
    struct Expectation: Sendable, CustomStringConvertible {
        var name: String
        var atr: String
        var offered: [Int]
        var defaultProtocol: Int
        var ta1: UInt8?
        var specificMode: Bool
        var t1: T1Parameters
        var description: String { name }
    }

    static let catalogue: [Expectation] =
        [
            Expectation(
                name: "jpki", atr: CatalogueATR.jpki, offered: [1], defaultProtocol: 1, ta1: nil, specificMode: false,
                t1: T1Parameters(ifsc: 254, edc: .lrc, bwi: 4, cwi: 5, extraGuardTime: 255)),
            Expectation(
                name: "jpki-02", atr: CatalogueATR.jpki02, offered: [1], defaultProtocol: 1, ta1: 0x13, specificMode: false,
                t1: T1Parameters(ifsc: 251, edc: .lrc, bwi: 4, cwi: 6, extraGuardTime: 255)),
            Expectation(
                name: "jpki-03", atr: CatalogueATR.jpki03, offered: [1], defaultProtocol: 1, ta1: nil, specificMode: false,
                t1: T1Parameters(ifsc: 251, edc: .lrc, bwi: 4, cwi: 5, extraGuardTime: 255)),
            Expectation(
                name: "jpki-04", atr: CatalogueATR.jpki04, offered: [1], defaultProtocol: 1, ta1: 0x91, specificMode: true,
                t1: T1Parameters(ifsc: 254, edc: .lrc, bwi: 4, cwi: 0, extraGuardTime: 255)),
            Expectation(
                name: "jpki-05", atr: CatalogueATR.jpki05, offered: [1], defaultProtocol: 1, ta1: 0x91, specificMode: true,
                t1: T1Parameters(ifsc: 254, edc: .lrc, bwi: 4, cwi: 0, extraGuardTime: 255)),
        ]
        + [CatalogueATR.contactless1, CatalogueATR.contactless2, CatalogueATR.contactless3, CatalogueATR.contactless4].enumerated().map {
            Expectation(
                name: "contactless-\($0.offset + 1)", atr: $0.element, offered: [0, 1], defaultProtocol: 0, ta1: nil,
                specificMode: false, t1: T1Parameters.defaults)
        }

    @Test(arguments: catalogue)
    func catalogueATROffers(_ expected: Expectation) throws {
        let atr = try CatalogueATR.atr(expected.atr)
        let offer = ATRProtocolOffer(atr: atr)
        #expect(offer.offered == expected.offered)
        #expect(offer.defaultProtocol == expected.defaultProtocol)
        #expect(offer.ta1?.byte == expected.ta1)
        #expect(offer.isSpecificMode == expected.specificMode)
        #expect(!offer.usesImplicitParameters)
        #expect(try T1Parameters(atr: atr) == expected.t1)
        #expect(try T1CardProtocol(parameters: T1Parameters(atr: atr)).ifsc == expected.t1.ifsc)
    }

    @Test func specificModeNamesTheProtocolInTA2() throws {
        let offer = ATRProtocolOffer(atr: try CatalogueATR.atr(CatalogueATR.jpki04))
        #expect(offer.ta2 == 0x81)
        #expect(offer.ta1 == TransmissionFactors(0x91))
        #expect(offer.ta1?.f == 512 && offer.ta1?.d == 1 && offer.ta1?.fMaxMHz == 5)
    }

    @Test func anATRWithoutTDOffersT0Only() throws {
        let atr = ATR(groups: [ATR.InterfaceGroup(tc: 0x00)], historicalBytes: [0x01])
        let offer = ATRProtocolOffer(atr: atr)
        #expect(offer.offered == [0] && offer.defaultProtocol == 0 && offer.supported == [.t0])
        #expect(throws: T1ParametersError.t1NotOffered) { try T1Parameters(atr: atr) }
    }

    @Test func invalidT1BytesAreReported() throws {
        let badIFSC = ATR(groups: [ATR.InterfaceGroup(td: 1), ATR.InterfaceGroup(td: 1), ATR.InterfaceGroup(ta: 0xFF)])
        #expect(throws: T1ParametersError.invalidIFSC(0xFF)) { try T1Parameters(atr: badIFSC) }
        let badBWI = ATR(groups: [ATR.InterfaceGroup(td: 1), ATR.InterfaceGroup(td: 1), ATR.InterfaceGroup(tb: 0xA5)])
        #expect(throws: T1ParametersError.reservedBWI(0xA5)) { try T1Parameters(atr: badBWI) }
        let crc = ATR(groups: [ATR.InterfaceGroup(td: 1), ATR.InterfaceGroup(td: 1), ATR.InterfaceGroup(tc: 0x01)])
        #expect(try T1Parameters(atr: crc).edc == .crc)
    }

    @Test func waitingTimesAtFourMegahertz() throws {
        let jpki = try T1Parameters(atr: CatalogueATR.atr(CatalogueATR.jpki))
        #expect(abs(seconds(jpki.blockWaitingTime(clockHz: 4_000_000)) - 1.4295) < 0.0001)  // docs/ccid-reader.md: BWT 1.43 s
        #expect(abs(seconds(jpki.characterWaitingTime(clockHz: 4_000_000)) - 0.0040) < 0.0001)  // docs/ccid-reader.md: CWT 4.0 ms
        #expect(abs(seconds(jpki.etu(clockHz: 4_000_000)) - 0.000093) < 0.0000001)
        let contactless = try T1Parameters(atr: CatalogueATR.atr(CatalogueATR.contactless1))
        #expect(abs(seconds(contactless.characterWaitingTime(clockHz: 4_000_000)) - 0.76288) < 0.0001)
        // After PPS to TA1 13 (D = 4), etu and CWT shrink by 4; BWT's 960 × 372 / f part does not.
        let fast = try T1Parameters(atr: CatalogueATR.atr(CatalogueATR.jpki02))
        #expect(abs(seconds(fast.characterWaitingTime(clockHz: 4_000_000, f: 372, d: 4)) - 0.0017438) < 0.00001)
        #expect(abs(seconds(fast.blockWaitingTime(clockHz: 4_000_000, f: 372, d: 4)) - 1.42874) < 0.0001)
    }

    @Test func transmissionFactorTables() {
        #expect(TransmissionFactors.default.f == 372 && TransmissionFactors.default.d == 1)
        #expect(TransmissionFactors(0x13).bitRate(clockHz: 4_000_000).map { Int($0) } == 43_010)
        #expect(!TransmissionFactors(0x70).isValid && !TransmissionFactors(0x1A).isValid)
        #expect(TransmissionFactors(0xD8).f == 2048 && TransmissionFactors(0xD8).d == 12)
    }

    private func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
