import Foundation

/// A whole client check: the client, the profile and one result per scenario.
package struct ClientCheckRun: Codable, Sendable {
    package var client: [String]
    package var profile: String
    package var facts: ScenarioFacts
    package var scenarios: [ScenarioResult]
    /// The part of a sharded run this is; nil for a whole run.
    package var shard: ShardInfo?
    /// How many shard reports `mynasim report merge` made this from; nil if not merged.
    package var mergedShards: Int?

    package var passed: Bool { scenarios.allSatisfy(\.passed) }

    package init(
        client: [String], profile: String, facts: ScenarioFacts, scenarios: [ScenarioResult], shard: ShardInfo? = nil,
        mergedShards: Int? = nil
    ) {
        self.client = client
        self.profile = profile
        self.facts = facts
        self.scenarios = scenarios
        self.shard = shard
        self.mergedShards = mergedShards
    }

    /// The report files' base name: `client-check-PROFILE`.
    package var name: String { "client-check-\(profile)" }
}

/// The client check's reports: totals first, then a matrix with one row per scenario and one
/// column per rule and expectation (so 30 scenarios fit a screen), then each scenario's
/// violations; as console text, JSON, JUnit XML and HTML.
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

    /// A column of the matrix: a rule, or an expectation any scenario judged.
    struct Column {
        var code: String
        var label: String
        var detail: String
        var cell: (ScenarioResult) -> String

        /// How many scenarios the column marks as failed or as a finding.
        func failures(in run: ClientCheckRun) -> Int { run.scenarios.filter { ["FAIL", "warn", "info"].contains(cell($0)) }.count }
    }

    /// `method=pin, reader=handler`: the run's facts in name order.
    static func factsText(_ run: ClientCheckRun) -> String {
        run.facts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    /// How the client ended: `exit 0`, or `timed out`.
    static func exitText(_ scenario: ScenarioResult) -> String {
        scenario.timedOut ? "timed out" : "exit \(scenario.exitStatus.map(String.init) ?? "?")"
    }

    /// Every rule (`R1`…), then every expectation (`E1`…), in the order the scenarios judged them.
    static func columns(_ run: ClientCheckRun) -> [Column] {
        var rules: [(String, ClientProfile.Severity, String)] = []
        var expectations: [String] = []
        for scenario in run.scenarios {
            for rule in scenario.rules where !rules.contains(where: { $0.0 == rule.rule }) {
                rules.append((rule.rule, rule.severity, rule.rationale))
            }
            for e in scenario.expectations where !expectations.contains(e.what) { expectations.append(e.what) }
        }
        let ruleColumns = rules.enumerated().map { i, rule in
            Column(
                code: "R\(i + 1)", label: "\(rule.0) (\(rule.1.rawValue))", detail: rule.2,
                cell: { s in s.rules.first { $0.rule == rule.0 }.map(mark) ?? "-" })
        }
        let expectationColumns = expectations.enumerated().map { i, what in
            Column(
                code: "E\(i + 1)", label: "expect: \(what)", detail: "",
                cell: { s in s.expectations.first { $0.what == what }.map { $0.passed ? "ok" : "FAIL" } ?? "-" })
        }
        return ruleColumns + expectationColumns
    }

    /// What went wrong, counted: scenarios failed, error rules broken, warnings, info findings, expectations missed.
    struct Totals {
        var scenarios = 0
        var passed = 0
        var errors = 0
        var warnings = 0
        var infos = 0
        var expectations = 0

        init(_ run: ClientCheckRun) {
            scenarios = run.scenarios.count
            passed = run.scenarios.filter(\.passed).count
            for scenario in run.scenarios {
                for verdict in scenario.rules where verdict.outcome == .fail {
                    switch verdict.severity {
                    case .error: errors += 1
                    case .warning: warnings += 1
                    case .info: infos += 1
                    }
                }
                expectations += scenario.expectations.filter { !$0.passed }.count
            }
        }

        var failed: Int { scenarios - passed }

        /// `27 of 30 scenarios passed · 3 failed: 4 rule errors, 2 warnings, 1 expectation missed`.
        var line: String {
            var text = "\(passed) of \(scenarios) scenarios passed"
            var findings: [String] = []
            if errors > 0 { findings.append("\(errors) rule error\(errors == 1 ? "" : "s")") }
            if warnings > 0 { findings.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
            if infos > 0 { findings.append("\(infos) info finding\(infos == 1 ? "" : "s")") }
            if expectations > 0 { findings.append("\(expectations) expectation\(expectations == 1 ? "" : "s") missed") }
            if failed > 0 { text += " · \(failed) failed" }
            if !findings.isEmpty { text += (failed > 0 ? ": " : " · ") + findings.joined(separator: ", ") }
            return text
        }
    }

    static func heading(_ run: ClientCheckRun) -> String {
        var text = "client-check \(run.client.joined(separator: " ")) — profile \(run.profile)"
        if !run.facts.isEmpty {
            text += " (facts: \(factsText(run)))"
        }
        if let shard = run.shard { text += " — \(shard.label): \(run.scenarios.count) of \(shard.totalCases) scenarios" }
        if let merged = run.mergedShards { text += " — merged from \(merged) shard\(merged == 1 ? "" : "s")" }
        return text
    }

    package static func console(_ run: ClientCheckRun) -> String {
        let totals = Totals(run)
        let columns = columns(run)
        var lines = [heading(run), totals.line, ""]
        for column in columns { lines.append("  \(column.code.padding(toLength: 4, withPad: " ", startingAt: 0)) \(column.label)") }
        lines.append("")
        let width = max(10, (run.scenarios.map(\.scenario.count).max() ?? 0) + 2)
        func pad(_ text: String, _ n: Int) -> String { text.padding(toLength: n, withPad: " ", startingAt: 0) }
        lines.append(pad("scenario", width) + pad("result", 7) + columns.map { pad($0.code, 5) }.joined())
        for scenario in run.scenarios {
            lines.append(
                pad(scenario.scenario, width) + pad(scenario.passed ? "pass" : "FAIL", 7)
                    + columns.map { pad($0.cell(scenario), 5) }.joined())
        }
        lines.append(
            pad("failed in", width + 7)
                + columns.map { pad("\($0.failures(in: run))", 5) }.joined())
        lines.append("")
        for scenario in run.scenarios {
            let exit = exitText(scenario)
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
        lines.append("")
        lines.append("\(totals.passed) of \(totals.scenarios) scenarios passed")
        return lines.joined(separator: "\n")
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
        let totals = Totals(run)
        let columns = columns(run)
        let e = Reports.escape
        var html = [
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>client-check \(e(run.profile))</title>",
            "<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}td,th{border:1px solid #ccc;padding:3px 6px}",
            "table{border-collapse:collapse}.ok{background:#d8f5d8}.FAIL{background:#f8d0d0}.warn{background:#fff0c0}",
            ".info{background:#e0e8ff}pre{white-space:pre-wrap}.matrix td.c{text-align:center;font-size:12px;padding:2px 3px}",
            ".matrix th.rot{vertical-align:bottom;padding:4px 2px}.matrix th.rot span{writing-mode:vertical-rl;transform:rotate(180deg);",
            "white-space:nowrap;font-weight:normal;font-size:12px}.verdict{font-size:20px;font-weight:bold;padding:8px 12px;",
            "border-left:8px solid}.good{border-color:#2a7;color:#2a7}.bad{border-color:#c33;color:#c33}.totals td{text-align:right}",
            ":target{outline:2px solid #f90}</style>",
            "<h1>client-check: \(e(run.profile))</h1><p><code>\(e(run.client.joined(separator: " ")))</code>"
                + (run.facts.isEmpty
                    ? "" : " · facts: " + e(factsText(run)))
                + (run.shard.map { " · \($0.label): \(run.scenarios.count) of \($0.totalCases) scenarios" } ?? "")
                + (run.mergedShards.map { " · merged from \($0) shards" } ?? "") + "</p>",
            "<div class=\"verdict \(run.passed ? "good" : "bad")\">\(e(totals.line))</div>",
            "<table class=\"totals\"><tr><th>scenarios</th><td>\(totals.scenarios)</td></tr><tr><th>passed</th><td>\(totals.passed)</td></tr>"
                + "<tr><th>failed</th><td>\(totals.failed)</td></tr><tr><th>rule errors</th><td>\(totals.errors)</td></tr>"
                + "<tr><th>warnings</th><td>\(totals.warnings)</td></tr><tr><th>info findings</th><td>\(totals.infos)</td></tr>"
                + "<tr><th>expectations missed</th><td>\(totals.expectations)</td></tr></table>",
        ]
        let failed = run.scenarios.enumerated().filter { !$0.element.passed }
        if !failed.isEmpty {
            html.append("<h2>Failures</h2><ol>")
            for (index, scenario) in failed {
                let what =
                    scenario.rules.filter { $0.outcome == .fail && $0.severity == .error }.map(\.rule)
                    + scenario.expectations.filter { !$0.passed }.map { "expect: \($0.what)" }
                html.append("<li><a href=\"#s\(index)\"><b>\(e(scenario.scenario))</b></a>: \(e(what.joined(separator: ", ")))</li>")
            }
            html.append("</ol>")
        }
        html.append("<h2>Matrix</h2><table class=\"matrix\"><tr><th>scenario</th><th>result</th><th>APDUs</th><th>s</th>")
        html.append(columns.map { "<th class=\"rot\" title=\"\(e($0.detail))\"><span>\(e($0.label))</span></th>" }.joined() + "</tr>")
        for (index, scenario) in run.scenarios.enumerated() {
            html.append(
                "<tr><td><a href=\"#s\(index)\" title=\"\(e(scenario.description))\">\(e(scenario.scenario))</a></td>"
                    + "<td class=\"\(scenario.passed ? "ok" : "FAIL")\">\(scenario.passed ? "pass" : "FAIL")</td>"
                    + "<td>\(scenario.apduCount)</td><td>\(String(format: "%.1f", scenario.seconds))</td>"
                    + columns.map { column in
                        let cell = column.cell(scenario)
                        return "<td class=\"c \(cell)\">\(cell)</td>"
                    }.joined() + "</tr>")
        }
        html.append(
            "<tr><th colspan=\"4\">failed in</th>"
                + columns.map { "<td class=\"c\">\($0.failures(in: run))</td>" }.joined() + "</tr></table>")
        html.append("<h2>Scenarios</h2>")
        for (index, scenario) in run.scenarios.enumerated() {
            let exit = exitText(scenario)
            html.append(
                "<details id=\"s\(index)\"\(scenario.passed ? "" : " open")><summary><b>\(e(scenario.scenario))</b> — "
                    + "\(scenario.passed ? "pass" : "FAIL") (\(exit), \(scenario.apduCount) APDUs)</summary><p>\(e(scenario.description))</p><ul>"
            )
            for verdict in scenario.rules where verdict.outcome == .fail {
                html.append(
                    "<li class=\"\(mark(verdict))\"><b>\(e(verdict.rule))</b>: \(e(verdict.rationale))"
                        + "<pre>\(e(verdict.violations.joined(separator: "\n")))</pre></li>")
            }
            for x in scenario.expectations where !x.passed {
                html.append("<li class=\"FAIL\">expect \(e(x.what)): \(e(x.detail ?? ""))</li>")
            }
            html.append("</ul><details><summary>client output</summary><pre>\(e(scenario.output))</pre></details></details>")
        }
        return html.joined(separator: "\n") + "\n"
    }

    /// Writes `NAME.junit.xml`, `NAME.json` and `NAME.html` into `directory` (a shard's as
    /// `NAME.shard-I-of-N.…`).
    package static func write(_ run: ClientCheckRun, to directory: URL, baseName: String) throws -> [URL] {
        try Reports.writeTriple(
            junit: junit(run), json: try Reports.json(run), html: html(run), to: directory, baseName: baseName, shard: run.shard)
    }
}
