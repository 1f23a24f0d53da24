import Foundation
import Testing
import VirtualReader

@Suite("Firmware: escapes")
struct FirmwareEscapeTests {
    @Test("GemPC Twin: 02 gives the firmware text, 01 01 01 switches notifications, 6A is refused 41 0A like a real Twin")
    func twinEscapes() {
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [MockCard()])
        let version = firmware.send(.escape([0x02])).answer
        #expect(version.type == .escape && version.commandStatus == .processed)
        #expect(String(decoding: version.data, as: UTF8.self) == ReaderModel.gemPCTwin.firmwareVersion)
        #expect(!firmware.synchronousNotifications)
        #expect(firmware.send(.escape([0x01, 0x01, 0x01])).answer.encoded == hex("83 00 00 00 00 00 42 01 00 00"))
        #expect(firmware.synchronousNotifications)
        #expect(firmware.send(.escape([0x6A]), sequence: 4).answer.encoded == hex("83 00 00 00 00 00 04 41 0A 00"))
    }

    @Test("unknown escapes, the PinPad's l10n strings on a Twin, and SEC1210's 02 are refused at byte 10")
    func refusedEscapes() {
        var twin = ReaderFirmware(model: .gemPCTwin, cards: [MockCard()])
        let l10n = [0xB2, 0xA0, 0x00, 0x4D, 0x4C] + [UInt8](repeating: 0x20, count: 160)
        for data in [[0x1F, 0x02], l10n, [0x6B]] {
            let answer = twin.send(.escape(data)).answer
            #expect((answer.commandStatus, answer.error.rawValue) == (.failed, 10))
        }
        var sec = ReaderFirmware(model: .sec1210, cards: [MockCard(), MockCard()])
        #expect(sec.send(.escape([0x02])).answer.commandStatus == .failed)
        #expect(sec.send(.escape([0x06])).answer.data == Array(ReaderModel.sec1210.firmwareVersion.utf8))
    }

    @Test("the GemPC PinPad stores the ten display strings of the l10n escape and answers with nothing (≤ 20 bytes)")
    func pinPadStrings() {
        var firmware = ReaderFirmware(model: .gemPCPinPad, cards: [MockCard()])
        let texts = [
            "Enter PIN", "New PIN", "Confirm PIN", "PIN OK", "Incorrect PIN!", "Time Out", "* retry left", "Insert Card",
            "Card Error", "PIN blocked",
        ]
        let padded: [[UInt8]] = texts.map { Array($0.utf8) + [UInt8](repeating: 0x20, count: 16 - $0.utf8.count) }
        let data: [UInt8] = [0xB2, 0xA0, 0x00, 0x4D, 0x4C] + padded.joined()
        let answer = firmware.send(.escape(data)).answer
        #expect(answer.commandStatus == .processed && answer.data.isEmpty)
        #expect(firmware.displayStrings == texts)
    }
}

@Suite("Firmware: parameters and reader commands")
struct FirmwareReaderCommandTests {
    @Test("SetParameters is stored and answered with the structure; GetParameters returns it; ResetParameters restores T=0 defaults")
    func parameters() {
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [MockCard()])
        _ = firmware.send(.iccPowerOn(.fiveVolts))
        #expect(firmware.parameters(slot: 0) == .t0(T0ProtocolData()))
        let set = firmware.send(.setParameters(protocolNumber: 1, data: hex("11 10 FF 45 00 FE 00")), sequence: 0x0A).answer
        #expect(set.encoded == hex("82 07 00 00 00 00 0A 00 00 01 11 10 FF 45 00 FE 00"))
        #expect(firmware.send(.getParameters).answer.data == hex("11 10 FF 45 00 FE 00"))
        let reset = firmware.send(.resetParameters).answer
        #expect((reset.specific, reset.data) == (0, hex("11 00 00 0A 00")))
    }

    @Test("a rate the reader lacks is refused at byte 10 (the driver takes bError 1-127 as success)")
    func unsupportedRate() {
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [MockCard()])
        _ = firmware.send(.iccPowerOn(.fiveVolts))
        let answer = firmware.send(.setParameters(protocolNumber: 1, data: hex("97 10 FF 45 00 FE 00"))).answer
        #expect((answer.type, answer.commandStatus, answer.error.rawValue) == (.parameters, .failed, 10))
        #expect(firmware.parameters(slot: 0) == .t0(T0ProtocolData()))
    }

    @Test("the SEC1210 configures itself from the ATR at power-up (its dwFeatures say so)")
    func automaticConfiguration() {
        var firmware = ReaderFirmware(model: .sec1210, cards: [MockCard(), MockCard()])
        _ = firmware.send(.iccPowerOn(.fiveVolts), slot: 1)
        #expect(firmware.parameters(slot: 1)?.slotProtocol == .t1)
        #expect(firmware.parameters(slot: 0) == .t0(T0ProtocolData()))
    }

    @Test("T0APDU and Mechanical are not supported; Abort and IccClock are answered with SlotStatus")
    func otherCommands() {
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [MockCard()])
        _ = firmware.send(.iccPowerOn(.fiveVolts))
        for body in [CCIDCommand.Body.t0APDU(changes: 1, classGetResponse: 0, classEnvelope: 0), .mechanical(function: 1)] {
            let answer = firmware.send(body).answer
            #expect((answer.type, answer.status, answer.error) == (.slotStatus, 0x40, .commandNotSupported))
        }
        #expect(firmware.send(.abort).answer.encoded == hex("81 00 00 00 00 00 42 00 00 00"))
        #expect(firmware.send(.iccClock(1)).answer.specific == 3)
        #expect(firmware.send(.iccClock(0)).answer.specific == 0)
        #expect(firmware.send(.iccClock(2)).answer.error.rawValue == 7)
    }

    @Test("SetDataRateAndClockFrequency answers with the clock in kHz and the rate in force")
    func dataRate() {
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [MockCard()])
        _ = firmware.send(.iccPowerOn(.fiveVolts))
        let answer = firmware.send(.setDataRateAndClockFrequency(clockFrequency: 8000, dataRate: 1_000_000)).answer
        #expect(answer.type == .dataRateAndClockFrequency)
        #expect(answer.data == CCIDHeader.littleEndian(4000) + CCIDHeader.littleEndian(10753))
    }
}

@Suite("Firmware: XfrBlock")
struct FirmwareTransferTests {
    @Test("passes one whole T=1 block to the card and its whole block back (docs/ccid-reader.md, T=1)")
    func passThrough() {
        let card = MockCard()
        card.answer = { _ in .block(hex("00 00 02 90 00 92")) }
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [card])
        firmware.activateT1()
        let select = hex("00 00 0C 00 A4 04 00 07 A0 00 00 00 03 10 10 08")
        let answer = firmware.send(.xfrBlock(block: select, bwi: 0, levelParameter: 0), sequence: 0x0C).answer
        #expect(answer.encoded == hex("80 06 00 00 00 00 0C 00 00 00 00 00 02 90 00 92"))
        #expect(card.exchanges.map(\.block) == [select])
        #expect(card.exchanges.first?.slotProtocol == .t1)
    }

    @Test("the card's deadline is BWT (1.43 s for TB3=45 at 4 MHz) times the host's bBWI")
    func blockWaitingTime() {
        let card = MockCard()
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [card])
        firmware.activateT1()
        _ = firmware.send(.xfrBlock(block: hex("00 C1 01 FE 3E"), bwi: 0, levelParameter: 0))
        _ = firmware.send(.xfrBlock(block: hex("00 E3 01 03 E1"), bwi: 3, levelParameter: 0))
        let windows = card.exchanges.map { $0.calledAt.duration(to: $0.deadline) }
        #expect(windows[0] > .milliseconds(1400) && windows[0] <= .milliseconds(1430))
        #expect(windows[1] > .milliseconds(4250) && windows[1] <= .milliseconds(4290))
    }

    @Test("a card that answers after the deadline is reported mute: 40 FE")
    func lateCardIsMute() {
        let card = MockCard()
        card.exchangeDelay = .milliseconds(150)
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [card])
        _ = firmware.send(.iccPowerOn(.fiveVolts))
        _ = firmware.send(.setParameters(protocolNumber: 1, data: hex("11 10 FF 05 00 FE 00")))  // BWI 0: BWT 90 ms
        let answer = firmware.send(.xfrBlock(block: hex("00 00 00 00"), bwi: 0, levelParameter: 0)).answer
        #expect((answer.type, answer.status, answer.error) == (.dataBlock, 0x40, .iccMute))
        #expect(firmware.iccStatus(slot: 0) == .active)
    }

    @Test("mute and removal as the card reports them: 40 FE and 42 FE")
    func muteAndRemoved() {
        let card = MockCard()
        card.answer = { _ in .mute }
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [card])
        firmware.activateT1()
        #expect(firmware.send(.xfrBlock(block: [0, 0, 0, 0], bwi: 0, levelParameter: 0)).answer.status == 0x40)
        card.answer = { _ in .removed }
        let removed = firmware.send(.xfrBlock(block: [0, 0, 0, 0], bwi: 0, levelParameter: 0)).answer
        #expect((removed.status, removed.error) == (0x42, .iccMute))
    }

    @Test("XfrBlock to an unpowered card is 41 FE; to no card 42 FE; an empty block is bError 1")
    func notActive() {
        let card = MockCard()
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [card])
        #expect(firmware.send(.xfrBlock(block: [0], bwi: 0, levelParameter: 0)).answer.status == 0x41)
        card.remove()
        #expect(firmware.send(.xfrBlock(block: [0], bwi: 0, levelParameter: 0)).answer.status == 0x42)
        card.insert()
        firmware.activateT1()
        #expect(firmware.send(.xfrBlock(block: [], bwi: 0, levelParameter: 0)).answer.error == .wrongLength)
        #expect(card.exchanges.isEmpty)
    }

    @Test("an armed parity fault turns the card's next answer into 40 FD, once")
    func parityFault() {
        let card = MockCard()
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [card])
        firmware.activateT1()
        firmware.armParityError()
        let faulty = firmware.send(.xfrBlock(block: hex("00 00 01 AA AB"), bwi: 0, levelParameter: 0)).answer
        #expect((faulty.status, faulty.error) == (0x40, .parityError))
        #expect(card.exchanges.count == 1, "the card did receive the block")
        #expect(firmware.send(.xfrBlock(block: hex("00 91 00 91"), bwi: 0, levelParameter: 0)).answer.status == 0x00)
    }

    @Test("an answer longer than dwMaxCCIDMessageLength allows is an overrun (FC)")
    func overrun() {
        let card = MockCard()
        card.answer = { _ in .block([UInt8](repeating: 0, count: 262)) }
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [card])
        firmware.activateT1()
        #expect(firmware.send(.xfrBlock(block: [0, 0, 0, 0], bwi: 0, levelParameter: 0)).answer.error == .overrun)
    }
}
