import CardTransmission
import TestSupport
import Testing

/// A stand-in card OS: answers from a table keyed by INS and records every command it ran.
struct RecordingCard {
    var answers: [UInt8: [UInt8]]
    var commands: [[UInt8]] = []

    mutating func process(_ command: [UInt8]) -> [UInt8] {
        commands.append(command)
        return answers[command[1]] ?? [0x6D, 0x00]
    }
}

@Suite struct T0CardProtocolTests {
    let file = (0..<100).map { UInt8($0) }

    @Test func case1WithAndWithoutP3() throws {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [0x20: [0x63, 0xC3]])
        let short = try t0.exchange(hex("00 20 00 81")) { card.process($0) }
        #expect(short.reply == hex("63 C3"))
        #expect(short.steps == [.header(hex("00 20 00 81 00")), .procedure(.status(0x63, 0xC3))])
        let withP3 = try t0.exchange(hex("00 20 00 81 00")) { card.process($0) }
        #expect(withP3.reply == hex("63 C3"))
        #expect(withP3.command == hex("00 20 00 81"))
        #expect(card.commands == [hex("00 20 00 81"), hex("00 20 00 81")])
        #expect(withP3.procedureBytes == hex("63 C3"))
    }

    @Test func case2WithTheRightLe() throws {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [0xB0: Array(file.prefix(16)) + [0x90, 0x00]])
        let exchange = try t0.exchange(hex("00 B0 00 00 10")) { card.process($0) }
        #expect(exchange.reply == Array(file.prefix(16)) + [0x90, 0x00])
        #expect(
            exchange.steps == [
                .header(hex("00 B0 00 00 10")), .procedure(.acknowledge(ins: 0xB0)),
                .dataFromCard(Array(file.prefix(16))), .procedure(.status(0x90, 0x00)),
            ])
        #expect(exchange.procedureBytes == hex("B0 90 00"))
        #expect(exchange.description == "header 00 B0 00 00 10, ACK B0, 16 bytes from card, SW 90 00")
    }

    @Test func case2WithAWrongLeGets6CAndTheRetryWorks() throws {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [0xB0: file + [0x90, 0x00]])
        let first = try t0.exchange(hex("00 B0 00 00 00")) { card.process($0) }
        #expect(first.reply == hex("6C 64"))
        #expect(first.command == hex("00 B0 00 00 00"))
        let retry = try t0.exchange(hex("00 B0 00 00 64")) { card.process($0) }
        #expect(retry.reply == file + [0x90, 0x00])
        let tooShort = try t0.exchange(hex("00 B0 00 00 05")) { card.process($0) }
        #expect(tooShort.reply == hex("6C 64"))
        #expect(card.commands.count == 3)
    }

    @Test func case2WithAnErrorIsJustTheStatus() throws {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [0xB0: [0x6A, 0x82]])
        let exchange = try t0.exchange(hex("00 B0 00 00 10")) { card.process($0) }
        #expect(exchange.reply == hex("6A 82"))
        #expect(exchange.steps == [.header(hex("00 B0 00 00 10")), .procedure(.status(0x6A, 0x82))])
    }

    @Test func case2BeyondTwoHundredFiftySixBytesContinuesWith61() throws {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [0xB0: [UInt8](repeating: 7, count: 300) + [0x90, 0x00]])
        let first = try t0.exchange(hex("00 B0 00 00 00")) { card.process($0) }
        #expect(first.reply == [UInt8](repeating: 7, count: 256) + hex("61 2C"))
        let rest = try t0.exchange(hex("00 C0 00 00 2C")) { card.process($0) }
        #expect(rest.reply == [UInt8](repeating: 7, count: 44) + hex("90 00"))
        #expect(rest.command == nil)
    }

    @Test func case3AcknowledgesAndTakesTheData() throws {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [0x20: [0x90, 0x00]])
        let exchange = try t0.exchange(hex("00 20 00 81 04 31 32 33 34")) { card.process($0) }
        #expect(exchange.reply == hex("90 00"))
        #expect(
            exchange.steps == [
                .header(hex("00 20 00 81 04")), .procedure(.acknowledge(ins: 0x20)),
                .dataToCard(hex("31 32 33 34")), .procedure(.status(0x90, 0x00)),
            ])
        #expect(card.commands == [hex("00 20 00 81 04 31 32 33 34")])
    }

    @Test func case4Gives61AndGetResponseChains() throws {
        var t0 = T0CardProtocol()
        let signature = (0..<300).map { UInt8($0 & 0xFF) }
        var card = RecordingCard(answers: [0x88: signature + [0x90, 0x00]])
        let command = try t0.exchange(hex("00 88 00 00 04 01 02 03 04")) { card.process($0) }
        #expect(command.reply == hex("61 00"))
        #expect(card.commands == [hex("00 88 00 00 04 01 02 03 04 00")])  // the card OS sees case 4, Le 256
        #expect(t0.pending?.data.count == 300)

        let tooLong = try t0.exchange(hex("00 C0 00 00 00")) { card.process($0) }
        #expect(tooLong.reply == Array(signature.prefix(256)) + hex("61 2C"))
        let wrongLe = try t0.exchange(hex("00 C0 00 00 30")) { card.process($0) }
        #expect(wrongLe.reply == hex("6C 2C"))
        let badP1P2 = try t0.exchange(hex("00 C0 01 00 2C")) { card.process($0) }
        #expect(badP1P2.reply == hex("6A 86"))
        let last = try t0.exchange(hex("00 C0 00 00 2C")) { card.process($0) }
        #expect(last.reply == Array(signature.suffix(44)) + hex("90 00"))
        #expect(
            last.steps == [
                .header(hex("00 C0 00 00 2C")), .procedure(.acknowledge(ins: 0xC0)),
                .dataFromCard(Array(signature.suffix(44))), .procedure(.status(0x90, 0x00)),
            ])
        #expect(t0.pending == nil)
        #expect(card.commands.count == 1)
    }

    @Test func case4ResponseEndsWithTheCommandsOwnStatus() throws {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [0x88: [1, 2, 3, 0x62, 0x82]])
        #expect(try t0.exchange(hex("00 88 00 00 01 00")) { card.process($0) }.reply == hex("61 03"))
        #expect(try t0.exchange(hex("00 C0 00 00 03")) { card.process($0) }.reply == hex("01 02 03 62 82"))
    }

    @Test func case4WithItsLeStillGoesThrough61() throws {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [0x88: [UInt8](repeating: 9, count: 256) + [0x90, 0x00]])
        let exchange = try t0.exchange(hex("00 88 00 00 04 01 02 03 04 00")) { card.process($0) }
        #expect(exchange.reply == hex("61 00"))
        #expect(exchange.steps.contains(.leNotSent(0x00)))
        #expect(card.commands == [hex("00 88 00 00 04 01 02 03 04 00")])
    }

    @Test func anotherCommandDiscardsThePendingResponse() throws {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [0x88: [1, 2, 0x90, 0x00], 0xA4: [0x90, 0x00]])
        _ = try t0.exchange(hex("00 88 00 00 01 00")) { card.process($0) }
        #expect(try t0.exchange(hex("00 A4 02 0C 02 00 01")) { card.process($0) }.reply == hex("90 00"))
        #expect(t0.pending == nil)
        // With nothing pending, GET RESPONSE is an ordinary command for the card OS.
        let getResponse = try t0.exchange(hex("00 C0 00 00 02")) { card.process($0) }
        #expect(getResponse.reply == hex("6D 00"))
        #expect(getResponse.command == hex("00 C0 00 00 02"))
    }

    @Test func selectIsCase4OnlyWhenItAsksForFCI() throws {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [0xA4: [0x90, 0x00]])
        _ = try t0.exchange(hex("00 A4 04 0C 02 D3 92")) { card.process($0) }
        _ = try t0.exchange(hex("00 A4 04 00 02 D3 92")) { card.process($0) }
        #expect(card.commands == [hex("00 A4 04 0C 02 D3 92"), hex("00 A4 04 00 02 D3 92 00")])
    }

    @Test func insThatCollidesWithProcedureBytesIsRefused() throws {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [:])
        #expect(try t0.exchange(hex("00 6A 00 00 00")) { card.process($0) }.reply == hex("6D 00"))
        #expect(try t0.exchange(hex("00 92 00 00 00")) { card.process($0) }.command == nil)
        #expect(card.commands.isEmpty)
    }

    @Test func nullProcedureBytesAreTraced() throws {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [0x20: [0x90, 0x00], 0xB0: [1, 0x90, 0x00]])
        let dataIn = try t0.exchange(hex("00 20 00 81 01 31"), nullProcedureBytes: 2) { card.process($0) }
        #expect(dataIn.procedureBytes == hex("20 60 60 90 00"))
        let dataOut = try t0.exchange(hex("00 B0 00 00 01"), nullProcedureBytes: 1) { card.process($0) }
        #expect(dataOut.procedureBytes == hex("60 B0 90 00"))
    }

    @Test(arguments: [
        ("00 B0 00", T0TPDUError.tooShort(3)),
        ("00 B0 00 00 00 01 00", .extendedLength(7)),
        ("00 D6 00 00 00 00 03 01 02 03", .extendedLength(10)),
        ("00 20 00 81 04 31 32", .lengthMismatch(p3: 4, following: 2)),
        ("00 20 00 81 02 31 32 33 34", .lengthMismatch(p3: 2, following: 4)),
        ("00 20 00 81 00 31", .lengthMismatch(p3: 0, following: 1)),
    ])
    func malformedTPDUs(bytes: String, error: T0TPDUError) {
        var t0 = T0CardProtocol()
        var card = RecordingCard(answers: [:])
        #expect(throws: error) { try t0.exchange(hex(bytes)) { card.process($0) } }
        #expect(card.commands.isEmpty)
    }

    @Test func aShortResponseFromTheCardOSBecomes6F00() throws {
        var t0 = T0CardProtocol()
        let exchange = try t0.exchange(hex("00 20 00 81")) { _ in [0x90] }
        #expect(exchange.reply == hex("6F 00"))
    }

    @Test func aCustomClassifierDecidesTheAmbiguousCases() throws {
        struct EverythingOut: T0CommandClassifier {
            func kind(cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8) -> T0CommandKind { .dataOut }
        }
        var t0 = T0CardProtocol(classifier: EverythingOut())
        var card = RecordingCard(answers: [0x20: [0x63, 0xC3]])
        _ = try t0.exchange(hex("00 20 00 81 00")) { card.process($0) }
        #expect(card.commands == [hex("00 20 00 81 00")])
    }

    /// Random byte strings never trap the T=0 engine; whatever it replies ends with a status word.
    @Test func fuzzedTPDUsFailCleanly() {
        var random = SeededRandom(seed: 0x70)
        var t0 = T0CardProtocol()
        var answered = 0
        for _ in 0..<100_000 {
            var tpdu = random.bytes(Int.random(in: 0...12, using: &random))
            if tpdu.count > 4 && Bool.random(using: &random) { tpdu[4] = UInt8(tpdu.count - 5) }
            let responseLength = Int.random(in: 0...300, using: &random)
            if let exchange = try? t0.exchange(tpdu, process: { _ in random.bytes(responseLength) }) {
                answered += 1
                #expect(exchange.reply.count >= 2)
                #expect(exchange.reply.count <= 258)
            }
        }
        #expect(answered > 10_000)
    }
}
