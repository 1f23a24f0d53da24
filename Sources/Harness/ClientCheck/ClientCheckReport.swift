import Foundation

/// A whole client check: the client, the profile and one result per scenario.
package struct ClientCheckRun: Codable, Sendable {
    package var client: [String]
    package var profile: String
    package var facts: ScenarioFacts
    package var scenarios: [ScenarioResult]

    package var passed: Bool { scenarios.allSatisfy(\.passed) }

    package init(client: [String], profile: String, facts: ScenarioFacts, scenarios: [ScenarioResult]) {
        self.client = client
        self.profile = profile
        self.facts = facts
        self.scenarios = scenarios
    }
}

/// The client check's reports: a console matrix (rules and expectations × scenarios) with the
/// violations under it, JSON, JUnit XML and HTML, as the harness writes for scripts.
package enum ClientCheckReport {
    static func mark(_ verdict: RuleVerdict) -> String {
        switch (verdict.outcome, verdict.severity) {
        case (.pass, _): return "ok"
        case (.notApplicable, _): return "-"
        case (.fail, .error): return "FAIL"
        case (.fail, .warning): return "warn"
        case (.fail, .info): return "info"
        }
    }

    /// Row labels in order: every rule, then every expectation that any scenario judged.
    static func rows(_ run: ClientCheckRun) -> [(label: String, cell: (ScenarioResult) -> String)] {
        let rules = run.scenarios.first?.rules.map { ($0.rule, $0.severity) } ?? []
        var expectations: [String] = []
        for scenario in run.scenarios {
            for e in scenario.expectations where !expectations.contains(e.what) { expectations.append(e.what) }
        }
        return rules.map { rule in
            (label: "\(rule.0) (\(rule.1.rawValue))", cell: { s in s.rules.first { $0.rule == rule.0 }.map(mark) ?? "-" })
        }
            + expectations.map { what in
                (label: "expect: \(what)", cell: { s in s.expectations.first { $0.what == what }.map { $0.passed ? "ok" : "FAIL" } ?? "-" })
            }
    }

    package static func console(_ run: ClientCheckRun) -> String {
        var lines = [
            "client-check \(run.client.joined(separator: " ")) — profile \(run.profile)"
                + (run.facts.isEmpty
                    ? "" : " (facts: \(run.facts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")))"),
            "",
        ]
        let rows = rows(run)
        let width = max(12, (rows.map(\.label.count).max() ?? 0) + 2)
        for (i, scenario) in run.scenarios.enumerated() { lines.append("  S\(i + 1) = \(scenario.scenario): \(scenario.description)") }
        lines.append("")
        let header =
            "".padding(toLength: width, withPad: " ", startingAt: 0)
            + run.scenarios.indices.map { "S\($0 + 1)".padding(toLength: 5, withPad: " ", startingAt: 0) }.joined()
        lines.append(header)
        for row in rows {
            lines.append(
                row.label.padding(toLength: width, withPad: " ", startingAt: 0)
                    + run.scenarios.map { row.cell($0).padding(toLength: 5, withPad: " ", startingAt: 0) }.joined())
        }
        lines.append("")
        for scenario in run.scenarios {
            let exit = scenario.timedOut ? "timed out" : "exit \(scenario.exitStatus.map(String.init) ?? "?")"
            lines.append(
                "\(scenario.passed ? "PASS" : "FAIL") \(scenario.scenario): \(exit), \(scenario.apduCount) APDUs, \(String(format: "%.2f", scenario.seconds)) s"
            )
            for verdict in scenario.rules where verdict.outcome == .fail {
                lines.append("  \(mark(verdict)) \(verdict.rule): \(verdict.rationale)")
                lines += verdict.violations.prefix(3).map { "       \($0)" }
                if verdict.violations.count > 3 { lines.append("       … \(verdict.violations.count - 3) more") }
            }
            for e in scenario.expectations where !e.passed { lines.append("  FAIL expect \(e.what)\(e.detail.map { ": \($0)" } ?? "")") }
        }
        let failed = run.scenarios.filter { !$0.passed }.count
        lines.append("")
        lines.append("\(run.scenarios.count - failed) of \(run.scenarios.count) scenarios passed")
        return lines.joined(separator: "\n")
    }

    package static func json(_ run: ClientCheckRun) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(run)
    }

    package static func junit(_ run: ClientCheckRun) -> String {
        var xml = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<testsuites name=\"client-check \(Reports.escape(run.profile))\">"]
        for scenario in run.scenarios {
            let cases = scenario.rules.count + scenario.expectations.count
            let failures =
                scenario.rules.filter { $0.outcome == .fail && $0.severity == .error }.count
                + scenario.expectations.filter { !$0.passed }.count
            xml.append(
                "  <testsuite name=\"\(Reports.escape(scenario.scenario))\" tests=\"\(cases)\" failures=\"\(failures)\" time=\"\(String(format: "%.3f", scenario.seconds))\">"
            )
            for verdict in scenario.rules {
                xml.append("    <testcase classname=\"\(Reports.escape(scenario.scenario))\" name=\"\(Reports.escape(verdict.rule))\">")
                switch (verdict.outcome, verdict.severity) {
                case (.notApplicable, _): xml.append("      <skipped/>")
                case (.fail, .error):
                    xml.append(
                        "      <failure message=\"\(Reports.escape(verdict.rationale))\">\(Reports.escape(verdict.violations.joined(separator: "\n")))</failure>"
                    )
                case (.fail, _):
                    xml.append(
                        "      <system-out>\(verdict.severity.rawValue): \(Reports.escape(verdict.violations.joined(separator: "\n")))</system-out>"
                    )
                case (.pass, _): break
                }
                xml.append("    </testcase>")
            }
            for e in scenario.expectations {
                xml.append("    <testcase classname=\"\(Reports.escape(scenario.scenario))\" name=\"expect: \(Reports.escape(e.what))\">")
                if !e.passed {
                    xml.append("      <failure message=\"\(Reports.escape(e.what))\">\(Reports.escape(e.detail ?? ""))</failure>")
                }
                xml.append("    </testcase>")
            }
            xml.append("  </testsuite>")
        }
        xml.append("</testsuites>")
        return xml.joined(separator: "\n") + "\n"
    }

    package static func html(_ run: ClientCheckRun) -> String {
        let rows = rows(run)
        var html = [
            "<!doctype html><meta charset=\"utf-8\"><title>client-check \(Reports.escape(run.profile))</title>",
            "<style>body{font-family:sans-serif;margin:2em}td,th{border:1px solid #ccc;padding:4px 8px}table{border-collapse:collapse}",
            ".ok{background:#d8f5d8}.FAIL{background:#f8d0d0}.warn{background:#fff0c0}.info{background:#e0e8ff}pre{white-space:pre-wrap}</style>",
            "<h1>client-check: \(Reports.escape(run.profile))</h1><p><code>\(Reports.escape(run.client.joined(separator: " ")))</code></p>",
            "<table><tr><th>rule / expectation</th>"
                + run.scenarios.map { "<th title=\"\(Reports.escape($0.description))\">\(Reports.escape($0.scenario))</th>" }.joined()
                + "</tr>",
        ]
        for row in rows {
            html.append(
                "<tr><td>\(Reports.escape(row.label))</td>"
                    + run.scenarios.map { s in
                        let cell = row.cell(s)
                        return "<td class=\"\(cell)\">\(cell)</td>"
                    }.joined() + "</tr>")
        }
        html.append("</table>")
        for scenario in run.scenarios {
            html.append(
                "<h2>\(Reports.escape(scenario.scenario)) — \(scenario.passed ? "pass" : "fail")</h2><p>\(Reports.escape(scenario.description))</p><ul>"
            )
            for verdict in scenario.rules where verdict.outcome == .fail {
                html.append(
                    "<li class=\"\(mark(verdict))\"><b>\(Reports.escape(verdict.rule))</b>: \(Reports.escape(verdict.rationale))<pre>\(Reports.escape(verdict.violations.joined(separator: "\n")))</pre></li>"
                )
            }
            for e in scenario.expectations where !e.passed {
                html.append("<li class=\"FAIL\">expect \(Reports.escape(e.what)): \(Reports.escape(e.detail ?? ""))</li>")
            }
            html.append("</ul><details><summary>client output</summary><pre>\(Reports.escape(scenario.output))</pre></details>")
        }
        return html.joined(separator: "\n") + "\n"
    }

    /// Writes `NAME.junit.xml`, `NAME.json` and `NAME.html` into `directory`.
    package static func write(_ run: ClientCheckRun, to directory: URL, baseName: String) throws -> [URL] {
        try Reports.writeTriple(junit: junit(run), json: try json(run), html: html(run), to: directory, baseName: baseName)
    }
}
