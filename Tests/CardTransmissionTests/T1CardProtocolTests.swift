import CardTransmission
import TestSupport
import Testing

/// Malformed and out-of-turn input, API misuse, and a protocol fuzz.
@Suite struct T1CardProtocolTests {
    @Test(arguments: [
        ("00 00 02 90 00 93", "00 81 00 81"),  // bad LRC → EDC error
        ("00 00 03 90 00 93", "00 82 00 82"),  // LEN says 3, 2 arrived
        ("00 00 FF 90 00 6F", "00 82 00 82"),  // LEN FF
        ("21 00 01 00 20", "00 82 00 82"),  // NAD 21
        ("00 1F 00 1F", "00 82 00 82"),  // reserved PCB bits
        ("00 C5 00 C5", "00 82 00 82"),  // unknown S type
        ("00 C1 01 00 C0", "00 82 00 82"),  // S(IFS request 0)
        ("00 C3 01 01 C3", "00 82 00 82"),  // S(WTX request) from the terminal
        ("00 E3 01 01 E3", "00 82 00 82"),  // S(WTX response) nobody asked for
        ("00 E1 01 20 C0", "00 82 00 82"),  // S(IFS response) nobody asked for
        ("00 40 01 00 41", "00 82 00 82"),  // I(1) when I(0) is expected
        ("00 80 00 80", "00 82 00 82"),  // an R-block as the first block after the ATR
        ("", "00 82 00 82"),
        ("00", "00 82 00 82"),
    ])
    func invalidFirstBlocksGetTheRightRBlock(received: String, answer: String) throws {
        var t1 = try T1CardProtocol()
        let outcome = t1.receive(hex(received))
        guard case .reject(let block, _) = outcome else {
            Issue.record("expected a rejection, got \(outcome)")
            return
        }
        #expect(block.bytes == hex(answer))
        #expect(t1.phase == .idle && t1.receiveSequence == 0 && t1.sendSequence == 0)
    }

    @Test func rejectionsCarryTheExpectedSequenceNumber() throws {
        var t1 = try connectedCard()
        _ = t1.receive(iBlock(0, hex("00 A4 04 0C 02 3F 00")))
        _ = try t1.respond(hex("90 00"))
        #expect(t1.receive(hex("00 40 02 90 00 D3")).block?.bytes == hex("00 91 00 91"))
        #expect(t1.receive(hex("21 40 00 61")) == .reject(.receiveReady(sequence: 1, error: .other), .nodeAddress(0x21)))
    }

    @Test func anIBlockDuringTheCardsChainIsRejected() throws {
        var t1 = try connectedCard()
        _ = t1.receive(hex("00 C1 01 02 C2"))
        _ = t1.receive(iBlock(0, hex("00 B0 00 00 02")))
        let first = try t1.respond(hex("01 02 90 00"))
        let intruder = T1Block.information(sequence: 1, data: [0])
        #expect(t1.receive(intruder.bytes) == .reject(.receiveReady(sequence: 1, error: .other), .unexpected(intruder)))
        #expect(t1.receive(rBlock(0)) == .retransmit(first))
    }

    @Test func anRBlockAcknowledgingTheFinalBlockIsRejected() throws {
        var t1 = try connectedCard()
        _ = t1.receive(iBlock(0, hex("00 B0 00 00 02")))
        let final = try t1.respond(hex("01 02 90 00"))
        #expect(t1.receive(rBlock(1)) == .reject(.receiveReady(sequence: 1, error: .other), .unexpected(.receiveReady(sequence: 1))))
        #expect(t1.receive(rBlock(0)) == .retransmit(final))
    }

    @Test func theCardIsDeafWhileProcessing() throws {
        var t1 = try connectedCard()
        _ = t1.receive(iBlock(0, hex("00 B0 00 00 02")))
        #expect(t1.receive(hex("00 C0 00 C0")) == .silent)
        #expect(t1.receive(hex("FF")) == .silent)
        #expect(t1.phase == .processing)
    }

    @Test func theCardsRequestsNeedTheTurn() throws {
        var t1 = try connectedCard()
        #expect(throws: T1CardProtocolError.notProcessing(.idle)) { try t1.respond(hex("90 00")) }
        #expect(throws: T1CardProtocolError.notProcessing(.idle)) { try t1.requestWaitingTimeExtension(multiplier: 1) }
        #expect(throws: T1CardProtocolError.notProcessing(.idle)) { try t1.requestInformationFieldSize(32) }
        _ = t1.receive(iBlock(0, hex("00 B0 00 00 02")))
        #expect(throws: T1CardProtocolError.invalidMultiplier(0)) { try t1.requestWaitingTimeExtension(multiplier: 0) }
        #expect(throws: T1CardProtocolError.invalidMultiplier(256)) { try t1.requestWaitingTimeExtension(multiplier: 256) }
        #expect(throws: T1CardProtocolError.invalidIFSC(255)) { try t1.requestInformationFieldSize(255) }
        #expect(throws: T1CardProtocolError.invalidIFSC(0)) { try t1.requestInformationFieldSize(0) }
        _ = try t1.requestWaitingTimeExtension(multiplier: 1)
        #expect(throws: T1CardProtocolError.notProcessing(.awaitingResponse(.waitingTimeExtension(1)))) { try t1.respond(hex("90 00")) }
    }

    @Test func parametersTheEngineCannotServe() {
        let crc = T1Parameters(ifsc: 32, edc: .crc, bwi: 4, cwi: 13)
        #expect(throws: T1CardProtocolError.crcNotSupported) { try T1CardProtocol(parameters: crc) }
        let huge = T1Parameters(ifsc: 255, edc: .lrc, bwi: 4, cwi: 13)
        #expect(throws: T1CardProtocolError.invalidIFSC(255)) { try T1CardProtocol(parameters: huge) }
    }

    @Test func anEmptyResponseIsOneEmptyIBlock() throws {
        var t1 = try connectedCard()
        #expect(t1.receive(iBlock(0, [])) == .process([]))
        #expect(try t1.respond([]).bytes == hex("00 00 00 00"))
    }

    @Test func outcomesDescribeThemselves() throws {
        #expect(T1Outcome.send(.receiveReady(sequence: 1)).description == "send R(1)")
        #expect(
            T1Outcome.process(hex("00 A4 04 00 07 A0 00 00 00 03 10 10")).description
                == "process APDU 00 A4 04 00 07 A0 00 00 … (12 bytes)")
        #expect(
            T1Outcome.reject(.receiveReady(sequence: 0, error: .edc), .malformed(.badEDC(expected: 1, found: 2))).description
                == "reject (the LRC is 02, the bytes give 01): send R(0) EDC error")
        #expect(T1Phase.awaitingResponse(.waitingTimeExtension(2)).description == "awaiting the response to S(WTX request ×2)")
    }

    /// Random blocks, valid and not, in random phases: the engine never traps, every block it
    /// sends parses, R-blocks always carry its N(R), and a new I-block never exceeds IFSD (a
    /// retransmission repeats the block as it was, even after IFSD shrank).
    @Test func fuzzedTrafficKeepsTheEngineConsistent() throws {
        var random = SeededRandom(seed: 0xC0FFEE)
        var t1 = try connectedCard()
        var processed = 0
        for _ in 0..<100_000 {
            let input: [UInt8]
            switch Int.random(in: 0..<6, using: &random) {
            case 0: input = random.bytes(Int.random(in: 0...12, using: &random))
            case 1: input = rBlock(Int.random(in: 0...1, using: &random), .none)
            case 2:
                let data = random.bytes(Int.random(in: 0...40, using: &random))
                input = iBlock(Int.random(in: 0...1, using: &random), more: Bool.random(using: &random), data)
            case 3:
                let supervisory = ["00 C1 01 FE 3E", "00 C1 01 10 D0", "00 C0 00 C0", "00 C2 00 C2", "00 E3 01 01 E3"]
                input = hex(supervisory[Int.random(in: 0..<supervisory.count, using: &random)])
            default: input = iBlock(t1.receiveSequence, random.bytes(Int.random(in: 4...20, using: &random)))
            }
            let outcome = t1.receive(input)
            if let block = outcome.block {
                #expect((try? T1Block(bytes: block.bytes)) == block)
                if case .reject(let r, _) = outcome { #expect(r.sequence == t1.receiveSequence) }
                if case .send(let sent) = outcome, case .information(_, _, let data) = sent.content { #expect(data.count <= t1.ifsd) }
            }
            if case .process = outcome {
                processed += 1
                if Bool.random(using: &random) {
                    _ = try t1.requestWaitingTimeExtension(multiplier: 1)
                    _ = t1.receive(hex("00 E3 01 01 E3"))
                }
                let response = random.bytes(Int.random(in: 2...600, using: &random))
                let block = try t1.respond(response)
                #expect(block.information.count <= t1.ifsd)
            }
            #expect(t1.phase != .processing)
        }
        #expect(processed > 1_000)
    }
}
