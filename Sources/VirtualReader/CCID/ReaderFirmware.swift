/// The emulated reader firmware: answers CCID messages for the slots of one reader model.
///
/// Sans-IO apart from the card and keypad calls it makes: give it each CCID message the line layer
/// accepted and the time it arrived; it returns the answer and the moment after which the answer
/// must not be sent. Card calls block up to the deadline the firmware sets (block waiting time for
/// XfrBlock and Secure, PIN entry time for Secure).
public struct ReaderFirmware: Sendable {
    public let model: ReaderModel
    public let options: FirmwareOptions
    let cards: [any CCIDCard]
    let keypad: (any Keypad)?
    let now: @Sendable () -> ContinuousClock.Instant
    var slots: [SlotState]
    /// Escape `01 01 01` received: card movements are reported between echo and answer.
    public internal(set) var synchronousNotifications = false
    /// The keypad display strings loaded by the GemPC PinPad l10n escape.
    public internal(set) var displayStrings: [String] = []
    /// Card presence as last reported by a notification (or at start).
    var reportedPresence: [Bool]
    var parityErrorArmed = false

    /// A firmware for `model` with one card seam per slot (extra seams are ignored, missing slots stay empty).
    public init(
        model: ReaderModel, cards: [any CCIDCard], keypad: (any Keypad)? = nil, options: FirmwareOptions = FirmwareOptions(),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.model = model
        self.options = options
        self.cards = (0..<model.slotCount).map { $0 < cards.count ? cards[$0] : EmptySlot() }
        self.keypad = keypad
        self.now = now
        self.slots = Array(repeating: SlotState(), count: model.slotCount)
        self.reportedPresence = self.cards.map { $0.presence.isPresent }
    }

    /// Makes the next XfrBlock answer a parity error (bError FD) after the card has answered, as if
    /// the card's block had been garbled on the way back.
    public mutating func armParityError() { parityErrorArmed = true }

    /// bmICCStatus of a slot right now.
    public func iccStatus(slot: Int) -> ICCStatus {
        guard slot < slots.count else { return .absent }
        return slots[slot].status(for: presence(slot))
    }

    /// The protocol parameters in force in a slot.
    public func parameters(slot: Int) -> ProtocolParameters? { slot < slots.count ? slots[slot].parameters : nil }

    func presence(_ slot: Int) -> ICCPresence { cards[slot].presence }

    /// Answers one CCID message received at `receivedAt`.
    public mutating func handle(_ message: [UInt8], receivedAt: ContinuousClock.Instant) -> FirmwareReply {
        let slotChange = pendingSlotChange()
        var reply = respond(to: message, receivedAt: receivedAt)
        reply.slotChange = slotChange
        return reply
    }

    private mutating func respond(to message: [UInt8], receivedAt: ContinuousClock.Instant) -> FirmwareReply {
        let header = CommandHeaderFields(message)
        let immediate = receivedAt + options.deadlines.immediate
        func refuse(_ error: CCIDErrorCode, _ note: String) -> FirmwareReply {
            let icc = Int(header.slot) < slots.count ? iccStatus(slot: Int(header.slot)) : .absent
            let answer = CCIDResponse.failure(
                answering: header.typeByte, slot: header.slot, sequence: header.sequence, iccStatus: icc, error: error)
            return FirmwareReply(answer: answer, answerBy: immediate, notes: [note])
        }
        guard message.count <= model.maxMessageLength else {
            return refuse(.wrongLength, "message of \(message.count) bytes exceeds dwMaxCCIDMessageLength \(model.maxMessageLength)")
        }
        let command: CCIDCommand
        do {
            command = try CCIDCommand(parsing: message)
        } catch {
            return refuse(error.errorCode, error.description)
        }
        guard Int(command.slot) < model.slotCount else {
            return refuse(.badSlot, "slot \(command.slot) does not exist on a \(model.name)")
        }
        syncSlot(Int(command.slot))
        switch command.body {
        case .getSlotStatus, .iccPowerOff, .iccClock, .abort, .mechanical, .t0APDU, .escape, .getParameters, .resetParameters,
            .setParameters, .setDataRateAndClockFrequency:
            return FirmwareReply(answer: readerCommand(command), answerBy: immediate, notes: [])
        case .iccPowerOn(let voltage):
            let (answer, notes) = powerOn(command, voltage: voltage)
            return FirmwareReply(answer: answer, answerBy: receivedAt + options.deadlines.powerOn, notes: notes)
        case .xfrBlock(let block, let bwi, _):
            let deadline = receivedAt + waitingTime(slot: Int(command.slot), multiplier: bwi)
            let (answer, notes) = transfer(command, block: block, deadline: deadline)
            return FirmwareReply(answer: answer, answerBy: deadline + options.deadlines.blockMargin, notes: notes)
        case .secure(let bwi, _, let data):
            return secure(command, data: data, bwi: bwi, receivedAt: receivedAt)
        }
    }

    /// Brings a slot's memory in line with the card: a removed or replaced card is no longer powered.
    mutating func syncSlot(_ slot: Int) {
        if slots[slot].poweredInsertion != nil, slots[slot].status(for: presence(slot)) != .active {
            slots[slot].deactivate()
        }
    }

    /// The block waiting time (T=1) or work waiting time (T=0) in force, times a WTX multiplier.
    public func waitingTime(slot: Int, multiplier: UInt8) -> Duration {
        let factor = Int(max(multiplier, 1))
        switch slots[slot].parameters {
        case .t1(let p):
            return TransmissionTiming.blockWaitingTime(
                bwi: p.blockWaitingInteger, findexDindex: p.findexDindex, clockHz: model.clockHz) * factor
        case .t0(let p):
            return TransmissionTiming.workWaitingTime(
                wi: p.waitingInteger, findexDindex: p.findexDindex, clockHz: model.clockHz) * factor
        }
    }

    /// bmSlotICCState for slots whose presence changed since the last report, or nil.
    private mutating func pendingSlotChange() -> UInt8? {
        let current = (0..<model.slotCount).map { presence($0).isPresent }
        guard current != reportedPresence else { return nil }
        var state: UInt8 = 0
        for slot in 0..<min(model.slotCount, 4) {
            if current[slot] { state |= 1 << UInt8(2 * slot) }
            if current[slot] != reportedPresence[slot] { state |= 2 << UInt8(2 * slot) }
        }
        reportedPresence = current
        return options.slotChangeNotifications ? state : nil
    }
}
