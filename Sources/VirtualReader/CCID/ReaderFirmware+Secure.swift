/// PC_to_RDR_Secure: PIN entry on the keypad, PIN insertion, and the block to the card.
extension ReaderFirmware {
    mutating func secure(_ command: CCIDCommand, data: [UInt8], bwi: UInt8, receivedAt: ContinuousClock.Instant) -> FirmwareReply {
        let slot = Int(command.slot)
        let immediate = receivedAt + options.deadlines.immediate
        func reply(_ answer: CCIDResponse, _ notes: [String], by: ContinuousClock.Instant? = nil) -> FirmwareReply {
            FirmwareReply(answer: answer, answerBy: by ?? immediate, notes: notes)
        }
        let plan: PINPlan
        switch securePlan(data) {
        case .failure(let refusal): return reply(fail(command, refusal.error), [refusal.note])
        case .success(let found): plan = found
        }
        switch iccStatus(slot: slot) {
        case .absent: return reply(fail(command, .iccMute), ["no card"])
        case .inactive: return reply(fail(command, .iccMute), ["card not powered"])
        case .active: break
        }
        let hostDeadline = receivedAt + options.deadlines.secure(timeoutSeconds: plan.timeoutSeconds)
        let seconds = plan.timeoutSeconds == 0 ? model.defaultPINTimeoutSeconds : plan.timeoutSeconds
        let entries: [[UInt8]]
        switch collectPINs(plan, deadline: receivedAt + .seconds(seconds)) {
        case .failure(let refusal): return reply(fail(command, refusal.error), [refusal.note], by: hostDeadline)
        case .success(let pins): entries = pins
        }
        if plan.confirmationIndex != nil, entries.count >= 2, entries[entries.count - 1] != entries[entries.count - 2] {
            // The two entries of the new PIN differ: the reader says so with the PC/SC status 64 02
            // instead of a card block (the driver passes a 2-byte answer through and rolls back N(S)).
            return reply(dataBlock(command, [0x64, 0x02]), ["new PIN and confirmation differ"], by: hostDeadline)
        }
        var apdu = plan.apdu
        do {
            for (offset, pin) in zip(plan.offsets, plan.pinsToInsert(entries)) {
                apdu = try PINBlockFormatter.insert(pin, into: apdu, format: plan.format, offset: offset)
            }
        } catch {
            return reply(fail(command, .badByte(at: 13)), ["PIN block: \(error)"], by: hostDeadline)
        }
        let block = slots[slot].parameters.slotProtocol == .t1 ? Self.iBlock(prologue: plan.prologue, apdu: apdu) : apdu
        let outcome = exchange(slot: slot, block: block, deadline: now() + waitingTime(slot: slot, multiplier: bwi))
        return reply(answer(command, outcome), ["PIN entries of \(entries.map(\.count)) digits sent"], by: hostDeadline)
    }

    /// Why a Secure message is refused: bError and a note for the trace.
    struct SecureRefusal: Error {
        var error: CCIDErrorCode
        var note: String
    }

    /// The PIN operation of a Secure message, if this model supports it and its PIN blocks fit.
    func securePlan(_ data: [UInt8]) -> Result<PINPlan, SecureRefusal> {
        guard !model.pinSupport.isEmpty else { return .failure(SecureRefusal(error: .commandNotSupported, note: "no PIN pad")) }
        let plan: PINPlan
        do {
            switch try SecureRequest.parse(data, threeMessageIndexes: model.modifyPINCarriesThreeMessageIndexes) {
            case .verify(let v) where model.pinSupport.contains(.verify): plan = PINPlan(verification: v)
            case .modify(let m) where model.pinSupport.contains(.modify): plan = PINPlan(modification: m)
            default: return .failure(SecureRefusal(error: .badByte(at: CCIDHeader.length), note: "PIN operation not supported"))
            }
        } catch {
            return .failure(SecureRefusal(error: error.errorCode, note: error.description))
        }
        for offset in plan.offsets {
            do {
                try PINBlockFormatter.check(plan.format, apdu: plan.apdu, offset: offset)
            } catch {
                return .failure(SecureRefusal(error: .badByte(at: 13), note: "PIN block: \(error)"))
            }
        }
        return .success(plan)
    }

    /// Asks the keypad for every entry the plan needs (current, new, confirmation) until `deadline`.
    func collectPINs(_ plan: PINPlan, deadline: ContinuousClock.Instant) -> Result<[[UInt8]], SecureRefusal> {
        var pins: [[UInt8]] = []
        for step in plan.steps {
            let result = PINEntry.collect(
                from: keypad, minimumDigits: plan.format.minimumDigits, maximumDigits: plan.format.maximumDigits,
                validation: plan.validation, deadline: deadline)
            switch result {
            case .cancelled: return .failure(SecureRefusal(error: .pinCancelled, note: "\(step.rawValue): cancelled"))
            case .timedOut: return .failure(SecureRefusal(error: .pinTimeout, note: "\(step.rawValue): timed out"))
            case .entered(let digits): pins.append(digits)
            }
        }
        return .success(pins)
    }

    /// The T=1 I-block the driver's bTeoPrologue describes (NAD, PCB), with LEN and LRC for `apdu`.
    static func iBlock(prologue: [UInt8], apdu: [UInt8]) -> [UInt8] {
        let head = [prologue.first ?? 0, prologue.count > 1 ? prologue[1] : 0, UInt8(truncatingIfNeeded: apdu.count)]
        let body = head + apdu
        return body + [SerialFraming.lrc(body)]
    }
}

/// One PIN operation reduced to what the firmware needs: the entries to collect and where they go.
struct PINPlan {
    enum Step: String {
        case current = "current PIN"
        case new = "new PIN"
        case confirmation = "new PIN again"
        case pin = "PIN"
    }

    var format: PINFormat
    var validation: UInt8
    var timeoutSeconds: Int
    var prologue: [UInt8]
    var apdu: [UInt8]
    var steps: [Step]
    /// Insertion offsets, in the order of ``pinsToInsert(_:)``.
    var offsets: [Int]
    var confirmationIndex: Int?

    init(verification v: PINVerification) {
        format = v.format
        validation = v.validation
        timeoutSeconds = v.timeoutSeconds
        prologue = v.prologue
        apdu = v.apdu
        steps = [.pin]
        offsets = [0]
    }

    init(modification m: PINModification) {
        format = m.format
        validation = m.validation
        timeoutSeconds = m.timeoutSeconds
        prologue = m.prologue
        apdu = m.apdu
        steps = (m.asksCurrentPIN ? [.current] : []) + [.new] + (m.asksConfirmation ? [.confirmation] : [])
        offsets = (m.asksCurrentPIN ? [m.currentPINOffset] : []) + [m.newPINOffset]
        confirmationIndex = m.asksConfirmation ? steps.count - 1 : nil
    }

    /// The entries that go into the APDU (the confirmation is only compared).
    func pinsToInsert(_ entries: [[UInt8]]) -> [[UInt8]] {
        confirmationIndex == nil ? entries : Array(entries.dropLast())
    }
}
