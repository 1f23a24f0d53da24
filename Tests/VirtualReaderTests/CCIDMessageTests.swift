import Testing
import VirtualReader

@Suite("CCID commands")
struct CCIDCommandTests {
    @Test("parses the driver's IccPowerOn with bPowerSelect 01 (5 V)")
    func powerOn() throws {
        let command = try CCIDCommand(parsing: hex("62 00 00 00 00 00 08 01 00 00"))
        #expect(command == CCIDCommand(slot: 0, sequence: 8, .iccPowerOn(.fiveVolts)))
    }

    @Test("parses SetParameters T=1 with the driver's 7 bytes")
    func setParameters() throws {
        let command = try CCIDCommand(parsing: hex("61 07 00 00 00 00 0A 01 00 00 11 10 FF 45 00 FE 00"))
        #expect(command.body == .setParameters(protocolNumber: 1, data: hex("11 10 FF 45 00 FE 00")))
        #expect(command.sequence == 0x0A)
    }

    @Test("parses XfrBlock with its bBWI (the WTX multiplier)")
    func xfrBlock() throws {
        let command = try CCIDCommand(parsing: hex("6F 05 00 00 00 00 12 02 00 00 00 E3 01 02 E0"))
        #expect(command.body == .xfrBlock(block: hex("00 E3 01 02 E0"), bwi: 2, levelParameter: 0))
    }

    @Test(
        "every command encodes and parses back to itself",
        arguments: [
            CCIDCommand.Body.iccPowerOn(.threeVolts), .iccPowerOff, .getSlotStatus,
            .xfrBlock(block: [1, 2, 3], bwi: 4, levelParameter: 0x1234),
            .getParameters, .resetParameters, .setParameters(protocolNumber: 0, data: [0x11, 0, 0, 10, 0]), .escape([0x02]),
            .iccClock(1), .t0APDU(changes: 3, classGetResponse: 0xFF, classEnvelope: 0xFF),
            .secure(bwi: 0, levelParameter: 0, data: [0, 1]),
            .mechanical(function: 1), .abort, .setDataRateAndClockFrequency(clockFrequency: 4000, dataRate: 10753),
        ])
    func roundTrip(body: CCIDCommand.Body) throws {
        let command = CCIDCommand(slot: 1, sequence: 0xEE, body)
        #expect(try CCIDCommand(parsing: command.encoded) == command)
        #expect(CCIDHeader.declaredLength(command.encoded[...]) == command.encoded.count - 10)
    }

    @Test("an unknown message type is refused as not supported, answered with SlotStatus")
    func unknownType() {
        #expect(throws: CCIDCommandError.self) { try CCIDCommand(parsing: hex("50 00 00 00 00 00 03 00 00 00")) }
        do {
            _ = try CCIDCommand(parsing: hex("74 00 00 00 00 00 03 00 00 00"))
        } catch {
            #expect(error.errorCode == .commandNotSupported)
            #expect(error.header.sequence == 3)
            #expect(AnswerType.answering(error.header.typeByte) == .slotStatus)
        }
    }

    @Test("a dwLength that disagrees with the data is bError 1; a bad bPowerSelect is bError 7")
    func malformed() {
        do {
            _ = try CCIDCommand(parsing: hex("6F 05 00 00 00 00 01 00 00 00 00"))
            Issue.record("accepted a short XfrBlock")
        } catch {
            #expect(error.errorCode == .wrongLength)
        }
        do {
            _ = try CCIDCommand(parsing: hex("62 00 00 00 00 00 01 07 00 00"))
            Issue.record("accepted bPowerSelect 07")
        } catch {
            #expect(error.errorCode.rawValue == 7)
        }
        do {
            _ = try CCIDCommand(parsing: hex("65 01 00 00 00 00 01 00 00 00 AA"))
            Issue.record("accepted data on GetSlotStatus")
        } catch {
            #expect(error.errorCode == .wrongLength)
        }
    }

    @Test("each command type names the answer type CCID gives it")
    func answerTypes() {
        #expect(CommandType.iccPowerOn.answerType == .dataBlock)
        #expect(CommandType.xfrBlock.answerType == .dataBlock)
        #expect(CommandType.secure.answerType == .dataBlock)
        #expect(CommandType.setParameters.answerType == .parameters)
        #expect(CommandType.getParameters.answerType == .parameters)
        #expect(CommandType.resetParameters.answerType == .parameters)
        #expect(CommandType.escape.answerType == .escape)
        #expect(CommandType.setDataRateAndClockFrequency.answerType == .dataRateAndClockFrequency)
        for type in [CommandType.iccPowerOff, .getSlotStatus, .iccClock, .t0APDU, .mechanical, .abort] {
            #expect(type.answerType == .slotStatus)
        }
    }
}

@Suite("CCID answers")
struct CCIDResponseTests {
    @Test("encodes the spec's Parameters answer to SetParameters T=1")
    func parameters() {
        let answer = CCIDResponse(.parameters, slot: 0, sequence: 0x0A, iccStatus: .active, specific: 1, data: hex("11 10 FF 45 00 FE 00"))
        #expect(answer.encoded == hex("82 07 00 00 00 00 0A 00 00 01 11 10 FF 45 00 FE 00"))
    }

    @Test("encodes the spec's DataBlock with the ATR")
    func atr() {
        let answer = CCIDResponse(.dataBlock, slot: 0, sequence: 8, iccStatus: .active, data: hex("3B E0 00 FF 81 31 FE 45 14"))
        #expect(SerialFraming.frame(answer.encoded) == hex("03 06 80 09 00 00 00 00 08 00 00 00 3B E0 00 FF 81 31 FE 45 14 BF"))
    }

    @Test("bStatus puts bmCommandStatus in bits 6-7 and bmICCStatus in bits 0-1")
    func status() {
        let failed = CCIDResponse.failure(answering: 0x6F, slot: 0, sequence: 1, iccStatus: .absent, error: .iccMute)
        #expect(failed.status == 0x42)
        #expect(failed.encoded == hex("80 00 00 00 00 00 01 42 FE 00"))
        let extended = CCIDResponse(
            .dataBlock, slot: 0, sequence: 1, iccStatus: .active, commandStatus: .timeExtension, error: CCIDErrorCode(rawValue: 2))
        #expect(extended.status == 0x80)
        #expect(extended.encoded[8] == 2)
        let ok = CCIDResponse(.slotStatus, slot: 0, sequence: 1, iccStatus: .inactive, error: .iccMute)
        #expect(ok.encoded[8] == 0, "bError is 0 when the command was processed")
    }

    @Test("parses what it encodes, and refuses what is not an answer")
    func parse() throws {
        let answer = CCIDResponse(.escape, slot: 1, sequence: 9, iccStatus: .inactive, commandStatus: .failed, error: .badByte(at: 10))
        #expect(try CCIDResponse(parsing: answer.encoded) == answer)
        #expect(throws: CCIDResponseError.unknownType(0x65)) { try CCIDResponse(parsing: hex("65 00 00 00 00 00 00 00 00 00")) }
        #expect(throws: CCIDResponseError.tooShort(3)) { try CCIDResponse(parsing: hex("80 00 00")) }
    }
}
