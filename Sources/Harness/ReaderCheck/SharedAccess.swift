import Foundation
import ISO7816
import MynaApplications
import PCSC
import VirtualReader

/// The second process of robustness.shared-access (`mynasim reader-check --share-helper`): it
/// connects in shared mode, waits until the file `go` exists (the first process then holds its
/// transaction; pcsc-lite would hold back a connect during it), asks for a transaction, reads the
/// certificate's first bytes in it and prints what happened, one `key value` line each, with times
/// on the machine's monotonic clock.
package enum SharedAccessHelper {
    /// Milliseconds on CLOCK_MONOTONIC, the same clock in every process.
    package static func monotonicMillis() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
    }

    /// Runs the helper's side against `reader`; the exit status.
    package static func run(reader name: String, go: String) -> Int32 {
        func say(_ line: String) {
            print(line)
            fflush(nil)
        }
        do {
            let reader = try PCSCReader(reader: name)
            try reader.connect()
            say("connected protocol \(reader.activeProtocol), status protocol \((try? reader.status().protocol) ?? 0)")
            let deadline = ContinuousClock.now + .seconds(15)
            while !FileManager.default.fileExists(atPath: go) {
                guard ContinuousClock.now < deadline else {
                    say("error the first process never said go")
                    return 1
                }
                usleep(5_000)
            }
            say(String(format: "begin %.3f", monotonicMillis()))
            try reader.beginTransaction()
            say(String(format: "acquired %.3f", monotonicMillis()))
            var answers: [UInt8] = []
            for command in [
                CommandAPDU.select(application: JPKIApplication.aid), .select(file: JPKIApplication.File.authCertificate),
                .readBinary(offset: 0, length: 8),
            ] {
                answers = try reader.transmit(command.bytes)
            }
            say("read \(Hex.encode(answers))")
            try reader.endTransaction()
            reader.disconnect()
            say("done")
            return 0
        } catch {
            say("error \(error)")
            return 1
        }
    }
}

extension ReaderCheckContext {
    /// This process holds a transaction while a second process asks for one: the second must get
    /// it only after this one ends, and both must read correct data.
    func sharedAccessCheck(_ record: inout CheckRecord) throws {
        guard !options.helperCommand.isEmpty else { throw CheckStop.skipped("no second process can be started here") }
        let reference = try referenceCertificate(&record)
        try ensureConnected()
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("mynasim-share-\(getpid()).txt")
        let go = FileManager.default.temporaryDirectory.appendingPathComponent("mynasim-share-\(getpid()).go")
        for file in [output, go] { try? FileManager.default.removeItem(at: file) }
        defer { for file in [output, go] { try? FileManager.default.removeItem(at: file) } }
        var quiet = CheckRecord(record.definition)
        let helper = try ChildProcess(options.helperCommand + [reader.name, "--share-go", go.path], output: output.path)
        record.note("this process: protocol \(reader.activeProtocol), status protocol \((try? reader.status().protocol) ?? 0)")
        func lines() -> [String: String] {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
                fields[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            return fields
        }
        // This process keeps working while the second one starts and connects, then takes its
        // transaction and lets the second one ask for one.
        func work(untilHelperSays key: String) throws {
            let deadline = ContinuousClock.now + .seconds(15)
            while helper.isRunning, ContinuousClock.now < deadline {
                let fields = lines()  // the helper's file, read once a round
                if fields[key] != nil || fields["error"] != nil { return }
                _ = try send(CommandAPDU.getChallenge(length: 8).bytes, &quiet)
                usleep(10_000)
            }
        }
        try work(untilHelperSays: "connected")
        try reader.beginTransaction()
        guard FileManager.default.createFile(atPath: go.path, contents: Data()) else {
            throw CheckStop.inconclusive("the signal file for the second process cannot be written: \(go.path)")
        }
        try work(untilHelperSays: "begin")
        let holdUntil = ContinuousClock.now + .milliseconds(300)
        try selectCertificate(&quiet)
        var ownRead: [UInt8] = []
        while ContinuousClock.now < holdUntil {
            ownRead = try send(CommandAPDU.readBinary(offset: 0, length: 8).bytes, &quiet)
            usleep(20_000)
        }
        let ended = SharedAccessHelper.monotonicMillis()
        try reader.endTransaction()
        let exitDeadline = ContinuousClock.now + .seconds(15)
        while helper.isRunning, ContinuousClock.now < exitDeadline { usleep(10_000) }
        if helper.isRunning { _ = helper.stop(signal: SIGKILL, grace: .seconds(1)) }
        let fields = lines()
        record.note("second process: " + fields.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; "))
        let expected = Array(reference.prefix(8)) + [0x90, 0x00]
        if ownRead != expected { record.fail("this process read \(EvidenceText.hex(ownRead)) in its transaction") }
        if let error = fields["error"] { record.fail("the second process failed: \(error)") }
        guard let begin = fields["begin"].flatMap(Double.init), let acquired = fields["acquired"].flatMap(Double.init) else {
            record.fail("the second process never got its transaction")
            return
        }
        record.figure("second process waited", acquired - begin, "ms")
        record.figure("first transaction held after the second asked", max(0, ended - begin), "ms")
        if begin >= ended {
            throw CheckStop.inconclusive("the second process asked only after this one's transaction ended")
        }
        record.figure("overlapping transactions", acquired < ended - 1 ? 1 : 0, "transactions")
        if acquired < ended - 1 { record.fail("the second process got its transaction while this one still held it") }
        if fields["read"] != Hex.encode(expected) {
            record.fail("the second process read \(fields["read"] ?? "nothing"), expected \(Hex.encode(expected))")
        }
    }
}
