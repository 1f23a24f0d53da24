import CardTransmission
import Foundation
import ISO7816

/// The card's transmission state since its last power-up, for TPDU-level front doors: PPS, then
/// the T=1 or T=0 engine of the protocol in force, and the response the card is still working on.
struct SlotTransmission {
    var negotiation: ProtocolNegotiation
    var t1: T1CardProtocol?
    var t0 = T0CardProtocol()
    /// An APDU the card is processing (T=1): its response is ready at `readyAt`.
    var pending: Pending?
    /// Waiting-time extensions requested for the pending APDU.
    var extensionsRequested = 0

    struct Pending {
        var command: [UInt8]
        var response: [UInt8]
        var readyAt: ContinuousClock.Instant
        var started: ContinuousClock.Instant
    }

    init(atr: ATR) {
        negotiation = ProtocolNegotiation(atr: atr)
        t1 = (try? T1Parameters(atr: atr)).flatMap { try? T1CardProtocol(parameters: $0) }
    }

    /// The block waiting time at the clock of the readers we emulate (4 MHz), F 372, D 1.
    var blockWaitingTime: Duration { (t1?.parameters ?? .defaults).blockWaitingTime(clockHz: 4_000_000) }
}

/// What came back for one block or TPDU.
public enum BlockOutcome: Hashable, Sendable {
    /// The card's whole answer: one T=1 block, or a T=0 TPDU's response bytes and status word.
    case block([UInt8])
    /// The card said nothing before the deadline.
    case mute
    /// The card was removed (before or during the exchange).
    case removed
}

extension ReaderSlot {
    /// One T=1 block or T=0 TPDU from a TPDU-level reader, and the card's answer, given before
    /// `deadline` (the reader's block waiting time, times the host's waiting-time extension).
    ///
    /// An APDU that takes the card longer than the time left gets an S(WTX request) first, as a
    /// real card asks for more time before the block waiting time runs out (unless the
    /// `noWTX` fault is set: then the reader sees a mute card).
    public func exchange(_ bytes: [UInt8], deadline: ContinuousClock.Instant) -> BlockOutcome {
        condition.locked {
            guard snapshotLocked.present else { return .removed }
            let generation = generation
            guard powered, !faults.mute, let atr = atrLocked else { return muteLocked(until: deadline, generation: generation) }
            if transmission == nil {
                guard let parsed = try? ATR(bytes: atr) else { return muteLocked(until: deadline, generation: generation) }
                transmission = SlotTransmission(atr: parsed)
            }
            let outcome: BlockOutcome
            switch transmission!.negotiation.receive(bytes) {
            case .pps(.accept(let response)):
                outcome = .block(response.bytes)
                traceBlockLocked(bytes, outcome, note: "PPS \(Hex.encode(bytes)) accepted")
            case .pps(let refusal):
                traceBlockLocked(bytes, .mute, note: "PPS: \(refusal)")
                outcome = muteLocked(until: deadline, generation: generation)
            case .unsupportedProtocol(let number):
                traceBlockLocked(bytes, .mute, note: "T=\(number) is not implemented")
                outcome = muteLocked(until: deadline, generation: generation)
            case .transmission(.t0):
                outcome = t0ExchangeLocked(bytes, deadline: deadline, generation: generation)
            case .transmission(.t1):
                outcome = t1ExchangeLocked(bytes, deadline: deadline, generation: generation)
            }
            return outcome
        }
    }

    /// Says nothing until the deadline (or a removal).
    private func muteLocked(until deadline: ContinuousClock.Instant, generation: UInt64) -> BlockOutcome {
        waitLocked(until: deadline, generation: generation) ? .mute : .removed
    }

    private func traceBlockLocked(_ received: [UInt8], _ outcome: BlockOutcome, note: String) {
        let answer: [UInt8]? = if case .block(let bytes) = outcome { bytes } else { nil }
        trace?.record(slot: index, .block, command: received, response: answer, note: note)
    }

    private func faultLocked(_ what: String) { trace?.record(slot: index, .fault, note: what) }

    // MARK: T=0

    private func t0ExchangeLocked(_ tpdu: [UInt8], deadline: ContinuousClock.Instant, generation: UInt64) -> BlockOutcome {
        var readyAt = ContinuousClock.now
        var removeNow = false
        var processed: (command: [UInt8], response: [UInt8])?
        let started = ContinuousClock.now
        let exchange: T0Exchange
        do {
            exchange = try transmission!.t0.exchange(tpdu) { command in
                let prepared = processLocked(command)
                readyAt = prepared.readyAt
                removeNow = prepared.removeNow
                processed = (command, prepared.response)
                return prepared.response
            }
        } catch {
            traceBlockLocked(tpdu, .mute, note: "not a T=0 TPDU: \(error)")
            return muteLocked(until: deadline, generation: generation)
        }
        if let processed {
            if removeNow {
                interruptedLocked(processed.command, since: started)
                removeLocked()
                return .removed
            }
            // T=0 has no waiting-time extension here: a card slower than the reader waits is mute.
            guard readyAt <= deadline else {
                traceBlockLocked(tpdu, .mute, note: "the card needs longer than the reader waits")
                return muteLocked(until: deadline, generation: generation)
            }
            guard waitLocked(until: readyAt, generation: generation) else {
                interruptedLocked(processed.command, since: started)
                return .removed
            }
            answeredLocked(processed.command, processed.response, since: started)
        }
        let outcome = BlockOutcome.block(exchange.reply)
        traceBlockLocked(tpdu, outcome, note: "T=0 \(exchange)")
        return outcome
    }

    // MARK: T=1

    private func t1ExchangeLocked(_ bytes: [UInt8], deadline: ContinuousClock.Instant, generation: UInt64) -> BlockOutcome {
        guard transmission?.t1 != nil else {
            traceBlockLocked(bytes, .mute, note: "the ATR offers no usable T=1 parameters")
            return muteLocked(until: deadline, generation: generation)
        }
        let received = try? T1Block(bytes: bytes)
        if var planned = faults.transmission {
            defer { faults.transmission = planned }
            if planned.dropBlocks > 0 {
                planned.dropBlocks -= 1
                faultLocked("dropped the answer to \(received.map { "\($0)" } ?? Hex.encode(bytes))")
                return muteLocked(until: deadline, generation: generation)
            }
            if planned.removeDuringChain, let received, isMidChainLocked(received) {
                faultLocked("removed the card in the middle of a chain (\(received))")
                removeLocked()
                return .removed
            }
            if planned.refuseIFS, case .supervisory(.informationFieldSize(let size), .request)? = received?.content {
                let other = T1Block.response(.informationFieldSize(size == 1 ? 2 : size - 1))
                faultLocked("answered \(received!) with \(other)")
                return sendLocked(other, received: bytes, note: "\(received!) → \(other) (refused)")
            }
        }
        let outcome = transmission!.t1!.receive(bytes)
        switch outcome {
        case .process(let command):
            let started = ContinuousClock.now
            let prepared = processLocked(command)
            if prepared.removeNow {
                interruptedLocked(command, since: started)
                removeLocked()
                return .removed
            }
            transmission!.pending = .init(command: command, response: prepared.response, readyAt: prepared.readyAt, started: started)
            transmission!.extensionsRequested = 0
            return answerPendingLocked(received: bytes, deadline: deadline, generation: generation)
        case .waitingTimeExtensionGranted, .informationFieldSizeAccepted:
            return answerPendingLocked(received: bytes, deadline: deadline, generation: generation)
        case .silent:
            traceBlockLocked(bytes, .mute, note: "\(received.map { "\($0)" } ?? "?"): the card is busy")
            return muteLocked(until: deadline, generation: generation)
        case .send(let block), .retransmit(let block), .reject(let block, _), .resynchronized(let block):
            return sendLocked(block, received: bytes, note: "\(received.map { "\($0)" } ?? Hex.encode(bytes)) → \(outcome)")
        }
    }

    /// Whether `block` continues a chain: a chained I-block from the reader, or the reader's
    /// R-block asking for the next block of the card's chained response.
    private func isMidChainLocked(_ block: T1Block) -> Bool {
        switch block.content {
        case .information(_, let more, _): return more
        case .receiveReady:
            if case .information(_, true, _)? = transmission?.t1?.lastSent?.content { return true }
            return false
        case .supervisory: return false
        }
    }

    /// The pending APDU's response when it is ready in time, or an S(WTX request) before the time
    /// runs out.
    private func answerPendingLocked(received: [UInt8], deadline: ContinuousClock.Instant, generation: UInt64) -> BlockOutcome {
        guard let pending = transmission?.pending else { return muteLocked(until: deadline, generation: generation) }
        let extraRequests = faults.transmission?.repeatWTX ?? 0
        if transmission!.extensionsRequested < extraRequests, let block = try? transmission!.t1!.requestWaitingTimeExtension(multiplier: 1)
        {
            transmission!.extensionsRequested += 1
            return sendLocked(
                block, received: received, note: "S(WTX request ×1), \(transmission!.extensionsRequested) of \(extraRequests) (fault)")
        }
        // A margin for the reader to pass the block on before its deadline.
        let margin = Duration.milliseconds(20)
        if pending.readyAt <= deadline - margin {
            guard waitLocked(until: pending.readyAt, generation: generation), transmission?.pending != nil else {
                interruptedLocked(pending.command, since: pending.started)
                return .removed
            }
            guard let block = try? transmission!.t1!.respond(pending.response) else {
                return muteLocked(until: deadline, generation: generation)
            }
            transmission!.pending = nil
            answeredLocked(pending.command, pending.response, since: pending.started)
            return sendLocked(block, received: received, note: "response to \(Hex.encode(pending.command.prefix(4)))")
        }
        if faults.transmission?.noWTX == true {
            faultLocked("no S(WTX request): the operation outlasts the block waiting time")
            return muteLocked(until: deadline, generation: generation)
        }
        // Ask for more time halfway through the time left, as a card that knows its operation is long.
        guard waitLocked(until: .now + (deadline - .now) / 2, generation: generation), transmission?.pending != nil else {
            interruptedLocked(pending.command, since: pending.started)
            return .removed
        }
        let bwt = transmission!.blockWaitingTime
        let needed = Int(((pending.readyAt - .now) / bwt).rounded(.up))
        guard let block = try? transmission!.t1!.requestWaitingTimeExtension(multiplier: min(255, max(1, needed))) else {
            return muteLocked(until: deadline, generation: generation)
        }
        transmission!.extensionsRequested += 1
        return sendLocked(block, received: received, note: "\(block): the operation needs \((pending.readyAt - .now).formatted()) more")
    }

    /// Sends a block, corrupting its LRC when the fault asks for it.
    private func sendLocked(_ block: T1Block, received: [UInt8], note: String) -> BlockOutcome {
        var bytes = block.bytes
        if var planned = faults.transmission, planned.corruptLRC > 0 {
            planned.corruptLRC -= 1
            faults.transmission = planned
            bytes[bytes.count - 1] ^= 0xFF
            faultLocked("corrupted the LRC of \(block)")
        }
        let outcome = BlockOutcome.block(bytes)
        traceBlockLocked(received, outcome, note: note)
        return outcome
    }
}
