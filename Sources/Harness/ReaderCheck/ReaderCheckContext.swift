import Foundation
import ISO7816
import MynaApplications
import PCSC
import VirtualReader

/// How a reader check runs.
package struct ReaderCheckOptions: Sendable {
    /// The reader: its name, a part of it, or its index.
    package var reader: String
    /// The simulator slot behind one of mynasim's readers (default: from the reader name).
    package var slot: Int?
    /// `MYNASIM_SOCKET`: with one of mynasim's readers, the checks drive the simulator.
    package var simulatorSocket: String?
    /// The card's authentication PIN, for the signature check (a real card signs only with it).
    package var cardPIN: String?
    /// A person is at the reader: run the checks that need one.
    package var interactive = false
    /// Insertions and removals measured on a virtual reader, and with a person.
    package var presenceTrials = 10
    package var interactiveTrials = 3
    /// How long the card rests untouched in the idle check.
    package var idleSeconds: Double = 5
    /// How long the operator has for each action.
    package var operatorTimeout: Duration = .seconds(30)
    /// How long the operator has to get ready for a block of actions (press Enter): two minutes, or
    /// an action's time when that is longer.
    var readyTimeout: Duration { max(.seconds(120), operatorTimeout) }
    /// The command that runs the second process of the shared-access check; the reader name is appended.
    package var helperCommand: [String] = []

    package init(reader: String) { self.reader = reader }
}

/// Everything the checks share while they run: the reader, the simulator behind it (for mynasim's
/// readers), what earlier checks learnt, and the results so far.
final class ReaderCheckContext {
    let reader: PCSCReader
    let options: ReaderCheckOptions
    /// The simulator slot, when the reader is one of mynasim's and `MYNASIM_SOCKET` is set.
    let simulator: (any VirtualSlotControl)?
    let person: any ReaderOperator
    let onResult: (ReaderCheckResult) -> Void
    private(set) var results: [ReaderCheckResult] = []

    var identity: ReaderIdentityFacts
    var card: CardFacts
    /// The slot as the run started (card path, timing profile, faults, counters).
    var startStatus: SlotStatus?
    /// `dwMaxAPDUDataSize`, when the reader reports Part 10 properties.
    var claimedMaxData: Int?
    var firstATR: [UInt8] = []
    /// The authentication certificate, read in 128-byte chunks (the reference for data checks).
    var reference: [UInt8]?
    /// Whether each extended case reached the card (for the claim check).
    var extendedOutcomes: [String: Bool] = [:]
    /// The case 4 answer to the fixed challenge (compared with the extended form).
    var case4Answer: [UInt8]?
    /// What the reader was seen to do, in the terms of a reader quirk profile.
    var observed = ReaderQuirks()

    init(
        reader: PCSCReader, options: ReaderCheckOptions, simulator: (any VirtualSlotControl)?, person: any ReaderOperator,
        onResult: @escaping (ReaderCheckResult) -> Void
    ) {
        self.reader = reader
        self.options = options
        self.simulator = simulator
        self.person = person
        self.onResult = onResult
        identity = ReaderIdentityFacts(name: reader.name)
        card = CardFacts(virtual: simulator != nil, description: simulator != nil ? "mynasim virtual card" : "a real card")
    }

    var isVirtual: Bool { simulator != nil }

    // MARK: running one check

    /// Runs check `id`: skips it where it cannot run here, times it, turns thrown errors into a
    /// failure (then reconnects for the next check), and reports the result.
    func run(_ id: String, _ body: (inout CheckRecord) throws -> Void) {
        guard let definition = ReaderCheckCatalog.definition(id) else { preconditionFailure("no reader check \(id) in the catalog") }
        var record = CheckRecord(definition)
        let started = ContinuousClock.now
        var verdict: Verdict
        var message: String?
        do {
            try gate(definition)
            try body(&record)
            (verdict, message) = record.outcome
        } catch CheckStop.skipped(let why) {
            (verdict, message) = (.skipped, why)
        } catch CheckStop.notApplicable(let why) {
            (verdict, message) = (.notApplicable, why)
        } catch CheckStop.inconclusive(let why) {
            (verdict, message) = (.inconclusive, why)
        } catch {
            let reason = Self.describe(error)
            record.note("stopped: \(reason)")
            (verdict, message) = (.fail, (record.failures + [reason]).joined(separator: "; "))
            recover()
        }
        add(
            ReaderCheckResult(
                id: id, group: definition.group, title: definition.title, requirement: definition.requirement, verdict: verdict,
                message: message, figures: record.figures, evidence: record.evidence,
                seconds: EvidenceText.millis(.now - started) / 1000))
    }

    func add(_ result: ReaderCheckResult) {
        results.append(result)
        onResult(result)
    }

    private func gate(_ definition: ReaderCheckDefinition) throws {
        guard !isVirtual else { return }
        switch definition.realCard {
        case .automatic, .needsPIN: return
        case .virtualOnly: throw CheckStop.notApplicable("only mynasim's virtual card can be made to do this")
        case .interactive:
            guard options.interactive else { throw CheckStop.skipped("needs a person at the reader: run with --interactive") }
        }
    }

    /// A failure in words a reader vendor can act on (PC/SC's own text and code).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PCSCError { return error.description }
        return "\(error)"
    }

    // MARK: the connection

    /// Waits (event-driven) until the reader shows a card, up to `milliseconds`.
    @discardableResult
    func waitForCard(milliseconds: Int = 10_000) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        var known: ReaderState? = nil
        while ContinuousClock.now < deadline {
            guard let state = try? reader.waitForChange(from: known, milliseconds: known == nil ? 0 : 250) else {
                if known == nil { return false }
                continue
            }
            if Self.isReady(state) { return true }
            known = state
        }
        return false
    }

    /// Connects when no connection is open.
    func ensureConnected() throws {
        guard !reader.isConnected else { return }
        guard waitForCard() else { throw CheckStop.inconclusive("no card in \(reader.name) after 10 s") }
        try reader.connect()
    }

    /// After a failure: a fresh connection (errors are left for the next check to meet).
    func recover() {
        reader.disconnect(.reset)
        if waitForCard() { try? reader.connect() }
    }

    // MARK: exchanges

    /// Sends a command, follows `61xx` with GET RESPONSE and `6Cxx` with the right Le when
    /// `follow` (as careful clients do), and notes every exchange.
    func send(_ command: [UInt8], _ record: inout CheckRecord, follow: Bool = true) throws -> [UInt8] {
        try ensureConnected()
        let started = ContinuousClock.now
        var response = try reader.transmit(command)
        record.note("→ \(EvidenceText.hex(command))  ← \(EvidenceText.hex(response))  \(Self.millisText(.now - started))")
        guard follow else { return response }
        if response.count == 2, response[0] == 0x6C, var parsed = try? CommandAPDU(bytes: command) {
            parsed.ne = response[1] == 0 ? 256 : Int(response[1])
            response = try reader.transmit(parsed.bytes)
            record.note("  6Cxx: sent again with Le \(parsed.ne ?? 0)  ← \(EvidenceText.hex(response))")
        }
        var data: [UInt8] = []
        var rounds = 0
        while response.count >= 2, response[response.count - 2] == 0x61, rounds < 300 {
            data += response.dropLast(2)
            let length = response[response.count - 1] == 0 ? 256 : Int(response[response.count - 1])
            response = try reader.transmit(CommandAPDU.getResponse(length: length).bytes)
            record.note("  61xx: GET RESPONSE \(length)  ← \(EvidenceText.hex(response))")
            rounds += 1
        }
        return data + response
    }

    static func millisText(_ duration: Duration) -> String { String(format: "%.1f ms", EvidenceText.millis(duration)) }

    /// SELECT of an application by AID, expecting 9000.
    func select(_ aid: [UInt8], _ record: inout CheckRecord) throws {
        let response = try send(CommandAPDU.select(application: aid).bytes, &record)
        guard response == [0x90, 0x00] else { throw ReaderCheckFailure.unexpected("SELECT \(Hex.encode(aid))", response) }
    }

    /// SELECT of an EF of the current application, expecting 9000.
    func select(file: FileID, _ record: inout CheckRecord) throws {
        let response = try send(CommandAPDU.select(file: file).bytes, &record)
        guard response == [0x90, 0x00] else { throw ReaderCheckFailure.unexpected("SELECT EF \(file.hex)", response) }
    }

    /// The authentication certificate: read once in 128-byte chunks (lengths no reader quirk
    /// targets), then kept as the reference every data check compares with.
    func referenceCertificate(_ record: inout CheckRecord) throws -> [UInt8] {
        if let reference { return reference }
        try selectCertificate(&record)
        var quiet = CheckRecord(record.definition)
        let certificate = try TransparentFileReader(chunkSize: 128).read { command in
            try ResponseAPDU(bytes: send(command.bytes, &quiet))
        }
        record.note("reference: the authentication certificate, \(certificate.count) bytes, read in 128-byte chunks")
        reference = certificate
        return certificate
    }
}

/// A check's own failure, with the command and what came back.
enum ReaderCheckFailure: Error, CustomStringConvertible {
    case unexpected(String, [UInt8])

    var description: String {
        switch self {
        case .unexpected(let what, let response):
            let status = response.count >= 2 ? StatusWord(response[response.count - 2], response[response.count - 1]) : nil
            return "\(what) answered \(EvidenceText.hex(response))" + (status.map { " (\($0.meaning))" } ?? "")
        }
    }
}
