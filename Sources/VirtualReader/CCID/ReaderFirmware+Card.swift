/// The commands that reach the card: IccPowerOn and XfrBlock (Secure: ReaderFirmware+Secure.swift).
extension ReaderFirmware {
    func fail(_ command: CCIDCommand, _ error: CCIDErrorCode, icc: ICCStatus? = nil) -> CCIDResponse {
        CCIDResponse.failure(
            answering: command.type.rawValue, slot: command.slot, sequence: command.sequence,
            iccStatus: icc ?? iccStatus(slot: Int(command.slot)), error: error)
    }

    func dataBlock(_ command: CCIDCommand, _ data: [UInt8]) -> CCIDResponse {
        CCIDResponse(.dataBlock, slot: command.slot, sequence: command.sequence, iccStatus: iccStatus(slot: Int(command.slot)), data: data)
    }

    /// The voltage classes to try for bPowerSelect: the requested one, or for automatic selection
    /// every supported class from the lowest (ISO/IEC 7816-3 §6.2.4).
    func voltages(for requested: ICCVoltage) -> [ICCVoltage]? {
        if requested == .automatic {
            return [.oneEightVolts, .threeVolts, .fiveVolts].filter { model.voltageSupport & $0.supportBit != 0 }
        }
        return model.voltageSupport & requested.supportBit != 0 ? [requested] : nil
    }

    mutating func powerOn(_ command: CCIDCommand, voltage: ICCVoltage) -> (CCIDResponse, [String]) {
        let slot = Int(command.slot)
        guard case .present(let insertion) = presence(slot) else { return (fail(command, .iccMute), ["no card"]) }
        guard let classes = voltages(for: voltage) else {
            return (fail(command, .badByte(at: 7)), ["\(voltage) is not in bVoltageSupport"])
        }
        let warm = slots[slot].poweredInsertion == insertion
        var notes: [String] = []
        for candidate in classes {
            let resetVoltage = warm ? (slots[slot].voltage ?? candidate) : candidate
            switch cards[slot].powerOn(voltage: resetVoltage, warm: warm) {
            case .answerToReset(let atr):
                guard atr.count <= 33 else {
                    slots[slot].deactivate()
                    return (fail(command, CCIDErrorCode(rawValue: 0xA3)), notes + ["ATR of \(atr.count) bytes is longer than 33"])
                }
                guard atr.first == 0x3B || atr.first == 0x3F else {
                    slots[slot].deactivate()
                    return (fail(command, .badATRTS), notes + ["ATR does not start with 3B or 3F"])
                }
                slots[slot].poweredInsertion = insertion
                slots[slot].voltage = resetVoltage
                slots[slot].atr = atr
                slots[slot].clockStopped = false
                slots[slot].parameters = startingParameters(atr: atr)
                notes.append("\(warm ? "warm" : "cold") reset at \(resetVoltage)")
                return (dataBlock(command, atr), notes)
            case .mute:
                notes.append("no ATR at \(resetVoltage)")
                slots[slot].deactivate()
                if warm { return (fail(command, .iccMute), notes) }
            case .removed:
                slots[slot].deactivate()
                return (fail(command, .iccMute, icc: .absent), notes + ["card removed during power-up"])
            }
        }
        return (fail(command, .iccMute), notes)
    }

    mutating func transfer(_ command: CCIDCommand, block: [UInt8], deadline: ContinuousClock.Instant) -> (CCIDResponse, [String]) {
        let slot = Int(command.slot)
        switch iccStatus(slot: slot) {
        case .absent: return (fail(command, .iccMute), ["no card"])
        case .inactive: return (fail(command, .iccMute), ["card not powered"])
        case .active: break
        }
        guard !block.isEmpty else { return (fail(command, .wrongLength), ["empty block"]) }
        let outcome = exchange(slot: slot, block: block, deadline: deadline)
        if case .block(let answer) = outcome, parityErrorArmed {
            parityErrorArmed = false
            return (fail(command, .parityError), ["fault: the card's \(answer.count)-byte answer reported as a parity error"])
        }
        return (answer(command, outcome), [])
    }

    /// Calls the card and applies the reader's waiting time: an answer after the deadline is mute.
    mutating func exchange(slot: Int, block: [UInt8], deadline: ContinuousClock.Instant) -> CardExchangeOutcome {
        let outcome = cards[slot].exchange(block, protocol: slots[slot].parameters.slotProtocol, deadline: deadline)
        switch outcome {
        case .removed:
            slots[slot].deactivate()
            return .removed
        case .block where now() > deadline:
            return .mute
        default:
            return outcome
        }
    }

    func answer(_ command: CCIDCommand, _ outcome: CardExchangeOutcome) -> CCIDResponse {
        switch outcome {
        case .block(let answer):
            guard answer.count <= model.maxMessageLength - CCIDHeader.length else { return fail(command, .overrun) }
            return dataBlock(command, answer)
        case .mute:
            // A TPDU reader's report of a card silent past BWT: failed, ICC still active, ICC_MUTE.
            return fail(command, .iccMute)
        case .removed:
            return fail(command, .iccMute, icc: .absent)
        }
    }
}
