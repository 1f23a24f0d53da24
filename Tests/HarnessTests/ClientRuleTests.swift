import Foundation
import Harness
import ISO7816
import TestSupport
import Testing
import VirtualReader

/// Every shipped client rule against a good session (passes) and a session that breaks it
/// (caught, with the exchange named). Sessions are written as the reader's trace would hold them.
@Suite("Client rules")
struct ClientRuleTests {
    static let profiles = Fixtures.repositoryRoot.appendingPathComponent("vectors/client-profiles")
    let generic = try! ClientProfile.load(profiles.appendingPathComponent("jpki-generic.yaml").path)
    let qualification = try! ClientProfile.load(profiles.appendingPathComponent("qualification-check.yaml").path)

    static let selectJPKI = "00A4040C0AD392F000260100000001"
    static let selectText = "00A4040C0AD3921000310001010408"
    static let pin = "0020008004" + Hex.encode(Array("1234".utf8))
    static let digestInfo = "3031300D060960864801650304020105000420" + String(repeating: "11", count: 32)
    static let sign = "802A008033" + digestInfo + "00"
    static let cert = "3082" + "0300" + String(repeating: "AA", count: 252)

    /// A trace: "power" and "reset" lines are card events, others are `COMMAND RESPONSE`.
    static func session(_ lines: [String], endedAt: String? = nil) -> ClientSession {
        var events: [TraceEvent] = []
        for (i, line) in lines.enumerated() {
            let time = String(format: "2026-11-25T12:00:%02d.000000Z", i)
            switch line {
            case "power": events.append(TraceEvent(time: time, slot: 0, event: .powerOn))
            case "reset": events.append(TraceEvent(time: time, slot: 0, event: .reset))
            default:
                let parts = line.split(separator: " ").map(String.init)
                events.append(TraceEvent(time: time, slot: 0, event: .transmit, command: parts[0], response: parts[1]))
            }
        }
        return ClientSession(trace: events, endedAt: endedAt)
    }

    /// A careful PIN-method login: full AID, header-sized reads, counter query, PIN, signature, reset.
    static let goodLogin = [
        "power", "\(selectJPKI) 9000", "00A4020C02000A 9000", "00B0000004 30820300" + "9000",
        "00B00004FF \(String(repeating: "AA", count: 255))9000", "00B0010305 \(String(repeating: "AA", count: 5))9000",
        "00A4020C020018 9000", "00200080 63C3", "\(pin) 9000", "00A4020C020017 9000", "\(sign) \(String(repeating: "55", count: 256))9000",
        "reset",
    ]

    func verdicts(_ profile: ClientProfile, _ lines: [String], facts: ScenarioFacts = [:], endedAt: String? = nil) -> [String: RuleVerdict]
    {
        Dictionary(
            uniqueKeysWithValues: RuleEngine(profile: profile).evaluate(Self.session(lines, endedAt: endedAt), facts: facts).map {
                ($0.rule, $0)
            })
    }

    @Test func aCarefulClientPassesEveryRule() {
        let generic = verdicts(generic, Self.goodLogin, facts: ["purpose": "authentication", "reader-advertises-extended": "yes"])
        #expect(generic.values.allSatisfy { $0.outcome == .pass }, "\(generic.values.filter { $0.outcome != .pass })")
        let qualification = verdicts(qualification, Self.goodLogin, facts: ["method": "pin"])
        #expect(qualification.values.allSatisfy { $0.outcome != .fail }, "\(qualification.values.filter { $0.outcome == .fail })")
        #expect(qualification["visual-method-sends-no-pin"]?.outcome == .notApplicable)
    }

    /// (rule, profile, facts, a session that breaks it).
    static let violations: [(String, String, ScenarioFacts, [String])] = [
        ("select-jpki-by-full-aid", "generic", [:], ["00A4040C05D392F00026 9000", "00A4020C02000A 9000", "00B0000004 308203009000"]),
        ("select-jpki-by-full-aid", "generic", [:], ["00A4020C02000A 6A82"]),
        (
            "read-within-certificate-length", "generic", [:],
            [
                selectJPKI + " 9000", "00A4020C02000A 9000", "00B0000000 \(cert)9000",
                "00B0030000 6B00",
            ]
        ),
        ("query-counter-before-pin", "generic", [:], [selectJPKI + " 9000", "00A4020C020018 9000", pin + " 9000"]),
        ("no-pin-on-last-try", "generic", [:], [selectJPKI + " 9000", "00A4020C020018 9000", "00200080 63C1", pin + " 9000"]),
        ("stop-after-blocked", "generic", [:], [selectJPKI + " 9000", "00200098 63C0", "00200098043030303030 6984"]),
        (
            "no-retry-loop-on-6982", "generic", [:],
            [selectJPKI + " 9000", "00A4020C020001 9000"] + Array(repeating: "00B0000004 6982", count: 4)
        ),
        (
            "no-signature-password-for-authentication", "generic", ["purpose": "authentication"],
            [selectJPKI + " 9000", "0020009B 63C5", "0020009B08" + Hex.encode(Array("TARO2026".utf8)) + " 9000"]
        ),
        ("leave-no-verified-state", "generic", [:], [selectJPKI + " 9000", "00200098 63C3", "002000980431323334 9000"]),
        (
            "extended-only-when-advertised", "generic", ["reader-advertises-extended": "no"],
            [selectJPKI + " 9000", "00A4020C02000A 9000", "00B00000000800 \(cert)9000"]
        ),
        (
            "no-redundant-reads", "generic", [:],
            [selectJPKI + " 9000", "00A4020C02000A 9000", "00B0000004 308203009000", "00B0000004 308203009000"]
        ),
        ("jpki-only", "qualification", [:], ["00A4040C0AD3921000310001010100 9000"]),
        ("never-read-my-number", "qualification", [:], [selectText + " 9000"]),
        ("no-signature-key", "qualification", [:], [selectJPKI + " 9000", "00A4020C02001A 9000", sign + " 6982"]),
        (
            "visual-method-sends-no-pin", "qualification", ["method": "visual"],
            [selectJPKI + " 9000", "00200098 63C3", "002000980431323334 9000", "reset"]
        ),
        (
            "pin-method-verifies-only-0018", "qualification", ["method": "pin"],
            [selectJPKI + " 9000", "0020009B 63C5", "0020009B0431323334 63C4"]
        ),
        ("query-counter-before-pin", "qualification", [:], [selectJPKI + " 9000", "002000980431323334 9000", "reset"]),
    ]

    @Test(arguments: violations.indices)
    func eachRuleCatchesItsViolation(case index: Int) {
        let (rule, profileName, facts, lines) = Self.violations[index]
        let verdict = verdicts(profileName == "generic" ? generic : qualification, lines, facts: facts)[rule]
        #expect(verdict?.outcome == .fail, "\(rule) should catch \(lines)")
        #expect(verdict?.violations.first?.hasPrefix("#") == true, "the violation names the exchange: \(verdict?.violations ?? [])")
    }

    @Test func everyShippedErrorRuleHasAViolatingSession() {
        let caught = Set(Self.violations.map(\.0))
        for rule in generic.rules + qualification.rules where rule.severity == .error || rule.severity == .warning {
            #expect(caught.contains(rule.id), "no test session breaks \(rule.id)")
        }
    }

    @Test func confirmationAndResetsAreHonoured() {
        let lastTry = [Self.selectJPKI + " 9000", "00200098 63C1", "002000980431323334 9000", "reset"]
        #expect(verdicts(generic, lastTry)["no-pin-on-last-try"]?.outcome == .fail)
        #expect(verdicts(generic, lastTry, facts: ["user-confirmed-last-try": "yes"])["no-pin-on-last-try"]?.outcome == .pass)
        // Re-selecting the AP clears the state as well as a reset does.
        let reselect = [Self.selectJPKI + " 9000", "00200098 63C3", "002000980431323334 9000", Self.selectJPKI + " 9000"]
        #expect(verdicts(generic, reselect)["leave-no-verified-state"]?.outcome == .pass)
        // A reset only counts while the client ran: pcscd powering an idle card down later does not.
        let late = [Self.selectJPKI + " 9000", "00200098 63C3", "002000980431323334 9000", "reset"]
        #expect(verdicts(generic, late, endedAt: "2026-11-25T12:00:02.500000Z")["leave-no-verified-state"]?.outcome == .fail)
        #expect(verdicts(generic, late, endedAt: "2026-11-25T12:00:03.100000Z")["leave-no-verified-state"]?.outcome == .pass)
        // Probing other cards' AIDs (OpenSC does) is not a 資格確認 violation; another My Number AP is.
        #expect(verdicts(qualification, ["00A4040C09A00000030800001000 6A82"])["jpki-only"]?.outcome == .pass)
    }

    @Test func badProfilesAndScenariosNameTheFileAndLine() throws {
        let dir = Fixtures.temporaryDirectory("profiles")
        let profile = dir.appendingPathComponent("bad.yaml")
        try """
        profile: bad
        description: x
        rules:
          - id: r1
            severity: error
            rationale: x
            check: forbid
            match-any:
              - {ins: FROBNICATE}
        """.write(to: profile, atomically: true, encoding: .utf8)
        #expect { try ClientProfile.load(profile.path) } throws: { "\($0)".contains("bad.yaml:9") && "\($0)".contains("FROBNICATE") }
        try "profile: bad\ndescription: x\nrules:\n  - id: r1\n    severity: fatal\n    rationale: x\n    check: forbid\n".write(
            to: profile, atomically: true, encoding: .utf8)
        #expect { try ClientProfile.load(profile.path) } throws: { "\($0)".contains("bad.yaml:5") }
        let scenarios = dir.appendingPathComponent("s.yaml")
        try "scenarios:\n  - name: x\n    description: y\n    timing: glacial\n    expect: {exit: zero}\n".write(
            to: scenarios, atomically: true, encoding: .utf8)
        #expect { try ClientScenario.load(scenarios.path) } throws: { "\($0)".contains("s.yaml:4") && "\($0)".contains("glacial") }
    }

    func loadError(_ yaml: String, scenarios: Bool = false) -> String {
        let file = Fixtures.temporaryDirectory("strict").appendingPathComponent("f.yaml")
        do {
            try yaml.write(to: file, atomically: true, encoding: .utf8)
            if scenarios { _ = try ClientScenario.load(file.path) } else { _ = try ClientProfile.load(file.path) }
            return "no error"
        } catch {
            return "\(error)".replacingOccurrences(of: file.path, with: "f.yaml")
        }
    }

    @Test func unknownKeysAndValuesInProfilesAndScenariosAreErrors() {
        let rule = "profile: p\ndescription: d\nrules:\n  - id: r1\n    severity: error\n    rationale: x\n    check: query-before-verify\n"
        #expect(loadError(rule) == "no error")
        #expect(loadError(rule + "    whne: {method: pin}\n") == "f.yaml:8:5: rules.0: unknown key 'whne' (did you mean `when`?)")
        #expect(
            loadError(rule.replacingOccurrences(of: "severity: error", with: "severity: fatal"))
                == "f.yaml:5:15: rules.0.severity: 'fatal' is not one of error, warning, info")
        #expect(
            loadError(rule.replacingOccurrences(of: "query-before-verify", with: "query-before-verfy")).hasPrefix(
                "f.yaml:7:12: rules.0.check: 'query-before-verfy' is not one of full-aid-before-use, reads-within-declared-length"))
        // With facts declared, a rule's `when` must use them.
        let declared = rule.replacingOccurrences(of: "rules:", with: "facts: {method: [pin, visual]}\nrules:")
        #expect(
            loadError(declared + "    when: {methd: pin}\n").contains(
                "rule r1: 'methd' is not a fact this profile declares (did you mean `method`?)"))
        #expect(
            loadError(declared + "    when: {method: PIN}\n").contains("rule r1: 'PIN' is not a value of method; its values: pin, visual"))
        let scenario = "scenarios:\n  - name: s\n    description: d\n    expect: {exit: zero}\n"
        #expect(loadError(scenario, scenarios: true) == "no error")
        #expect(
            loadError(scenario + "    persnoa: yamada-taro\n", scenarios: true)
                == "f.yaml:5:5: scenarios.0: unknown key 'persnoa' (did you mean `persona`?)")
        #expect(
            loadError(scenario.replacingOccurrences(of: "exit: zero", with: "exit: zero, max-apdu: 3"), scenarios: true).contains(
                "scenarios.0.expect: unknown key 'max-apdu' (did you mean `max-apdus`?)"))
        #expect(loadError(scenario + "    faults: {hostile: [mute-forever]}\n", scenarios: true).contains("'mute-forever' is not one of"))
    }

    @Test func factsAreCheckedAgainstWhatTheProfileAndScenariosDeclare() throws {
        let scenarios = try ClientScenario.load(
            Fixtures.repositoryRoot.appendingPathComponent("vectors/client-scenarios/standard.yaml").path)
        let catalog = FactCatalog(profile: qualification, scenarios: scenarios)
        func message(_ facts: ScenarioFacts) -> String {
            do {
                try catalog.check(facts)
                return "no error"
            } catch { return error.description }
        }
        #expect(message(["method": "pin"]) == "no error")
        #expect(message(["method": "visual", "user-confirmed-last-try": "yes"]) == "no error")
        #expect(
            message(["methd": "pin"]).hasPrefix(
                "--fact methd=pin: no rule or scenario uses the fact 'methd' (did you mean `method`?); the facts are method (pin, visual)"))
        #expect(
            message(["method": "PIN"]) == "--fact method=PIN: 'PIN' is not a value of method (did you mean `pin`?); its values: pin, visual"
        )
        #expect(message(["reader-advertises-extended": "no"]).contains("is set by client-check itself"))
        let generic = FactCatalog(profile: self.generic, scenarios: [])
        #expect((try? generic.check(["purpose": "signature"])) != nil)  // declared by the profile, used by no rule
        #expect((try? generic.check(["method": "pin"])) == nil)  // no jpki-generic rule knows the method
    }

    @Test func aClientThatSendsNothingFailsTheNormalScenario() throws {
        let scenarios = try ClientScenario.load(
            Fixtures.repositoryRoot.appendingPathComponent("vectors/client-scenarios/standard.yaml").path)
        let normal = try #require(scenarios.first { $0.name == "normal" })
        let silent = ClientSession(trace: [], exitStatus: 0)
        let verdicts = normal.expectation(for: [:]).judge(silent)
        let sent = try #require(verdicts.first { $0.what == "sends at least 1 APDU" })
        #expect(!sent.passed && sent.detail == "the client sent no APDU at all")
        let working = normal.expectation(for: [:]).judge(Self.session(Self.goodLogin))
        #expect(working.allSatisfy { $0.passed }, "\(working.filter { !$0.passed })")
    }

    @Test func shippedScenariosLoad() throws {
        let dir = Fixtures.repositoryRoot.appendingPathComponent("vectors/client-scenarios")
        let all = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
            .flatMap { try ClientScenario.load(dir.appendingPathComponent($0).path) }
        let names = Set(all.map(\.name))
        for required in [
            "normal", "one-pin-try-left", "pin-blocked", "removed-after-3-apdus", "removed-mid-apdu", "card-inserted-late",
            "slow-realistic", "slow-worse", "expired-certificate", "revoked-certificate", "face-authentication-card",
            "minor-without-signature-certificate", "short-only-card", "reader-without-extended-apdus",
        ] {
            #expect(names.contains(required), "missing scenario \(required)")
        }
        #expect(all.filter { $0.name.hasPrefix("atr-") }.count == 9)
        #expect(Set(all.compactMap { $0.faults?.hostile }.flatMap { $0 }) == Set(HostileFault.allCases))
    }
}
