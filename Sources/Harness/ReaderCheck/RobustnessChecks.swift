import Foundation
import ISO7816
import MynaApplications
import PCSC
import VirtualReader

extension ReaderCheckContext {
    /// After a check that removes the card or sets faults: the virtual card back in its slot with
    /// the faults it had, whatever happened.
    func restoreVirtualCard() {
        guard let simulator, let start = startStatus else { return }
        if let status = try? simulator.status() {
            if status.faults != start.faults { try? simulator.setFaults(start.faults) }
            if status.card == nil, let card = start.card { try? simulator.insert(card) }
        }
    }

    /// A fresh connection that answers GET CHALLENGE, and how long it took to get one: the old
    /// connection ends (with a reset when the card stayed in: what an application does after a
    /// failed command), then the card is waited for and connected to again.
    func reconnectAndProve(
        _ record: inout CheckRecord, since started: ContinuousClock.Instant, limit: Int = 10_000, reset: Bool = true
    ) throws -> Double {
        reader.disconnect(reset ? .reset : .leave)
        guard waitForCard(milliseconds: limit) else { throw CheckStop.inconclusive("the card did not come back within \(limit / 1000) s") }
        try reader.connect()
        let response = try send(CommandAPDU.getChallenge(length: 8).bytes, &record)
        if response.count != 10 { record.fail("after reconnecting, GET CHALLENGE answered \(EvidenceText.hex(response))") }
        return EvidenceText.millis(.now - started)
    }

    /// Whether a PC/SC failure says the card went away (what an application must be told).
    static func isRemovalError(_ code: UInt32?) -> Bool {
        code == PCSCCodes.removedCard || code == PCSCCodes.noSmartcard
    }

    /// Whether the application is told that its failed command met a removal: by the command's own
    /// error, or by SCardStatus on the same connection once the reader has reported the card gone.
    /// pcsc-lite can only answer SCARD_E_NOT_TRANSACTED when a driver reports a failed exchange
    /// without "card absent" (its CCID driver always does so), so the second way is what an
    /// application meets behind most USB readers.
    private func judgeRemovalError(_ failure: PCSCError, _ record: inout CheckRecord) {
        record.note("SCardTransmit: \(failure)")
        if Self.isRemovalError(failure.code) {
            record.figure("calls to learn the removal", 1, "calls")
            return
        }
        do {
            _ = try reader.status()
            record.fail(
                "the command failed with \(failure), and SCardStatus on the same connection still reports the card: the application "
                    + "is not told that it was removed")
        } catch {
            record.note("SCardStatus on the same connection: \(error)")
            if Self.isRemovalError(error.code) {
                record.figure("calls to learn the removal", 2, "calls")
                record.note("the failed command's own error does not say removal; the next call on its connection does")
            } else {
                record.fail(
                    "the command failed with \(failure) and SCardStatus then with \(error): neither is a removal error "
                        + "(SCARD_W_REMOVED_CARD or SCARD_E_NO_SMARTCARD)")
            }
        }
    }

    /// robustness.*: removal during a command, resets, two processes, a mute card.
    func robustnessChecks() {
        run("robustness.removal-during-apdu") { record in
            defer { restoreVirtualCard() }
            try ensureConnected()
            try selectCertificate(&record)
            let command = CommandAPDU.readBinary(offset: 0, length: 256).bytes
            var started = ContinuousClock.now
            var failure: PCSCError?
            if let simulator {
                let status = try simulator.status()
                var known = try reader.state()
                var faults = status.faults
                faults.removeDuringAPDU = status.apdus + 1
                try simulator.setFaults(faults)
                record.note("the simulator removes the card while it works on the next command (APDU \(status.apdus + 1))")
                started = .now
                do {
                    let response = try reader.transmit(command)
                    record.fail(
                        "SCardTransmit succeeded (\(response.count) bytes: \(EvidenceText.hex(response))) although the card was removed")
                } catch let error as PCSCError { failure = error }
                record.figure("time to error", EvidenceText.millis(.now - started), "ms")
                try simulator.setFaults(status.faults)
                // The card goes back only once the reader has reported it gone, as a person would
                // put it back: a reader that polls must get the chance to see the change.
                let counter = known.eventCounter
                if try waitFor({ !$0.present || $0.eventCounter != counter }, from: &known, milliseconds: 5000) != nil {
                    record.figure("removal reported", EvidenceText.millis(.now - started), "ms")
                } else {
                    record.fail("the reader did not report the removal within 5 s")
                }
                if let failure { judgeRemovalError(failure, &record) }
                // The connection to the card that went away ends without a reset: a reset would reach
                // the next card (pcsc-lite then confuses later sessions of some drivers).
                reader.disconnect(.leave)
                started = .now
                if let card = status.card { try simulator.insert(card) }
            } else {
                let prompt = "removal during a command at \(reader.name): the card is in the reader"
                guard person.ready(prompt, timeout: options.readyTimeout) else {
                    throw CheckStop.skipped("the operator skipped this check")
                }
                person.instruct("remove the card from \(reader.name) now, while reader-check keeps reading it")
                let deadline = ContinuousClock.now + options.operatorTimeout
                var lastAnswer = ContinuousClock.now
                while failure == nil, ContinuousClock.now < deadline {
                    do {
                        let response = try reader.transmit(command)
                        if response.count < 2 {
                            record.fail("SCardTransmit succeeded with \(response.count) bytes while the card went away")
                        }
                        lastAnswer = .now
                    } catch let error as PCSCError { failure = error }
                }
                guard let failure else { throw CheckStop.inconclusive("the card was not removed within the operator's time") }
                record.figure("time to error", EvidenceText.millis(.now - lastAnswer), "ms")
                record.note("time to error counts from the last answer before the removal")
                var known = try reader.state()
                if try waitFor({ !$0.present }, from: &known, milliseconds: 5000) == nil {
                    record.fail("the reader did not report the removal within 5 s of the failed command")
                }
                judgeRemovalError(failure, &record)
                reader.disconnect(.leave)
                person.instruct("insert the card into \(reader.name) again")
                started = .now
            }
            let limit = Int(EvidenceText.millis(options.operatorTimeout))
            let recovery = try reconnectAndProve(&record, since: started, limit: limit, reset: false)
            record.figure("recovery", recovery, "ms")
        }

        run("robustness.reset-reconnect") { record in
            try ensureConnected()
            for (initialization, label) in [(PCSCReader.Disposition.reset, "warm reset"), (.unpower, "cold reset")] {
                let started = ContinuousClock.now
                try reader.reconnect(initialization)
                let response = try send(CommandAPDU.getChallenge(length: 8).bytes, &record)
                record.figure(label, EvidenceText.millis(.now - started), "ms")
                if response.count != 10 { record.fail("after a \(label), GET CHALLENGE answered \(EvidenceText.hex(response))") }
            }
            let started = ContinuousClock.now
            reader.disconnect(.reset)
            try reader.connect()
            let response = try send(CommandAPDU.getChallenge(length: 8).bytes, &record)
            record.figure("disconnect and connect", EvidenceText.millis(.now - started), "ms")
            if response.count != 10 { record.fail("after a new connection, GET CHALLENGE answered \(EvidenceText.hex(response))") }
        }

        run("robustness.shared-access") { record in
            try sharedAccessCheck(&record)
        }

        run("robustness.mute-card") { record in
            guard let simulator else { throw CheckStop.notApplicable("only mynasim's virtual card can be made mute") }
            defer { restoreVirtualCard() }
            try ensureConnected()
            let original = try simulator.status().faults
            var faults = original
            faults.mute = true
            try simulator.setFaults(faults)
            record.note("the virtual card stops answering")
            var started = ContinuousClock.now
            do {
                let response = try reader.transmit(CommandAPDU.getChallenge(length: 8).bytes)
                record.fail("SCardTransmit succeeded (\(response.count) bytes: \(EvidenceText.hex(response))) although the card is mute")
            } catch let error as PCSCError {
                record.note("SCardTransmit: \(error)")
            }
            record.figure("time to error", EvidenceText.millis(.now - started), "ms")
            try simulator.setFaults(original)
            started = .now
            let recovery = try reconnectAndProve(&record, since: started)
            record.figure("recovery", recovery, "ms")
        }
    }
}
