import CardTransmission
import ISO7816
import Testing

@Suite struct PPSTests {
    @Test func parsesAndEncodes() throws {
        let request = try PPSMessage(bytes: hex("FF 11 13 FD"))
        #expect(request == PPSMessage(protocolType: 1, pps1: 0x13))
        #expect(request.pps0 == 0x11)
        #expect(PPSMessage(protocolType: 1).bytes == hex("FF 01 FE"))
        #expect(PPSMessage(protocolType: 0, pps1: 0x11, pps2: 0x00, pps3: 0x00).bytes == hex("FF 70 11 00 00 9E"))
        #expect(try PPSMessage(bytes: hex("FF 70 11 00 00 9E")) == PPSMessage(protocolType: 0, pps1: 0x11, pps2: 0x00, pps3: 0x00))
        #expect(request.description == "PPS T=1 PPS1 13 (FF 11 13 FD)")
    }

    @Test(arguments: [
        ("FF 01", PPSError.tooShort(2)),
        ("FE 01 FF", .notPPS(0xFE)),
        ("FF 81 7E", .reservedBit(0x81)),
        ("FF 11 EE", .lengthMismatch(expected: 4, received: 3)),
        ("FF 01 00 FE", .lengthMismatch(expected: 3, received: 4)),
        ("FF 11 13 FC", .badPCK(expected: 0xFD, found: 0xFC)),
    ])
    func malformedRequests(bytes: String, error: PPSError) {
        #expect(throws: error) { try PPSMessage(bytes: hex(bytes)) }
    }

    @Test func jpki02AcceptsItsTA1AndSlowerSpeedsWithTheSameF() throws {
        let atr = try CatalogueATR.atr(CatalogueATR.jpki02)
        var negotiation = ProtocolNegotiation(atr: atr)
        #expect(negotiation.factors == .default)
        #expect(negotiation.receive(hex("FF 11 13 FD")) == .pps(.accept(PPSMessage(protocolType: 1, pps1: 0x13))))
        #expect(negotiation.factors == TransmissionFactors(0x13))
        #expect(negotiation.activeProtocol == 1)
        #expect(negotiation.receive(hex("00 C1 01 FE 3E")) == .transmission(.t1))

        var slower = ProtocolNegotiation(atr: atr)
        #expect(slower.answerPPS(hex("FF 11 12 FC")) == .accept(PPSMessage(protocolType: 1, pps1: 0x12)))
        var faster = ProtocolNegotiation(atr: atr)
        #expect(faster.answerPPS(PPSMessage(protocolType: 1, pps1: 0x14).bytes) == .accept(PPSMessage(protocolType: 1)))
        #expect(faster.factors == .default)
        var otherF = ProtocolNegotiation(atr: atr)
        #expect(otherF.answerPPS(PPSMessage(protocolType: 1, pps1: 0x93).bytes) == .accept(PPSMessage(protocolType: 1)))
        var defaults = ProtocolNegotiation(atr: atr)
        #expect(defaults.answerPPS(PPSMessage(protocolType: 1, pps1: 0x11).bytes) == .accept(PPSMessage(protocolType: 1, pps1: 0x11)))
    }

    @Test func pps2IsEchoedOnlyWhenZeroAndPPS3Never() throws {
        var negotiation = ProtocolNegotiation(atr: try CatalogueATR.atr(CatalogueATR.jpki))
        #expect(
            negotiation.answerPPS(PPSMessage(protocolType: 1, pps2: 0x00, pps3: 0x05).bytes)
                == .accept(PPSMessage(protocolType: 1, pps2: 0x00)))
        var other = ProtocolNegotiation(atr: try CatalogueATR.atr(CatalogueATR.jpki))
        #expect(other.answerPPS(PPSMessage(protocolType: 1, pps2: 0x01).bytes) == .accept(PPSMessage(protocolType: 1)))
    }

    @Test func refusalsGetNoAnswer() throws {
        var jpki = ProtocolNegotiation(atr: try CatalogueATR.atr(CatalogueATR.jpki))
        #expect(jpki.receive(hex("FF 00 FF")) == .pps(.mute(.protocolNotOffered(0))))
        #expect(!jpki.isPPSAllowed)
        var specific = ProtocolNegotiation(atr: try CatalogueATR.atr(CatalogueATR.jpki04))
        #expect(specific.factors == TransmissionFactors(0x91))
        #expect(specific.receive(hex("FF 01 FE")) == .pps(.mute(.specificMode)))
        var malformed = ProtocolNegotiation(atr: try CatalogueATR.atr(CatalogueATR.jpki))
        #expect(malformed.receive(hex("FF 01 FF")) == .pps(.mute(.malformed(.badPCK(expected: 0xFE, found: 0xFF)))))
        var t2 = ProtocolNegotiation(atr: try CatalogueATR.atr(CatalogueATR.contactless1))
        #expect(t2.receive(PPSMessage(protocolType: 2).bytes) == .pps(.mute(.protocolNotOffered(2))))
    }

    @Test func contactlessPseudoATRsSwitchToT1ByPPS() throws {
        var negotiation = ProtocolNegotiation(atr: try CatalogueATR.atr(CatalogueATR.contactless3))
        #expect(negotiation.activeProtocol == 0)
        #expect(negotiation.receive(hex("FF 01 FE")) == .pps(.accept(PPSMessage(protocolType: 1))))
        #expect(negotiation.receive(hex("00 C1 01 FE 3E")) == .transmission(.t1))
        var plain = ProtocolNegotiation(atr: try CatalogueATR.atr(CatalogueATR.contactless3))
        #expect(plain.receive(hex("00 A4 04 00 07 A0 00 00 00 03 10 10")) == .transmission(.t0))
    }

    @Test func aPPSIsOnlyPossibleFirst() throws {
        var negotiation = ProtocolNegotiation(atr: try CatalogueATR.atr(CatalogueATR.jpki02))
        #expect(negotiation.receive(hex("00 C1 01 FE 3E")) == .transmission(.t1))
        #expect(negotiation.receive(hex("FF 11 13 FD")) == .transmission(.t1))
        #expect(negotiation.factors == .default)
    }

    /// For every catalogue ATR: the protocol pcscd 1.9.9 picks (T=0|T=1 asked, and each alone),
    /// the PPS Debian's libccid 1.5.2 sends for a GemPC Twin (model below), and whether the
    /// card's answer satisfies the driver.
    @Test(arguments: ATROfferTests.catalogue.map(\.atr))
    func driverNegotiationSucceedsForEveryCatalogueATR(_ text: String) throws {
        let atr = try CatalogueATR.atr(text)
        for preferred in [[0, 1], [0], [1]] {
            guard let chosen = PCSCLiteModel.chooseProtocol(atr: atr, preferred: preferred) else { continue }
            var negotiation = ProtocolNegotiation(atr: atr)
            switch GemPCTwinDriverModel.pps(atr: atr, protocolNumber: chosen) {
            case .refused:
                Issue.record("the driver refuses T=\(chosen) for \(text)")
            case .noPPS:
                #expect(negotiation.activeProtocol == chosen, "without PPS the card must already be in T=\(chosen)")
            case .send(let request):
                guard case .pps(.accept(let response)) = negotiation.receive(request) else {
                    Issue.record("the card does not answer the driver's PPS \(Hex.encode(request, separator: " "))")
                    continue
                }
                #expect(GemPCTwinDriverModel.accepts(request: request, confirm: response.bytes))
                #expect(negotiation.activeProtocol == chosen)
            }
        }
    }

    @Test func driverModelSendsTheExpectedRequests() throws {
        #expect(GemPCTwinDriverModel.pps(atr: try CatalogueATR.atr(CatalogueATR.jpki02), protocolNumber: 1) == .send(hex("FF 11 13 FD")))
        #expect(GemPCTwinDriverModel.pps(atr: try CatalogueATR.atr(CatalogueATR.jpki), protocolNumber: 1) == .noPPS)
        #expect(GemPCTwinDriverModel.pps(atr: try CatalogueATR.atr(CatalogueATR.jpki04), protocolNumber: 1) == .noPPS)
        #expect(GemPCTwinDriverModel.pps(atr: try CatalogueATR.atr(CatalogueATR.jpki04), protocolNumber: 0) == .refused)
        #expect(GemPCTwinDriverModel.pps(atr: try CatalogueATR.atr(CatalogueATR.contactless1), protocolNumber: 1) == .send(hex("FF 01 FE")))
        #expect(GemPCTwinDriverModel.pps(atr: try CatalogueATR.atr(CatalogueATR.contactless1), protocolNumber: 0) == .noPPS)
        #expect(PCSCLiteModel.chooseProtocol(atr: try CatalogueATR.atr(CatalogueATR.contactless1), preferred: [0, 1]) == 1)
        #expect(PCSCLiteModel.chooseProtocol(atr: try CatalogueATR.atr(CatalogueATR.jpki), preferred: [0]) == nil)
        #expect(GemPCTwinDriverModel.accepts(request: hex("FF 11 13 FD"), confirm: hex("FF 01 FE")))
        #expect(!GemPCTwinDriverModel.accepts(request: hex("FF 11 13 FD"), confirm: hex("FF 11 12 FC")))
        #expect(!GemPCTwinDriverModel.accepts(request: hex("FF 01 FE"), confirm: hex("FF 11 13 FD")))
    }
}

/// pcsc-lite 1.9.9's protocol choice at SCardConnect (ATRDecodeAtr + PHSetProtocol), as read in
/// its source: available = every TD's protocol, or TA2's alone; T=1 is tried first when asked.
enum PCSCLiteModel {
    static func chooseProtocol(atr: ATR, preferred: [Int]) -> Int? {
        var available = Set(atr.groups.compactMap { $0.td.map { Int($0) } }.filter { $0 <= 1 })
        if available.isEmpty { available = [0] }
        if atr.groups.count > 1, let ta2 = atr.groups[1].ta { available = [Int(ta2 & 0x0F)] }
        let usable = available.intersection(preferred)
        return usable.contains(1) ? 1 : usable.contains(0) ? 0 : nil
    }
}

/// The PPS decision of libccid 1.5.2's IFDHSetProtocolParameters for a GemPC Twin (no
/// AUTO_PPS flags, 4 MHz, the ISO rate table up to 344 086 bit/s), as read in its source.
enum GemPCTwinDriverModel {
    enum Decision: Equatable {
        case noPPS
        case send([UInt8])
        case refused
    }

    static let rates = [
        10753, 14337, 15625, 17204, 20833, 21505, 23438, 25806, 28674, 31250, 32258, 34409, 39063, 41667,
        43011, 46875, 52083, 53763, 57348, 62500, 64516, 68817, 71685, 78125, 83333, 86022, 93750, 104167,
        107527, 114695, 125000, 129032, 143369, 156250, 166667, 172043, 215054, 229391, 250000, 344086,
    ]

    static func pps(atr: ATR, protocolNumber: Int) -> Decision {
        let ta2 = atr.groups.count > 1 ? atr.groups[1].ta : nil
        if let ta2, Int(ta2 & 0x0F) != protocolNumber { return .refused }
        var pps1: UInt8?
        if let ta1 = atr.groups.first?.ta {
            let factors = TransmissionFactors(ta1)
            let f = Double(factors.f ?? 372)
            let d = Double(factors.d ?? 1)
            let card = Int(1000 * 4000 * d / f)
            let standard = Int(1000 * 4000 * 1 / 372.0)
            if card > standard && card <= 344_086 && rates.contains(where: { card < $0 + 2 && card > $0 - 2 }) { pps1 = ta1 }
        }
        guard ta2 == nil else { return .noPPS }
        let defaultProtocol = atr.groups.lazy.compactMap(\.td).first.map(Int.init) ?? 0
        guard protocolNumber != defaultProtocol || pps1 != nil else { return .noPPS }
        return .send(PPSMessage(protocolType: protocolNumber, pps1: pps1).bytes)
    }

    /// The driver's check of the card's confirmation: not longer than the request, identical
    /// when as long, and PPS1 (if confirmed) equal to the one asked for.
    static func accepts(request: [UInt8], confirm: [UInt8]) -> Bool {
        if confirm.count == request.count && confirm != request { return false }
        if confirm.count > request.count { return false }
        if confirm.count > 2 && confirm[1] & 0x10 != 0 && confirm[2] != request[2] { return false }
        return true
    }
}
