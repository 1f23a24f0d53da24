import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona
import VirtualReader

/// A condition the card and reader are put in before the client runs, and what the client is
/// expected to do about it (`vectors/client-scenarios/*.yaml`, a list under `scenarios:`).
package struct ClientScenario: Codable, Sendable {
    package var name: String
    package var description: String
    /// A persona name under the personas directory, or a path.
    package var persona: String?
    /// Retry counters to start from, by credential id (`jpki.auth-pin: 1`; 0 blocks it).
    package var triesLeft: [String: Int]?
    /// Insert the card this many milliseconds after the client started (nil: from the start).
    package var insertAfterMs: Int?
    /// Timing profile: instant, realistic or slow.
    package var timing: String?
    package var faults: Faults?
    /// Facts for the rules (merged with the command line's `--fact`).
    package var facts: [String: String]?
    package var expect: Expectation
    /// Expectations that replace `expect` when their facts hold (the first that matches), e.g.
    /// "with method: pin the client must fail".
    package var expectWhen: [ConditionalExpectation]?
    /// The client is stopped after this long (a hang).
    package var timeoutSeconds: Double?

    /// Reader and card misbehaviour (the virtual reader's fault plan).
    package struct Faults: Codable, Sendable {
        package var removeAfterApdus: Int?
        package var removeDuringApdu: Int?
        package var shortOnly: Bool?
        package var atr: String?
        package var hostile: [HostileFault]?

        enum CodingKeys: String, CodingKey {
            case removeAfterApdus = "remove-after-apdus"
            case removeDuringApdu = "remove-during-apdu"
            case shortOnly = "short-only"
            case atr, hostile
        }
    }

    /// What the client should do.
    package struct Expectation: Codable, Sendable {
        /// `zero`, `non-zero` or `any`.
        package var exit: String?
        /// The client sends no VERIFY with a value.
        package var noVerify: Bool?
        /// On a non-zero exit the client says why (non-empty output).
        package var message: Bool?
        /// At most this many APDUs (more is a loop); default 2000.
        package var maxApdus: Int?
        /// At least this many APDUs: a client that never talks to the card has not done its job.
        package var minApdus: Int?

        enum CodingKeys: String, CodingKey {
            case exit, message
            case noVerify = "no-verify"
            case maxApdus = "max-apdus"
            case minApdus = "min-apdus"
        }
    }

    /// An expectation that applies when facts hold.
    package struct ConditionalExpectation: Codable, Sendable {
        package var when: [String: String]
        package var expect: Expectation
    }

    /// The expectation for these facts.
    package func expectation(for facts: ScenarioFacts) -> Expectation {
        expectWhen?.first { $0.when.allSatisfy { facts[$0.key] == $0.value } }?.expect ?? expect
    }

    enum CodingKeys: String, CodingKey {
        case name, description, persona, timing, faults, facts, expect
        case expectWhen = "expect-when"
        case triesLeft = "tries-left"
        case insertAfterMs = "insert-after-ms"
        case timeoutSeconds = "timeout-seconds"
    }

    /// The fault plan this scenario puts on the slot.
    var faultPlan: FaultPlan {
        FaultPlan(
            removeAfterAPDUs: faults?.removeAfterApdus, removeDuringAPDU: faults?.removeDuringApdu,
            atr: faults?.atr.flatMap(CardATR.init(rawValue:)), shortOnly: faults?.shortOnly ?? false,
            hostile: faults?.hostile.map(Set.init))
    }

    /// A scenario file: `scenarios:` and a list.
    struct File: Codable { var scenarios: [ClientScenario] }

    /// Loads every scenario of a file, naming the file, line and problem on any mistake.
    package static func load(_ path: String) throws(ClientCheckError) -> [ClientScenario] {
        let document: YAMLDocument<File>
        do { document = try YAMLDocument(url: URL(fileURLWithPath: path)) } catch { throw ClientCheckError(error) }
        for (i, scenario) in document.value.scenarios.enumerated() {
            func problem(_ key: String, _ message: String) -> ClientCheckError {
                ClientCheckError(document.problem(at: ["scenarios", "\(i)", key], "scenario \(scenario.name): \(message)"))
            }
            if let timing = scenario.timing, TimingProfile.named(timing) == nil {
                throw problem("timing", "'\(timing)' is not instant, realistic or slow")
            }
            if let minimum = scenario.expect.minApdus, let maximum = scenario.expect.maxApdus, minimum > maximum {
                throw problem("expect", "min-apdus \(minimum) is more than max-apdus \(maximum)")
            }
            if let atr = scenario.faults?.atr, CardATR(rawValue: atr) == nil {
                throw problem("faults", "ATR '\(atr)' is not one of \(CardATR.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            for exit in ([scenario.expect] + (scenario.expectWhen ?? []).map(\.expect)).compactMap(\.exit)
            where !["zero", "non-zero", "any"].contains(exit) {
                throw problem("expect", "exit must be zero, non-zero or any, not '\(exit)'")
            }
        }
        return document.value.scenarios
    }

    /// The scenarios of `files` (every `*.yaml` of `directory` when `files` is empty), narrowed to
    /// `names` when some are given; an unknown name is an error that lists the known ones.
    package static func select(files: [String], directory: URL?, names: [String]) throws(ClientCheckError) -> [ClientScenario] {
        var paths = files
        if paths.isEmpty, let directory {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            paths = entries.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0).path }
        }
        guard !paths.isEmpty else {
            throw .run("no scenario files found\(directory.map { " in \($0.path)" } ?? ""); give --scenarios FILE")
        }
        var scenarios: [ClientScenario] = []
        for path in paths { scenarios += try load(path) }
        guard !names.isEmpty else { return scenarios }
        let unknown = names.filter { name in !scenarios.contains { $0.name == name } }
        guard unknown.isEmpty else {
            throw .run("no scenario named \(unknown.joined(separator: ", ")); known: \(scenarios.map(\.name).joined(separator: ", "))")
        }
        return scenarios.filter { names.contains($0.name) }
    }
}

/// How a scenario's expectations came out.
package struct ExpectationVerdict: Codable, Sendable {
    package var what: String
    package var passed: Bool
    package var detail: String?
}

extension ClientScenario.Expectation {
    /// Judges a finished session: the exit, hangs, crashes, loops and the expected restraint.
    package func judge(_ session: ClientSession) -> [ExpectationVerdict] {
        var verdicts: [ExpectationVerdict] = []
        verdicts.append(
            .init(what: "does not hang", passed: !session.timedOut, detail: session.timedOut ? "stopped at the time limit" : nil))
        let crashed = !session.timedOut && session.signal != nil
        verdicts.append(.init(what: "does not crash", passed: !crashed, detail: crashed ? "killed by signal \(session.signal!)" : nil))
        if let minApdus {
            let count = session.exchanges.count
            verdicts.append(
                .init(
                    what: "sends at least \(minApdus) APDU\(minApdus == 1 ? "" : "s")", passed: count >= minApdus,
                    detail: count == 0 ? "the client sent no APDU at all" : "\(count) APDUs"))
        }
        let limit = maxApdus ?? 2000
        verdicts.append(
            .init(
                what: "does not loop", passed: session.exchanges.count <= limit,
                detail: "\(session.exchanges.count) APDUs (at most \(limit))"))
        if let exit, exit != "any", !session.timedOut, !crashed {
            let status = session.exitStatus ?? -1
            let ok = exit == "zero" ? status == 0 : status != 0
            verdicts.append(.init(what: "exits \(exit)", passed: ok, detail: "exit status \(status)"))
        }
        if noVerify == true {
            let sent = session.exchanges.filter { $0.ins == Instruction.verify && $0.hasCommandData }
            verdicts.append(.init(what: "sends no VERIFY with a value", passed: sent.isEmpty, detail: sent.first?.description))
        }
        if message == true, (session.exitStatus ?? 0) != 0 {
            let said = !session.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            verdicts.append(.init(what: "says why it failed", passed: said, detail: said ? nil : "no output"))
        }
        return verdicts
    }
}
