/// The commands the firmware answers without talking to the card.
extension ReaderFirmware {
    mutating func readerCommand(_ command: CCIDCommand) -> CCIDResponse {
        let slot = Int(command.slot)
        let icc = iccStatus(slot: slot)
        func answer(_ type: AnswerType, specific: UInt8 = 0, data: [UInt8] = []) -> CCIDResponse {
            CCIDResponse(
                type, slot: command.slot, sequence: command.sequence, iccStatus: iccStatus(slot: slot), specific: specific, data: data)
        }
        func fail(_ error: CCIDErrorCode) -> CCIDResponse {
            CCIDResponse.failure(
                answering: command.type.rawValue, slot: command.slot, sequence: command.sequence, iccStatus: icc, error: error)
        }
        switch command.body {
        case .getSlotStatus:
            return answer(.slotStatus, specific: clockStatus(slot))
        case .iccPowerOff:
            if slots[slot].poweredInsertion != nil { cards[slot].powerOff() }
            slots[slot].deactivate()
            return answer(.slotStatus)
        case .abort:
            // Nothing runs concurrently with the host's commands, so there is nothing to abort.
            return answer(.slotStatus, specific: clockStatus(slot))
        case .mechanical, .t0APDU:
            // No mechanical features; T0APDU is for APDU-level readers (this one exchanges TPDUs).
            return fail(.commandNotSupported)
        case .iccClock(let clockCommand):
            guard icc != .absent else { return fail(.iccMute) }
            guard clockCommand <= 1 else { return fail(.badByte(at: 7)) }
            slots[slot].clockStopped = clockCommand == 1 && icc == .active
            return answer(.slotStatus, specific: clockStatus(slot))
        case .escape(let data):
            return escape(command, data: data)
        case .getParameters:
            guard icc != .absent else { return fail(.iccMute) }
            return parametersAnswer(command)
        case .resetParameters:
            guard icc != .absent else { return fail(.iccMute) }
            slots[slot].parameters = startingParameters(atr: slots[slot].atr)
            return parametersAnswer(command)
        case .setParameters(let number, let data):
            guard icc != .absent else { return fail(.iccMute) }
            do {
                let parameters = try ProtocolParameters.parse(protocolNumber: number, data: data)
                guard model.supportsRate(parameters.findexDindex) else { return fail(.badByte(at: CCIDHeader.length)) }
                slots[slot].parameters = parameters
                return parametersAnswer(command)
            } catch {
                return fail(error.errorCode)
            }
        case .setDataRateAndClockFrequency:
            guard icc != .absent else { return fail(.iccMute) }
            // Automatic baud rate and clock: the reader keeps what the parameters imply and says so.
            let rate = TransmissionTiming.dataRate(slots[slot].parameters.findexDindex, clockHz: model.clockHz) ?? 0
            let data = CCIDHeader.littleEndian(UInt32(model.defaultClockKHz)) + CCIDHeader.littleEndian(UInt32(rate))
            return answer(.dataRateAndClockFrequency, data: data)
        case .iccPowerOn, .xfrBlock, .secure:
            return fail(.commandNotSupported)  // handled by the card path
        }
    }

    /// bClockStatus: 0 running (or no card), 3 stopped in an unknown state.
    private func clockStatus(_ slot: Int) -> UInt8 { slots[slot].clockStopped ? 3 : 0 }

    private func parametersAnswer(_ command: CCIDCommand) -> CCIDResponse {
        let parameters = slots[Int(command.slot)].parameters
        return CCIDResponse(
            .parameters, slot: command.slot, sequence: command.sequence, iccStatus: iccStatus(slot: Int(command.slot)),
            specific: parameters.slotProtocol.rawValue, data: parameters.encoded)
    }

    /// Parameters after a power-up or ResetParameters: from the ATR when the model configures itself
    /// from it, otherwise the CCID defaults (T=0, Fi/Di 11) until the host sends SetParameters.
    func startingParameters(atr: [UInt8]) -> ProtocolParameters {
        model.features.contains(.automaticConfigurationFromATR) && !atr.isEmpty ? .fromATR(atr) : .defaults(for: .t0)
    }

    private mutating func escape(_ command: CCIDCommand, data: [UInt8]) -> CCIDResponse {
        let icc = iccStatus(slot: Int(command.slot))
        let action = model.escapes.first { $0.match.matches(data) }?.action ?? EscapeRule.unknownEscape
        func reply(_ bytes: [UInt8]) -> CCIDResponse {
            CCIDResponse(.escape, slot: command.slot, sequence: command.sequence, iccStatus: icc, data: bytes)
        }
        switch action {
        case .reply(let bytes):
            return reply(bytes)
        case .replyFirmwareVersion:
            return reply(Array(model.firmwareVersion.utf8.prefix(49)))
        case .enableSynchronousSlotNotifications:
            synchronousNotifications = true
            return reply([])
        case .loadDisplayStrings:
            let text = data.dropFirst(5)
            displayStrings = stride(from: text.startIndex, to: text.endIndex, by: 16).map { start in
                let chunk = text[start..<min(start + 16, text.endIndex)]
                return String(decoding: chunk, as: UTF8.self).trimmingTrailingSpaces
            }
            return reply([])
        case .refuse(let error):
            return CCIDResponse(
                .escape, slot: command.slot, sequence: command.sequence, iccStatus: icc, commandStatus: .failed, error: error)
        }
    }
}

/// Display strings arrive padded with spaces to 16 characters.
extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
