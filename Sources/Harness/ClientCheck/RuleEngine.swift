import Foundation
import ISO7816
import MynaApplications
import MynaPersona
import VirtualReader

/// Facts about the situation a client ran in, from the scenario and the command line
/// (`method: pin`, `purpose: authentication`, `user-confirmed-last-try: yes`,
/// `reader-advertises-extended: no`). Rules apply `when` their facts hold.
package typealias ScenarioFacts = [String: String]

/// The facts a run understands and their values: those the profile declares and its rules'
/// `when` name, those the scenarios set or expect on, and the engine's own. `--fact` is checked
/// against them, so `methd=pin` or `method=PIN` is an error instead of a rule silently off.
package struct FactCatalog: Sendable {
    /// Each fact's values.
    package var values: [String: [String]]

    /// Facts the engine knows itself, and the ones it sets (which cannot be given).
    package static let engine: [String: [String]] = [
        "user-confirmed-last-try": ["yes", "no"], "reader-advertises-extended": ["yes", "no"],
    ]
    static let setByEngine: Set<String> = ["reader-advertises-extended"]

    package init(profile: ClientProfile, scenarios: [ClientScenario]) {
        var values = Self.engine.mapValues(Set.init)
        func add(_ facts: [String: String]?) { for (key, value) in facts ?? [:] { values[key, default: []].insert(value) } }
        for (key, declared) in profile.facts ?? [:] { values[key, default: []].formUnion(declared) }
        for rule in profile.rules { add(rule.when) }
        for scenario in scenarios {
            add(scenario.facts)
            for conditional in scenario.expectWhen ?? [] { add(conditional.when) }
        }
        self.values = values.mapValues { $0.sorted() }
    }

    /// Checks facts given on the command line.
    package func check(_ facts: ScenarioFacts) throws(ClientCheckError) {
        for (key, value) in facts.sorted(by: { $0.key < $1.key }) {
            if Self.setByEngine.contains(key) {
                throw .run("--fact \(key)=\(value): \(key) is set by client-check itself from the scenario and the card; leave it out")
            }
            guard let known = values[key] else {
                let near = NearestName.nearest(to: key, in: values.keys).map { " (did you mean `\($0)`?)" } ?? ""
                throw .run("--fact \(key)=\(value): no rule or scenario uses the fact '\(key)'\(near); the facts are \(listing)")
            }
            guard known.contains(value) else {
                let near = NearestName.nearest(to: value, in: known).map { " (did you mean `\($0)`?)" } ?? ""
                throw .run(
                    "--fact \(key)=\(value): '\(value)' is not a value of \(key)\(near); its values: \(known.joined(separator: ", "))")
            }
        }
    }

    /// `method (pin, visual), purpose (authentication)` …
    var listing: String {
        values.keys.sorted().filter { !Self.setByEngine.contains($0) }.map { "\($0) (\(values[$0, default: []].joined(separator: ", ")))" }
            .joined(separator: ", ")
    }
}

/// How one rule judged one session.
package struct RuleVerdict: Codable, Sendable {
    package enum Outcome: String, Codable, Sendable {
        case pass, fail
        case notApplicable = "not applicable"
    }
    package var rule: String
    package var severity: ClientProfile.Severity
    package var rationale: String
    package var outcome: Outcome
    /// Each violating exchange (`#n COMMAND → RESPONSE`) with what is wrong.
    package var violations: [String]
}

/// Judges a client session against a profile.
package struct RuleEngine: Sendable {
    package var profile: ClientProfile

    package init(profile: ClientProfile) { self.profile = profile }

    package func evaluate(_ session: ClientSession, facts: ScenarioFacts) -> [RuleVerdict] {
        profile.rules.map { rule in
            guard (rule.when ?? [:]).allSatisfy({ facts[$0.key] == $0.value }) else {
                return RuleVerdict(
                    rule: rule.id, severity: rule.severity, rationale: rule.rationale, outcome: .notApplicable, violations: [])
            }
            let violations = Self.violations(of: rule, in: session, facts: facts)
            return RuleVerdict(
                rule: rule.id, severity: rule.severity, rationale: rule.rationale,
                outcome: violations.isEmpty ? .pass : .fail, violations: violations)
        }
    }

    static let verify = Instruction.verify

    static func violations(of rule: ClientProfile.Rule, in session: ClientSession, facts: ScenarioFacts) -> [String] {
        let exchanges = session.exchanges
        let application = rule.application ?? .jpki
        func at(_ e: ClientExchange, _ message: String) -> String { "\(e.description): \(message)" }
        func isVerifyWithValue(_ e: ClientExchange) -> Bool { e.ins == verify && e.hasCommandData }
        func key(_ e: ClientExchange) -> String { e.keyReference.map { String(format: "%04X", $0) } ?? "?" }
        /// A key in its application: counters are per key and AP.
        func credential(_ e: ClientExchange) -> String { "\(e.application?.rawValue ?? "MF")/\(key(e))" }

        switch rule.check {
        case .fullAIDBeforeUse:
            let files = Set((rule.files ?? []).compactMap { UInt16($0, radix: 16) })
            return exchanges.compactMap { e in
                if e.selectsApplication != nil { return nil }
                if e.application == application, !e.selectedByFullAID {
                    return at(e, "\(application.rawValue) was selected by a partial AID, not \(Hex.encode(application.aid))")
                }
                if e.application == nil, e.ins == Instruction.select, let data = e.apdu?.data, data.count == 2,
                    files.contains(UInt16(data[0]) << 8 | UInt16(data[1]))
                {
                    return at(e, "selects a \(application.rawValue) file before selecting the application")
                }
                return nil
            }

        case .readsWithinDeclaredLength:
            let files = Set((rule.files ?? []).compactMap { UInt16($0, radix: 16) })
            var declared: [UInt16: Int] = [:]
            var problems: [String] = []
            for e in exchanges where e.application == application && e.ins == Instruction.readBinary {
                guard let file = e.currentFile, files.contains(file), let apdu = e.apdu, apdu.p1 & 0x80 == 0 else { continue }
                let offset = Int(apdu.p1) << 8 | Int(apdu.p2)
                if offset == 0, let header = try? BERTLV.parseHeader(e.data[...]) { declared[file] = header.totalLength }
                if e.status.value == 0x6B00 || e.status.value == 0x6282 {
                    problems.append(at(e, "reads past the end of EF \(file.hex) (\(e.status))"))
                } else if let length = declared[file], offset >= length {
                    problems.append(at(e, "reads at offset \(offset) of a file whose header says \(length) bytes"))
                }
            }
            return problems

        case .queryBeforeVerify:
            var queried: Set<String> = []
            var problems: [String] = []
            for e in exchanges where e.ins == verify {
                let k = credential(e)
                if e.hasCommandData {
                    if !queried.contains(k) {
                        problems.append(at(e, "sends a value for key \(key(e)) without first asking its retry counter (empty VERIFY)"))
                    }
                    queried.remove(k)
                } else {
                    queried.insert(k)
                }
            }
            return problems

        case .noVerifyOnLastTry:
            guard facts["user-confirmed-last-try"] != "yes" else { return [] }
            var lastAnswer: [String: RetryCounter] = [:]
            var problems: [String] = []
            for e in exchanges where e.ins == verify {
                let k = credential(e)
                if e.hasCommandData, lastAnswer[k]?.refusal(confirmedLastTry: false) == .lastTry {
                    problems.append(
                        at(e, "sends a value for key \(key(e)) when the counter said one try is left (the user did not confirm)"))
                }
                lastAnswer[k] = RetryCounter(queryStatus: e.status)
            }
            return problems

        case .noVerifyAfterBlocked:
            var blockedKeys: Set<String> = []
            var problems: [String] = []
            for e in exchanges where e.ins == verify {
                let k = credential(e)
                if e.hasCommandData, blockedKeys.contains(k) {
                    problems.append(at(e, "sends a value for key \(key(e)) after the card said it is blocked"))
                }
                if RetryCounter(queryStatus: e.status) == .blocked { blockedKeys.insert(k) }
            }
            return problems

        case .noRepeatAfterStatus:
            let status = UInt16(rule.status ?? "", radix: 16) ?? 0x6982
            let limit = rule.maxRepeats ?? 2
            var counts: [[UInt8]: Int] = [:]
            var problems: [String] = []
            for e in exchanges where e.status.value == status {
                counts[e.command, default: 0] += 1
                if counts[e.command]! == limit + 2 {
                    problems.append(
                        at(e, "the same command answered \(rule.status ?? "6982") was sent \(limit + 2) times (at most \(limit + 1))"))
                }
            }
            return problems

        case .forbid:
            let patterns = rule.matchAny ?? []
            return exchanges.filter { e in patterns.contains { $0.matches(e) } }.map { at($0, rule.rationale) }

        case .clearSecurityStateAtEnd:
            guard let lastVerified = exchanges.lastIndex(where: { isVerifyWithValue($0) && $0.status.isSuccess }) else { return [] }
            let cardSession = exchanges[lastVerified].cardSession
            let cleared = exchanges[(lastVerified + 1)...].contains {
                $0.cardSession == cardSession && $0.selectsApplication != nil && $0.status.isSuccess
            }
            // A reset, power-off or removal after the VERIFY, while the client still ran (pcscd
            // also powers an idle card down some 0.5 s later on its own; that does not count).
            let deadline = session.endedAt.flatMap(TraceTime.seconds).map { $0 + 0.2 }
            let poweredDown = session.events.contains { event in
                event.afterExchanges > lastVerified && event.kind != .insert && event.kind != .mute
                    && (deadline == nil || (TraceTime.seconds(event.time) ?? 0) <= deadline!)
            }
            return cleared || poweredDown
                ? []
                : [
                    at(
                        exchanges[lastVerified],
                        "leaves this verified state behind: no application SELECT, reset or power-off followed before the client ended")
                ]

        case .extendedOnlyWhenAdvertised:
            guard facts["reader-advertises-extended"] == "no" else { return [] }
            return exchanges.filter { $0.apdu?.isExtended == true }.map {
                at($0, "an extended-length APDU, but the reader does not advertise them")
            }

        case .noRepeatedReads:
            var seen: Set<String> = []
            var problems: [String] = []
            for e in exchanges where e.ins == Instruction.readBinary && e.status.isSuccess {
                let k = "\(e.cardSession)/\(e.application?.rawValue ?? "MF")/\(e.currentFile ?? 0)/\(Hex.encode(e.command))"
                if !seen.insert(k).inserted { problems.append(at(e, "reads the same data again in one card session")) }
            }
            return problems
        }
    }
}

/// Trace timestamps (`2026-11-25T12:34:56.123456Z`) as seconds since the epoch.
package enum TraceTime {
    package static func seconds(_ text: String) -> Double? {
        let parts = text.split(whereSeparator: { "-T:Z".contains($0) })
        guard parts.count == 6, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            let hour = Int(parts[3]), let minute = Int(parts[4]), let second = Double(parts[5])
        else { return nil }
        var t = tm()
        t.tm_year = Int32(year - 1900)
        t.tm_mon = Int32(month - 1)
        t.tm_mday = Int32(day)
        t.tm_hour = Int32(hour)
        t.tm_min = Int32(minute)
        return Double(timegm(&t)) + second
    }
}
