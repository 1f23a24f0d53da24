import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona
import PCSC
import VirtualReader

extension ReaderCheckContext {
    /// The "digest" the signature check signs: fixed bytes in a SHA-256 DigestInfo (the card pads
    /// whatever DigestInfo it is given, card reference §jpki-sign).
    static let signedDigestInfo = DigestInfo.sha256(Array("mynasim reader-check signature!!".utf8))

    /// timing.*: per-APDU overhead and jitter, certificate throughput, the signature's duration.
    func timingChecks() {
        var roundTrips: [Double] = []
        run("timing.overhead") { record in
            try ensureConnected()
            let command = CommandAPDU.getChallenge(length: 8).bytes
            for _ in 0..<50 {
                // The reader's call alone is timed: no evidence is formatted inside the measurement.
                let started = ContinuousClock.now
                let response = try reader.transmit(command)
                roundTrips.append(EvidenceText.millis(.now - started))
                if response.count != 10 { record.fail("GET CHALLENGE answered \(EvidenceText.hex(response))") }
            }
            let percentile = Percentiles(roundTrips)
            record.note("50 × GET CHALLENGE (Le 8): round trips \(roundTrips.map { String(format: "%.2f", $0) }.joined(separator: " ")) ms")
            if let timing = startStatus?.timing {
                let cardMillis = EvidenceText.millis(timing.delay(command: command, responseLength: 10))
                let overhead = max(0, percentile(0.5) - cardMillis)
                record.figure("overhead p50", overhead, "ms")
                if overhead > 1 { observed.exchangeDelayMicros = Int(overhead * 1000) }
                record.figure("round trip p50 (card included)", percentile(0.5), "ms")
                record.figure("card's own time", cardMillis, "ms")
                record.note("the virtual card's timing profile \(timing.name) gives GET CHALLENGE \(String(format: "%.2f", cardMillis)) ms")
            } else {
                record.figure("round trip p50", percentile(0.5), "ms")
                record.note("the card's own time is unknown (a real card): the round trip is judged whole")
                // Emulated, the virtual card's realistic timing adds the card's part again.
                let typicalCard = EvidenceText.millis(TimingProfile.realistic.delay(command: command, responseLength: 10))
                if percentile(0.5) - typicalCard > 1 { observed.exchangeDelayMicros = Int((percentile(0.5) - typicalCard) * 1000) }
            }
            record.figure("max", percentile.maximum, "ms")
        }

        run("timing.jitter") { record in
            guard !roundTrips.isEmpty else { throw CheckStop.inconclusive("no round trips were measured (timing.overhead failed)") }
            let percentile = Percentiles(roundTrips)
            record.figure("p90 − p50", percentile(0.9) - percentile(0.5), "ms")
            record.figure("p50", percentile(0.5), "ms")
            record.figure("p90", percentile(0.9), "ms")
            record.figure("max", percentile.maximum, "ms")
        }

        run("timing.throughput") { record in
            let reference = try referenceCertificate(&record)
            var quiet = CheckRecord(record.definition)
            var elapsed = Duration.zero
            for round in 1...3 {
                try selectCertificate(&record)
                let started = ContinuousClock.now
                let data = try TransparentFileReader(chunkSize: 256).read { try ResponseAPDU(bytes: send($0.bytes, &quiet)) }
                elapsed += .now - started
                if data != reference {
                    let at =
                        zip(data, reference).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(data.count, reference.count)
                    record.fail(
                        "read \(round) differs from the reference from byte \(at) (\(data.count) bytes read, \(reference.count) expected)")
                }
            }
            let seconds = EvidenceText.millis(elapsed) / 1000
            record.figure("throughput", seconds > 0 ? Double(reference.count * 3) / seconds / 1000 : 0, "kB/s")
            record.figure("certificate read", EvidenceText.millis(elapsed) / 3, "ms")
            record.note("3 × EF 000A (\(reference.count) bytes): an 8-byte head, then READ BINARY of up to 256 bytes")
        }

        run("timing.signature") { record in
            try signatureCheck(&record)
        }
    }

    /// The authentication PIN the signature check may send: `--card-pin`, or the virtual card's
    /// own (its persona file).
    private func authenticationPIN() throws -> String {
        if let pin = options.cardPIN { return pin }
        guard let path = startStatus?.card else {
            throw CheckStop.skipped("needs the card's authentication PIN: run with --card-pin (signing uses no try when it is right)")
        }
        do {
            return try PersonaDirectory(url: URL(fileURLWithPath: path)).persona.credentials.authPIN
        } catch {
            throw CheckStop.skipped("the virtual card's PIN could not be read from \(path): \(error)")
        }
    }

    private func signatureCheck(_ record: inout CheckRecord) throws {
        let pin = Array(try authenticationPIN().utf8)
        guard JPKIApplication.authPIN.format.accepts(pin) else {
            throw CheckStop.skipped("the PIN given is not \(JPKIApplication.authPIN.format); nothing was sent")
        }
        let reference = try referenceCertificate(&record)
        guard let key = CertificateKey.rsaKey(reference) else { throw CheckStop.inconclusive("the certificate's RSA key cannot be read") }
        try select(JPKIApplication.aid, &record)
        let query = CommandAPDU.retryCounterQuery(p2: JPKIApplication.authPIN.verifyP2).bytes
        let before = try RetryCounter(queryStatus: ResponseAPDU(bytes: send(query, &record)).status)
        guard before.remaining == JPKIApplication.authPIN.maxTries else {
            throw CheckStop.skipped(
                "the authentication PIN shows \(before); signing needs a full counter (\(JPKIApplication.authPIN.maxTries) tries) so that "
                    + "nothing can be lost")
        }
        var verifyRecord = CheckRecord(record.definition)
        let verifyStarted = ContinuousClock.now
        let verified = try send(CommandAPDU.verify(p2: JPKIApplication.authPIN.verifyP2, value: pin).bytes, &verifyRecord)
        let verifyTime = ContinuousClock.now - verifyStarted
        record.note("→ VERIFY (authentication PIN, value withheld)  ← \(EvidenceText.hex(verified))  \(Self.millisText(verifyTime))")
        guard verified == [0x90, 0x00] else {
            record.fail("VERIFY answered \(EvidenceText.hex(verified)): the PIN given is wrong (that try is used)")
            return
        }
        try select(file: JPKIApplication.File.authKey, &record)
        let signCommand = CommandAPDU.computeDigitalSignature(keyP2: 0x80, data: Self.signedDigestInfo).bytes
        let started = ContinuousClock.now
        let signed = try send(signCommand, &record)
        let signTime = ContinuousClock.now - started
        record.figure("signature", EvidenceText.millis(signTime), "ms")
        record.figure("VERIFY", EvidenceText.millis(verifyTime), "ms")
        if let timing = startStatus?.timing {
            record.figure("card's own time", EvidenceText.millis(timing.delay(command: signCommand, responseLength: 258)), "ms")
        }
        if signed.count != 258 || Array(signed.suffix(2)) != [0x90, 0x00] {
            record.fail("COMPUTE DIGITAL SIGNATURE answered \(EvidenceText.hex(signed)); 256 bytes and 9000 were expected")
        } else if !key.isValidPKCS1v15(signature: Array(signed.dropLast(2)), input: Self.signedDigestInfo) {
            record.fail("the signature does not verify with the certificate's public key")
        } else {
            record.note("the signature verifies with the authentication certificate's key")
        }
        try reader.reconnect(.reset)  // the PIN's security state ends here
        record.note("warm reset: the verified state is cleared")
        try select(JPKIApplication.aid, &record)
        let after = try RetryCounter(queryStatus: ResponseAPDU(bytes: send(query, &record)).status)
        record.figure("tries left after", Double(after.remaining ?? 0), "tries")
        if after != before { record.fail("the retry counter went from \(before) to \(after)") }
    }
}
