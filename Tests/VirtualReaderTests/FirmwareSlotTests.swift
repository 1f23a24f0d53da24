import Testing
import VirtualReader

@Suite("Firmware: slots and power")
struct FirmwareSlotTests {
    @Test("bmICCStatus: 2 absent, 1 present and unpowered, 0 after power-up, 1 after power-down")
    func iccStatusLifecycle() {
        let card = MockCard(present: false)
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [card])
        #expect(firmware.send(.getSlotStatus).answer.status == 0x02)
        card.insert()
        #expect(firmware.send(.getSlotStatus).answer.status == 0x01)
        let powerOn = firmware.send(.iccPowerOn(.fiveVolts), sequence: 8).answer
        #expect(powerOn.encoded == hex("80 09 00 00 00 00 08 00 00 00 3B E0 00 FF 81 31 FE 45 14"))
        #expect(firmware.send(.getSlotStatus).answer.status == 0x00)
        #expect(firmware.send(.iccPowerOff).answer.encoded == hex("81 00 00 00 00 00 42 01 00 00"))
        #expect(firmware.send(.getSlotStatus).answer.status == 0x01)
        card.remove()
        #expect(firmware.send(.getSlotStatus).answer.status == 0x02)
    }

    @Test("a card removed and reinserted between two polls is a new, unpowered card (no phantom 'active')")
    func reinsertedCardIsInactive() {
        let card = MockCard()
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [card])
        _ = firmware.send(.iccPowerOn(.fiveVolts))
        card.remove()
        card.insert()
        #expect(firmware.send(.getSlotStatus).answer.status == 0x01)
        #expect(firmware.send(.xfrBlock(block: [0, 0, 0, 0], bwi: 0, levelParameter: 0)).answer.status == 0x41)
    }

    @Test("IccPowerOn without a card fails 42 FE; at an unsupported voltage it tries the next as the driver does")
    func powerOnFailures() {
        var empty = ReaderFirmware(model: .gemPCTwin, cards: [MockCard(present: false)])
        let none = empty.send(.iccPowerOn(.fiveVolts)).answer
        #expect((none.type, none.status, none.error) == (.dataBlock, 0x42, .iccMute))
        let card = MockCard()
        card.voltages = [.threeVolts]
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [card])
        let mute = firmware.send(.iccPowerOn(.fiveVolts)).answer
        #expect((mute.status, mute.error) == (0x41, .iccMute))
        #expect(firmware.send(.iccPowerOn(.threeVolts)).answer.status == 0x00)
    }

    @Test("automatic voltage selection tries the classes from 1.8 V up")
    func automaticVoltage() {
        let card = MockCard()
        card.voltages = [.fiveVolts]
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [card])
        #expect(firmware.send(.iccPowerOn(.automatic)).answer.status == 0x00)
        #expect(card.powerOns.map(\.0) == [.oneEightVolts, .threeVolts, .fiveVolts])
    }

    @Test("IccPowerOn on a powered card is a warm reset at the same voltage (SCardReconnect RESET)")
    func warmReset() {
        let card = MockCard()
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [card])
        _ = firmware.send(.iccPowerOn(.fiveVolts))
        _ = firmware.send(.iccPowerOn(.fiveVolts))
        #expect(card.powerOns.map(\.1) == [false, true])
        #expect(firmware.iccStatus(slot: 0) == .active)
    }

    @Test("bSlot and bSeq are echoed; a slot the model lacks is bError 5")
    func slotAndSequence() {
        let cards = [MockCard(), MockCard(present: false)]
        var sec = ReaderFirmware(model: .sec1210, cards: cards)
        let first = sec.send(.getSlotStatus, slot: 0, sequence: 0xEE).answer
        let second = sec.send(.getSlotStatus, slot: 1, sequence: 0x07).answer
        #expect((first.slot, first.sequence, first.status) == (0, 0xEE, 0x01))
        #expect((second.slot, second.sequence, second.status) == (1, 0x07, 0x02))
        var twin = ReaderFirmware(model: .gemPCTwin, cards: [MockCard()])
        let bad = twin.send(.getSlotStatus, slot: 1, sequence: 3).answer
        #expect((bad.slot, bad.sequence, bad.commandStatus, bad.error) == (1, 3, .failed, .badSlot))
    }

    @Test("an unknown message type gets SlotStatus with bError 0, a too long message bError 1")
    func unknownAndTooLong() {
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [MockCard()])
        let unknown = firmware.handle(hex("70 00 00 00 00 00 05 00 00 00"), receivedAt: .now).answer
        #expect(unknown.encoded == hex("81 00 00 00 00 00 05 41 00 00"))
        let long = CCIDCommand(sequence: 6, .escape([UInt8](repeating: 0, count: 262))).encoded
        let answer = firmware.handle(long, receivedAt: .now).answer
        #expect((answer.type, answer.error) == (.escape, .wrongLength))
    }

    @Test("card movements are reported once, as 50 02/03 for slot 0 and in CCID's 2-bit layout for slot 1")
    func slotChangeNotifications() {
        let cards = [MockCard(), MockCard(present: false)]
        var sec = ReaderFirmware(model: .sec1210, cards: cards)
        #expect(sec.send(.getSlotStatus).slotChange == nil)
        cards[0].remove()
        #expect(sec.send(.getSlotStatus).slotChange == 0x02)
        #expect(sec.send(.getSlotStatus).slotChange == nil)
        cards[0].insert()
        cards[1].insert()
        #expect(sec.send(.getSlotStatus).slotChange == 0x0F)
        let card = MockCard()
        var quiet = ReaderFirmware(model: .gemPCTwin, cards: [card], options: FirmwareOptions(slotChangeNotifications: false))
        card.remove()
        #expect(quiet.send(.getSlotStatus).slotChange == nil)
        #expect(quiet.send(.getSlotStatus).answer.status == 0x02)
    }
}

@Suite("Firmware: missing seams")
struct MissingSeamTests {
    @Test("a slot without a card seam is an empty slot, for every command")
    func emptySlot() {
        var firmware = ReaderFirmware(model: .sec1210, cards: [MockCard()])
        for body in [
            CCIDCommand.Body.getSlotStatus, .iccPowerOn(.fiveVolts), .xfrBlock(block: [0], bwi: 0, levelParameter: 0), .iccPowerOff,
        ] {
            #expect(firmware.send(body, slot: 1).answer.iccStatus == .absent)
        }
        #expect(firmware.send(.getSlotStatus, slot: 0).answer.iccStatus == .inactive)
    }
}
