import CardTransmission
import Testing

/// Byte-exact exchanges measured with Debian's libccidtwin.so (docs/ccid-reader.md, "T=1 as the driver runs it").
@Suite struct T1DriverExchangeTests {
    @Test func ifsdNegotiationAnswersExactlyE1() throws {
        var t1 = try T1CardProtocol(parameters: T1Parameters(ifsc: 254, edc: .lrc, bwi: 4, cwi: 5))
        #expect(t1.ifsd == 32)
        let outcome = t1.receive(hex("00 C1 01 FE 3E"))
        #expect(outcome.block?.bytes == hex("00 E1 01 FE 1E"))
        #expect(t1.ifsd == 254)
        #expect(t1.phase == .idle)
        #expect(t1.sendSequence == 0 && t1.receiveSequence == 0)
    }

    @Test func selectIsProcessedAndAnsweredInOneBlock() throws {
        var t1 = try connectedCard()
        let outcome = t1.receive(hex("00 00 0C 00 A4 04 00 07 A0 00 00 00 03 10 10 08"))
        #expect(outcome == .process(hex("00 A4 04 00 07 A0 00 00 00 03 10 10")))
        #expect(t1.receive(hex("00 00 0C 00 A4 04 00 07 A0 00 00 00 03 10 10 08")) == .silent)
        let answer = try t1.respond(hex("90 00"))
        #expect(answer.bytes == hex("00 00 02 90 00 92"))
        #expect(answer.description == "I(0) 2 bytes")
        #expect(t1.phase == .idle)
    }

    @Test func secondCommandUsesTheOtherSequenceNumbers() throws {
        var t1 = try connectedCard()
        _ = t1.receive(iBlock(0, hex("00 A4 04 0C 02 3F 00")))
        _ = try t1.respond(hex("90 00"))
        #expect(t1.receive(iBlock(1, hex("00 B0 00 00 02"))) == .process(hex("00 B0 00 00 02")))
        #expect(try t1.respond(hex("AA BB 90 00")).bytes == hex("00 40 04 AA BB 90 00") + [0x00 ^ 0x40 ^ 0x04 ^ 0xAA ^ 0xBB ^ 0x90])
    }

    @Test func a258ByteResponseTravelsInTwoBlocksWithIFSD254() throws {
        var t1 = try connectedCard()
        #expect(t1.receive(iBlock(0, hex("00 B0 00 00 00"))) == .process(hex("00 B0 00 00 00")))
        let response = (0..<256).map { UInt8($0 & 0xFF) } + hex("90 00")
        let first = try t1.respond(response)
        #expect(first.description == "I(0) M 254 bytes")
        #expect(first.pcb == 0x20)
        #expect(t1.phase == .sendingChain(remaining: 4))
        let second = t1.receive(rBlock(1))
        #expect(second.block?.description == "I(1) 4 bytes")
        #expect(second.block?.information == Array(response.suffix(4)))
        #expect(t1.phase == .idle)
        #expect(first.information + (second.block?.information ?? []) == response)
    }

    @Test func a263ByteCommandArrivesInNineBlocksAfterTheCardSetIFSC32() throws {
        var t1 = try connectedCard()
        #expect(t1.receive(iBlock(0, hex("00 A4 04 0C 02 3F 00"))) == .process(hex("00 A4 04 0C 02 3F 00")))
        let request = try t1.requestInformationFieldSize(32)
        #expect(request.bytes == hex("00 C1 01 20 E0"))
        #expect(t1.receive(hex("00 E1 01 20 C0")) == .informationFieldSizeAccepted(32))
        #expect(t1.ifsc == 32)
        _ = try t1.respond(hex("90 00"))

        let apdu = hex("00 D6 00 00 00 01 00") + (0..<256).map { UInt8($0 & 0xFF) }  // 263 bytes, case 3 extended
        #expect(apdu.count == 263)
        var sequence = 1
        var blocks = 0
        var offset = 0
        var final: T1Outcome?
        while offset < apdu.count {
            let chunk = Array(apdu[offset..<min(offset + 32, apdu.count)])
            offset += chunk.count
            blocks += 1
            let more = offset < apdu.count
            let outcome = t1.receive(iBlock(sequence, more: more, chunk))
            sequence ^= 1
            if more {
                #expect(outcome == .send(.receiveReady(sequence: sequence)))
            } else {
                final = outcome
            }
        }
        #expect(blocks == 9)
        #expect(final == .process(apdu))
    }

    @Test func aBlockLongerThanTheCardsIFSCIsRejected() throws {
        var t1 = try connectedCard(ifsc: 32)
        let outcome = t1.receive(iBlock(0, [UInt8](repeating: 0x11, count: 33)))
        #expect(outcome == .reject(.receiveReady(sequence: 0, error: .other), .informationFieldTooLong(length: 33, ifsc: 32)))
        #expect(outcome.block?.bytes == hex("00 82 00 82"))
    }

    @Test func waitingTimeExtensionRequestAndResponse() throws {
        var t1 = try connectedCard()
        _ = t1.receive(iBlock(0, hex("80 2A 00 80 20") + [UInt8](repeating: 1, count: 32)))
        let wtx = try t1.requestWaitingTimeExtension(multiplier: 2)
        #expect(wtx.bytes == hex("00 C3 01 02 C0"))
        #expect(wtx.description == "S(WTX request ×2)")
        #expect(t1.phase == .awaitingResponse(.waitingTimeExtension(2)))
        #expect(t1.receive(hex("00 E3 01 02 E0")) == .waitingTimeExtensionGranted(multiplier: 2))
        #expect(t1.phase == .processing)
        _ = try t1.requestWaitingTimeExtension(multiplier: 3)
        #expect(t1.receive(hex("00 E3 01 03 E1")) == .waitingTimeExtensionGranted(multiplier: 3))
        #expect(try t1.respond(hex("90 00")).bytes == hex("00 00 02 90 00 92"))
    }

    @Test func driverEDCErrorMakesTheCardResend() throws {
        var t1 = try connectedCard()
        _ = t1.receive(iBlock(0, hex("00 A4 04 0C 02 3F 00")))
        _ = try t1.respond(hex("90 00"))
        _ = t1.receive(iBlock(1, hex("00 B0 00 00 02")))
        let sent = try t1.respond(hex("01 02 90 00"))
        // The driver saw a bad LRC on the card's I(1) and answers R(1) with EDC error.
        #expect(t1.receive(hex("00 91 00 91")) == .retransmit(sent))
        #expect(t1.receive(hex("00 91 00 91")) == .retransmit(sent))
        #expect(t1.receive(iBlock(0, hex("00 B0 00 02 02"))) == .process(hex("00 B0 00 02 02")))
    }

    @Test func resynchResetsSequenceNumbersAndIFSD() throws {
        var t1 = try connectedCard()
        _ = t1.receive(iBlock(0, hex("00 A4 04 0C 02 3F 00")))
        _ = try t1.respond(hex("90 00"))
        #expect(t1.sendSequence == 1 && t1.receiveSequence == 1)
        let outcome = t1.receive(hex("00 C0 00 C0"))
        #expect(outcome.block?.bytes == hex("00 E0 00 E0"))
        #expect(outcome == .resynchronized(.response(.resynch)))
        #expect(t1.sendSequence == 0 && t1.receiveSequence == 0)
        #expect(t1.ifsd == 32)
        #expect(t1.ifsc == 254)
        #expect(t1.receive(iBlock(0, hex("00 A4 04 0C 02 3F 00"))) == .process(hex("00 A4 04 0C 02 3F 00")))
    }

    @Test func cardAbortRequestIsNotSentButTerminalAbortIsAnswered() throws {
        var t1 = try connectedCard()
        #expect(t1.receive(iBlock(0, more: true, [1, 2, 3])) == .send(.receiveReady(sequence: 1)))
        #expect(t1.receive(hex("00 C2 00 C2")).block?.bytes == hex("00 E2 00 E2"))
        #expect(t1.phase == .idle)
        // The aborted chain is gone: the next command stands alone.
        #expect(t1.receive(iBlock(1, hex("00 B0 00 00 01"))) == .process(hex("00 B0 00 00 01")))
    }
}

/// The whole connect of docs/ccid-reader.md as a reader would route it: negotiation, then T=1.
@Suite struct ReaderRoutingTests {
    @Test func connectAndSelectThroughTheNegotiation() throws {
        let atr = try CatalogueATR.atr(CatalogueATR.jpki)
        var negotiation = ProtocolNegotiation(atr: atr)
        var t1 = try T1CardProtocol(parameters: T1Parameters(atr: atr))
        var replies: [[UInt8]] = []
        for xfr in [hex("00 C1 01 FE 3E"), hex("00 00 0C 00 A4 04 00 07 A0 00 00 00 03 10 10 08")] {
            #expect(negotiation.receive(xfr) == .transmission(.t1))
            switch t1.receive(xfr) {
            case .process(let apdu):
                #expect(apdu == hex("00 A4 04 00 07 A0 00 00 00 03 10 10"))
                replies.append(try t1.respond(hex("90 00")).bytes)
            case let outcome:
                replies.append(outcome.block?.bytes ?? [])
            }
        }
        #expect(replies == [hex("00 E1 01 FE 1E"), hex("00 00 02 90 00 92")])
    }

    @Test func jpki02ConnectStartsWithThePPS() throws {
        let atr = try CatalogueATR.atr(CatalogueATR.jpki02)
        var negotiation = ProtocolNegotiation(atr: atr)
        guard case .pps(.accept(let response)) = negotiation.receive(hex("FF 11 13 FD")) else {
            Issue.record("PPS not accepted")
            return
        }
        #expect(response.bytes == hex("FF 11 13 FD"))
        var t1 = try T1CardProtocol(parameters: T1Parameters(atr: atr))
        #expect(t1.ifsc == 251)
        #expect(negotiation.receive(hex("00 C1 01 FE 3E")) == .transmission(.t1))
        #expect(t1.receive(hex("00 C1 01 FE 3E")).block?.bytes == hex("00 E1 01 FE 1E"))
    }
}
