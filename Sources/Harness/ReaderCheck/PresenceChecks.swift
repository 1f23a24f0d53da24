import Foundation
import ISO7816
import PCSC
import VirtualReader

/// What the insertion and removal trials measured.
struct PresenceTrials {
    var insertions: [Double] = []
    var removals: [Double] = []
    var missedInsertions = 0
    var missedRemovals = 0
    var notes: [String] = []
    /// Latencies count from the simulator's change (virtual) or from the instruction (a person).
    var fromInstruction = false
}

extension ReaderCheckContext {
    /// Waits until the reader's state satisfies `condition`, following every change; nil after
    /// `milliseconds`.
    func waitFor(
        _ condition: (ReaderState) -> Bool, from known: inout ReaderState, milliseconds: Int
    ) throws -> ReaderState? {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        if condition(known) { return known }
        while ContinuousClock.now < deadline {
            let left = Int(EvidenceText.millis(deadline - .now).rounded(.up))
            guard let state = try reader.waitForChange(from: known, milliseconds: max(1, left)) else { return nil }
            known = state
            if condition(state) { return state }
        }
        return nil
    }

    static func isReady(_ state: ReaderState) -> Bool { state.present && !state.mute && !state.atr.isEmpty }

    /// presence.*, and robustness.long-idle (measured in the same quiet period).
    func presenceChecks() {
        let canMeasure = isVirtual || options.interactive
        var trials: Result<PresenceTrials, any Error> = .failure(CheckStop.skipped("needs a person at the reader: run with --interactive"))
        if canMeasure { trials = Result { try measurePresence() } }
        for (id, insertion) in [("presence.insertion", true), ("presence.removal", false)] {
            run(id) { record in
                let measured = try trials.get()
                record.evidence += measured.notes
                let values = insertion ? measured.insertions : measured.removals
                let missed = insertion ? measured.missedInsertions : measured.missedRemovals
                if insertion, measured.fromInstruction, values.isEmpty, missed == 0 {
                    throw CheckStop.inconclusive("no insertion could be timed: the reader never reported the card removed")
                }
                record.figure("missed", Double(missed), "events")
                if measured.fromInstruction {
                    record.figure("seen", Double(values.count), "events")
                    record.figure("slowest, from the instruction", Percentiles(values).maximum, "ms")
                } else if !values.isEmpty {
                    let percentile = Percentiles(values)
                    record.figure("p50", percentile(0.5), "ms")
                    record.figure("p90", percentile(0.9), "ms")
                    record.figure("max", percentile.maximum, "ms")
                    if let limit = record.definition.thresholds["p90"], !limit.accepts(percentile(0.9)) {
                        // Seen only at polls: model the poll interval by the slowest event, to 50 ms.
                        let interval = Int((percentile.maximum / 50).rounded()) * 50
                        observed.presencePollingMillis = max(observed.presencePollingMillis ?? 0, min(10_000, max(50, interval)))
                    }
                }
            }
        }

        var idleCompleted = false
        run("presence.idle") { record in
            try ensureConnected()
            let seconds = options.idleSeconds
            if !isVirtual { person.say("Leave the card in \(reader.name) untouched for \(ReaderFigure.format(seconds)) s.") }
            var known = try reader.state()
            let started = ContinuousClock.now
            let deadline = started + .milliseconds(Int(seconds * 1000))
            var events = 0
            var firstAbsent: Double?
            var backAfter: Double?
            while ContinuousClock.now < deadline {
                let left = Int(EvidenceText.millis(deadline - .now).rounded(.up))
                guard let state = try reader.waitForChange(from: known, milliseconds: max(1, left)) else { break }
                if state.flags != known.flags || state.eventCounter != known.eventCounter {
                    events += 1
                    let at = EvidenceText.millis(.now - started)
                    if !state.present, firstAbsent == nil { firstAbsent = at }
                    if state.present, let absent = firstAbsent, backAfter == nil { backAfter = at - absent }
                    record.note(
                        String(
                            format: "%.0f ms: %@ (event counter %d)", EvidenceText.millis(.now - started),
                            state.present ? "card present" : "card absent", state.eventCounter))
                }
                known = state
            }
            idleCompleted = true
            record.figure("idle", seconds, "s")
            record.figure("events", Double(events), "events")
            if let firstAbsent {
                record.figure("first removal reported after", firstAbsent, "ms")
                observed.spuriousRemoval = ReaderQuirks.SpuriousRemoval(
                    afterIdleMillis: max(100, Int(firstAbsent / 100) * 100), absentMillis: min(10_000, max(10, Int(backAfter ?? 100))))
            }
        }

        run("robustness.long-idle") { record in
            guard idleCompleted else { throw CheckStop.inconclusive("the idle period did not complete (presence.idle)") }
            record.note("the connection opened before the \(ReaderFigure.format(options.idleSeconds)) s idle period, used again")
            let response: [UInt8]
            do {
                response = try reader.transmit(CommandAPDU.getChallenge(length: 8).bytes)
            } catch let error as PCSCError {
                record.figure("commands failed after idling", 1, "commands")
                record.fail("GET CHALLENGE after the idle period failed: \(error)")
                recover()
                return
            }
            record.note("→ GET CHALLENGE (Le 8)  ← \(EvidenceText.hex(response))")
            record.figure("commands failed after idling", response.count == 10 ? 0 : 1, "commands")
            if response.count != 10 { record.fail("GET CHALLENGE after the idle period answered \(EvidenceText.hex(response))") }
        }
    }

    /// Removes and inserts the card `presenceTrials` times through the simulator, or asks a person
    /// to, and times what the reader reports.
    private func measurePresence() throws -> PresenceTrials {
        reader.disconnect(.leave)
        var trials = PresenceTrials()
        var known = try reader.state()
        guard Self.isReady(known) else { throw CheckStop.inconclusive("no card in \(reader.name) to start the trials with") }
        let startCounter = known.eventCounter
        if let simulator {
            let status = try simulator.status()
            guard let card = status.card else { throw CheckStop.inconclusive("the simulator's slot \(simulator.slot) is empty") }
            let powerOn = EvidenceText.millis(.microseconds(status.timing?.delayMicros[.powerOn] ?? 0))
            trials.notes.append(
                "\(options.presenceTrials) removals and insertions through the simulator; the card's power-up (\(ReaderFigure.format(powerOn)) ms) "
                    + "is subtracted from each insertion")
            for _ in 0..<options.presenceTrials {
                var started = ContinuousClock.now
                try simulator.remove()
                if try waitFor({ !$0.present }, from: &known, milliseconds: 3000) != nil {
                    trials.removals.append(EvidenceText.millis(.now - started))
                } else {
                    trials.missedRemovals += 1
                }
                started = .now
                try simulator.insert(card)
                if try waitFor(Self.isReady, from: &known, milliseconds: 3000) != nil {
                    trials.insertions.append(max(0, EvidenceText.millis(.now - started) - powerOn))
                } else {
                    trials.missedInsertions += 1
                }
            }
        } else {
            trials.fromInstruction = true
            guard person.ready("presence checks at \(reader.name): the card is in the reader", timeout: options.readyTimeout) else {
                throw CheckStop.skipped("the operator skipped the presence checks")
            }
            let limit = Int(EvidenceText.millis(options.operatorTimeout))
            for trial in 1...options.interactiveTrials {
                person.instruct("remove the card from \(reader.name) now (\(trial) of \(options.interactiveTrials))")
                var started = ContinuousClock.now
                if try waitFor({ !$0.present }, from: &known, milliseconds: limit) != nil {
                    trials.removals.append(EvidenceText.millis(.now - started))
                } else {
                    // Nothing to time an insertion from, and the next trials would wait the same way.
                    trials.missedRemovals += 1
                    trials.notes.append(
                        "trial \(trial): no removal reported within \(limit / 1000) s of the instruction (the card stayed in, or the "
                            + "reader did not notice); the remaining trials were not run")
                    person.instruct("if the card is out of \(reader.name), insert it again")
                    if try waitFor(Self.isReady, from: &known, milliseconds: limit) == nil { trials.missedInsertions += 1 }
                    break
                }
                person.instruct("insert the card into \(reader.name) again")
                started = .now
                if try waitFor(Self.isReady, from: &known, milliseconds: limit) != nil {
                    trials.insertions.append(EvidenceText.millis(.now - started))
                } else {
                    trials.missedInsertions += 1
                }
            }
            trials.notes.append("times count from the instruction to the event: a person's latency is not the reader's")
        }
        trials.notes.append("pcsc-lite's event counter went from \(startCounter) to \(known.eventCounter)")
        if !Self.isReady(known), try waitFor(Self.isReady, from: &known, milliseconds: 3000) == nil {
            throw CheckStop.inconclusive("the card did not come back after the trials")
        }
        return trials
    }
}
