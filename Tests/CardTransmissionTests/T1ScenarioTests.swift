import CardTransmission
import Testing

/// ISO/IEC 7816-3 §11.6 rules, as scenarios in the style of the standard's annex: T = the
/// interface device (the test), C = the card (the protocol under test).
@Suite struct T1ScenarioTests {
    /// Rule 5 (chaining, T → C): I(0,M) / R(1) / I(1,M) / R(0) / I(0) / the APDU.
    @Test func chainingFromTheTerminal() throws {
        var t1 = try connectedCard()
        #expect(t1.receive(iBlock(0, more: true, [1, 2])) == .send(.receiveReady(sequence: 1)))
        #expect(t1.phase == .receivingChain(received: 2))
        #expect(t1.receive(iBlock(1, more: true, [3, 4])) == .send(.receiveReady(sequence: 0)))
        #expect(t1.receive(iBlock(0, [5])) == .process([1, 2, 3, 4, 5]))
        #expect(try t1.respond(hex("90 00")) == .information(sequence: 0, data: hex("90 00")))
    }

    /// Rule 5 (chaining, C → T): I(0,M) / R(1) / I(1,M) / R(0) / I(0); then T's next I-block.
    @Test func chainingFromTheCard() throws {
        var t1 = try connectedCard()
        _ = t1.receive(hex("00 C1 01 04 C4"))  // IFSD 4
        _ = t1.receive(iBlock(0, hex("00 B0 00 00 08")))
        let response = [UInt8](1...8) + hex("90 00")
        #expect(try t1.respond(response) == .information(sequence: 0, more: true, data: [1, 2, 3, 4]))
        #expect(t1.receive(rBlock(1)) == .send(.information(sequence: 1, more: true, data: [5, 6, 7, 8])))
        #expect(t1.receive(rBlock(0)) == .send(.information(sequence: 0, data: hex("90 00"))))
        #expect(t1.phase == .idle)
        #expect(t1.receive(iBlock(1, hex("00 B0 00 08 01"))) == .process(hex("00 B0 00 08 01")))
    }

    /// Rule 7.1: T's I-block arrives with a bad EDC; C answers R(0) with EDC error; T resends.
    @Test func corruptedTerminalBlockIsAskedForAgain() throws {
        var t1 = try connectedCard()
        var garbled = iBlock(0, hex("00 A4 04 0C 02 3F 00"))
        garbled[5] ^= 0x01
        let outcome = t1.receive(garbled)
        #expect(outcome.block?.bytes == hex("00 81 00 81"))
        #expect(outcome == .reject(.receiveReady(sequence: 0, error: .edc), .malformed(.badEDC(expected: 0x97, found: 0x96))))
        #expect(t1.receive(iBlock(0, hex("00 A4 04 0C 02 3F 00"))) == .process(hex("00 A4 04 0C 02 3F 00")))
    }

    /// Rule 7.2 in the card's shoes: C's R-block is lost, T (who sent an I-block) answers with
    /// an R-block; C sends its R-block again, and T resends the I-block.
    @Test func cardsLostErrorBlockIsRepeated() throws {
        var t1 = try connectedCard()
        _ = t1.receive(hex("00 00 02 01"))  // garbled: wrong length
        #expect(t1.lastSent == .receiveReady(sequence: 0, error: .other))
        #expect(t1.receive(rBlock(0, .edc)) == .retransmit(.receiveReady(sequence: 0, error: .other)))
        #expect(t1.receive(iBlock(0, [0, 0xB0, 0, 0, 1])) == .process([0, 0xB0, 0, 0, 1]))
    }

    /// A lost card I-block: T times out and sends R(N(R)) naming the block it expects; C resends it.
    @Test func lostCardBlockIsRecoveredByTheTerminalsRBlock() throws {
        var t1 = try connectedCard()
        _ = t1.receive(iBlock(0, hex("00 B0 00 00 02")))
        let lost = try t1.respond(hex("01 02 90 00"))
        #expect(t1.receive(rBlock(0)) == .retransmit(lost))
        #expect(t1.receive(rBlock(0, .other)) == .retransmit(lost))
        #expect(t1.receive(iBlock(1, hex("00 B0 00 02 02"))) == .process(hex("00 B0 00 02 02")))
    }

    /// During T's chain, C's R(1) is lost; T sends an R-block; C repeats R(1) and the chain goes on.
    @Test func lostAcknowledgementDuringTerminalChaining() throws {
        var t1 = try connectedCard()
        #expect(t1.receive(iBlock(0, more: true, [1])) == .send(.receiveReady(sequence: 1)))
        #expect(t1.receive(rBlock(0)) == .retransmit(.receiveReady(sequence: 1)))
        #expect(t1.receive(iBlock(1, [2])) == .process([1, 2]))
    }

    /// T resends a chained I-block C already took (its acknowledgement was lost and T does not
    /// follow rule 7.1): C flags the sequence error and keeps asking for the block it expects.
    @Test func repeatedChainedBlockIsNotTakenTwice() throws {
        var t1 = try connectedCard()
        _ = t1.receive(iBlock(0, more: true, [1]))
        let outcome = t1.receive(iBlock(0, more: true, [1]))
        #expect(outcome == .reject(.receiveReady(sequence: 1, error: .other), .sequence(expected: 1, received: 0)))
        #expect(t1.receive(iBlock(1, [2])) == .process([1, 2]))
    }

    /// During C's chain, T's R-block arrives garbled; C answers R(N(R)) with EDC error; T repeats
    /// its R-block and C continues.
    @Test func garbledAcknowledgementDuringCardChaining() throws {
        var t1 = try connectedCard()
        _ = t1.receive(hex("00 C1 01 02 C2"))  // IFSD 2
        _ = t1.receive(iBlock(0, hex("00 B0 00 00 02")))
        _ = try t1.respond(hex("01 02 90 00"))
        #expect(t1.receive(hex("00 90 00 91")).block == .receiveReady(sequence: 1, error: .edc))
        #expect(t1.receive(rBlock(1)) == .send(.information(sequence: 1, data: hex("90 00"))))
    }

    /// During C's chain, T did not get C's I(0,M) and asks for it again with R(0).
    @Test func terminalAsksForAChainedBlockAgain() throws {
        var t1 = try connectedCard()
        _ = t1.receive(hex("00 C1 01 02 C2"))
        _ = t1.receive(iBlock(0, hex("00 B0 00 00 02")))
        let first = try t1.respond(hex("01 02 90 00"))
        #expect(t1.receive(rBlock(0, .edc)) == .retransmit(first))
        #expect(t1.receive(rBlock(1)) == .send(.information(sequence: 1, data: hex("90 00"))))
    }

    /// Rule 6: after repeated errors T resynchronises; sequence numbers restart at 0 and T
    /// sends its APDU again.
    @Test func resynchronisationAfterRepeatedErrors() throws {
        var t1 = try connectedCard()
        _ = t1.receive(iBlock(0, hex("00 A4 04 0C 02 3F 00")))
        _ = try t1.respond(hex("90 00"))
        for _ in 0..<3 {
            let outcome = t1.receive(hex("00 40 05 00 B0 00 00"))
            #expect(outcome == .reject(.receiveReady(sequence: 1, error: .other), .malformed(.lengthMismatch(declared: 5, received: 3))))
        }
        #expect(t1.receive(hex("00 C0 00 C0")) == .resynchronized(.response(.resynch)))
        #expect(t1.receive(iBlock(0, hex("00 B0 00 00 02"))) == .process(hex("00 B0 00 00 02")))
        #expect(try t1.respond(hex("01 02 90 00")).sequence == 0)
    }

    /// Rule 6 also ends a card chain and an outstanding WTX request.
    @Test func resynchronisationDropsWhatIsInProgress() throws {
        var t1 = try connectedCard()
        _ = t1.receive(hex("00 C1 01 02 C2"))
        _ = t1.receive(iBlock(0, hex("00 B0 00 00 02")))
        _ = try t1.respond(hex("01 02 90 00"))
        #expect(t1.receive(hex("00 C0 00 C0")) == .resynchronized(.response(.resynch)))
        #expect(t1.phase == .idle)
        _ = t1.receive(iBlock(0, hex("00 88 00 00 01 01 00")))
        _ = try t1.requestWaitingTimeExtension(multiplier: 1)
        #expect(t1.receive(hex("00 C0 00 C0")) == .resynchronized(.response(.resynch)))
        #expect(throws: T1CardProtocolError.notProcessing(.idle)) { try t1.respond(hex("90 00")) }
    }

    /// Rule 7.3: an invalid answer to C's S(WTX request) makes C send the request again.
    @Test func invalidAnswerToWTXRequestRepeatsIt() throws {
        var t1 = try connectedCard()
        _ = t1.receive(iBlock(0, hex("00 88 00 00 01 01 00")))
        let request = try t1.requestWaitingTimeExtension(multiplier: 4)
        #expect(t1.receive(hex("00 E3 01 04 E0")) == .retransmit(request))  // bad LRC
        #expect(t1.receive(hex("00 E3 01 03 E1")) == .retransmit(request))  // wrong multiplier
        #expect(t1.receive(rBlock(0, .other)) == .retransmit(request))
        #expect(t1.receive(hex("00 E1 01 04 E4")) == .retransmit(request))  // wrong S type
        #expect(t1.receive(iBlock(0, [1])) == .retransmit(request))
        #expect(t1.receive(hex("00 E3 01 04 E6")) == .waitingTimeExtensionGranted(multiplier: 4))
    }

    /// Rule 4: T may change IFSD between the blocks of C's chain; the rest follows the new size.
    @Test func terminalChangesIFSDDuringCardChain() throws {
        var t1 = try connectedCard()
        _ = t1.receive(hex("00 C1 01 02 C2"))
        _ = t1.receive(iBlock(0, hex("00 B0 00 00 06")))
        _ = try t1.respond([1, 2, 3, 4, 5, 6, 0x90, 0x00])
        #expect(t1.receive(hex("00 C1 01 10 D0")) == .send(.response(.informationFieldSize(16))))
        #expect(t1.receive(rBlock(1)) == .send(.information(sequence: 1, data: [3, 4, 5, 6, 0x90, 0x00])))
    }

    /// Rule 9: T aborts C's chain; C drops the rest of its response.
    @Test func terminalAbortsTheCardsChain() throws {
        var t1 = try connectedCard()
        _ = t1.receive(hex("00 C1 01 02 C2"))
        _ = t1.receive(iBlock(0, hex("00 B0 00 00 06")))
        _ = try t1.respond([1, 2, 3, 4, 5, 6, 0x90, 0x00])
        #expect(t1.receive(hex("00 C2 00 C2")) == .send(.response(.abort)))
        #expect(t1.phase == .idle)
        #expect(t1.receive(iBlock(1, hex("00 B0 00 00 01"))) == .process(hex("00 B0 00 00 01")))
    }
}
