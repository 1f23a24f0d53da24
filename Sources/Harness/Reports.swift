import Foundation
import ISO7816

/// Writes a run as JUnit XML, JSON and a self-contained HTML page, and prints it for people.
package enum Reports {
    // MARK: console

    /// One line per case as it finishes: coloured verdicts on a terminal, plain otherwise.
    package static func consoleLine(_ result: CaseResult, color: Bool) -> String {
        let (label, code): (String, String) =
            switch result.verdict {
            case .pass: ("PASS", "32")
            case .fail: ("FAIL", "31")
            case .skipped: ("SKIP", "33")
            case .notApplicable: ("N/A ", "36")
            case .inconclusive: ("INC ", "35")
            }
        let verdict = color ? "\u{1B}[\(code)m\(label)\u{1B}[0m" : label
        var line = "\(verdict) \(result.id)  \(result.title)  (\(formatMicros(result.micros)))"
        if let message = result.message, result.verdict != .pass { line += "\n       \(message)" }
        if result.verdict == .fail, let failed = result.steps.last(where: { !$0.passed }), let exchange = failed.exchange {
            line +=
                "\n       command  \(exchange.command)\n       expected \(failed.expected ?? "-")  \(failed.expectedMeaning.map { "(\($0))" } ?? "")"
            line += "\n       actual   \(exchange.response)  (\(exchange.status) \(exchange.statusMeaning))"
        }
        return line
    }

    /// `249 pass, 3 fail, 69 not applicable`: each verdict present, in Verdict order.
    package static func verdictCounts(_ counts: [Verdict: Int]) -> String {
        Verdict.allCases.compactMap { v in counts[v].map { "\($0) \(v.rawValue)" } }.joined(separator: ", ")
    }

    package static func consoleSummary(_ run: RunResult) -> String {
        let counts = run.counts
        var lines = [
            "",
            "\(run.name) on \(run.channel)\(run.shard.map { " (\($0.label): \(run.cases.count) of \($0.totalCases) cases)" } ?? ""): "
                + verdictCounts(counts),
        ]
        let failures = run.cases.filter { $0.verdict.isFailure }
        if !failures.isEmpty {
            lines.append("failed:")
            for c in failures {
                let place =
                    c.steps.last(where: { !$0.passed }).map { shortLocation($0.location) } ?? URL(fileURLWithPath: c.file).lastPathComponent
                lines.append("  \(c.verdict == .fail ? "FAIL" : "INC ") \(c.id)  \(c.title)  (\(place))")
            }
        }
        lines.append("timing per command class (µs)     count    min    p50    p95    max")
        for (name, t) in run.timingByCommandClass.sorted(by: { $0.key < $1.key }) {
            lines.append(row(name, t))
        }
        if let t = run.timingByCase {
            lines.append(row("per case", t))
        }
        let passed = counts[.pass, default: 0]
        let failed = counts[.fail, default: 0] + counts[.inconclusive, default: 0]
        lines.append(
            countsLine(
                passed: passed, failed: failed, skipped: counts[.skipped, default: 0], notApplicable: counts[.notApplicable, default: 0]))
        return lines.joined(separator: "\n")
    }

    /// "249 passed, 0 failed, 69 not applicable": skipped cases (a refused credential, a destructive case on a real card) and
    /// cases of profiles the run did not activate are told apart, and each appears only when there is one.
    package static func countsLine(passed: Int, failed: Int, skipped: Int, notApplicable: Int) -> String {
        var parts = ["\(passed) passed", "\(failed) failed"]
        if skipped > 0 { parts.append("\(skipped) skipped") }
        if notApplicable > 0 { parts.append("\(notApplicable) not applicable") }
        return parts.joined(separator: ", ")
    }

    static func row(_ name: String, _ t: TimingSummary) -> String {
        "  " + name.padding(toLength: 28, withPad: " ", startingAt: 0)
            + String(format: "%7d %6d %6d %6d %6d", t.count, t.min, t.p50, t.p95, t.max)
    }

    static func formatMicros(_ us: Int) -> String { us >= 10_000 ? String(format: "%.1f ms", Double(us) / 1000) : "\(us) µs" }

    // MARK: JSON

    /// Any report as JSON: pretty, key-sorted, slashes left alone (paths stay readable).
    package static func json(_ report: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(report)
    }

    // MARK: JUnit XML

    package static func junit(_ run: RunResult) -> String {
        let byFile = Dictionary(grouping: run.cases, by: \.file)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let failures = run.cases.filter { $0.verdict == .fail }.count
        let errors = run.cases.filter { $0.verdict == .inconclusive }.count
        let skipped = run.cases.filter { $0.verdict == .skipped || $0.verdict == .notApplicable }.count
        xml +=
            "<testsuites name=\"\(escape(run.name))\" tests=\"\(run.cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(seconds(run.cases.map(\.micros).reduce(0, +)))\">\n"
        for (file, cases) in byFile.sorted(by: { $0.key < $1.key }) {
            let suite = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            xml +=
                "  <testsuite name=\"\(escape(suite))\" file=\"\(escape(file))\" tests=\"\(cases.count)\" failures=\"\(cases.filter { $0.verdict == .fail }.count)\" errors=\"\(cases.filter { $0.verdict == .inconclusive }.count)\" skipped=\"\(cases.filter { $0.verdict == .skipped || $0.verdict == .notApplicable }.count)\" time=\"\(seconds(cases.map(\.micros).reduce(0, +)))\">\n"
            for c in cases {
                xml +=
                    "    <testcase classname=\"\(escape(suite))\" name=\"\(escape(c.id + " " + c.title))\" time=\"\(seconds(c.micros))\">\n"
                switch c.verdict {
                case .fail:
                    xml += "      <failure message=\"\(escape(c.message ?? "failed"))\">\(escape(failureDetail(c)))</failure>\n"
                case .inconclusive:
                    xml += "      <error message=\"\(escape(c.message ?? "inconclusive"))\"/>\n"
                case .skipped, .notApplicable:
                    xml += "      <skipped message=\"\(escape(c.verdict.rawValue + ": " + (c.message ?? "")))\"/>\n"
                case .pass:
                    break
                }
                let log = c.steps.compactMap {
                    $0.exchange.map { "\($0.command) -> \($0.response) (\($0.status) \($0.statusMeaning)) \($0.micros) µs" }
                }
                if !log.isEmpty { xml += "      <system-out>\(escape(log.joined(separator: "\n")))</system-out>\n" }
                xml += "    </testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    static func failureDetail(_ c: CaseResult) -> String {
        guard let step = c.steps.last(where: { !$0.passed }) else { return c.message ?? "" }
        var text = "at \(step.location)\n"
        if let e = step.exchange {
            text +=
                "command:  \(e.command)\nexpected: \(step.expected ?? "-") \(step.expectedMeaning ?? "")\nactual:   \(e.response) (\(e.status) \(e.statusMeaning))\n"
        }
        return text + (step.message ?? "")
    }

    static func seconds(_ micros: Int) -> String { String(format: "%.6f", Double(micros) / 1e6) }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if c.value < 0x20 && c != "\n" && c != "\t" { out += "?" } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    // MARK: HTML

    /// A self-contained page: the verdict and counts, the failures linked to their steps, timing
    /// with histograms, then every case (``RunHTML``).
    package static func html(_ run: RunResult) -> String { RunHTML.page(run) }

    static func shortLocation(_ location: String) -> String {
        let parts = location.split(separator: ":")
        guard parts.count >= 2 else { return location }
        return URL(fileURLWithPath: String(parts[0])).lastPathComponent + ":" + parts[1]
    }

    static func cssClass(_ v: Verdict) -> String {
        switch v {
        case .pass: "pass"
        case .fail: "fail"
        case .skipped: "skipped"
        case .notApplicable: "na"
        case .inconclusive: "inconclusive"
        }
    }

    /// Writes the three files into `directory` as `NAME.junit.xml`, `NAME.json`, `NAME.html`; a
    /// shard's as `NAME.shard-I-of-N.…`, so the shards of a run can share a directory.
    package static func write(_ run: RunResult, to directory: URL, baseName: String) throws -> [URL] {
        try writeTriple(junit: junit(run), json: try json(run), html: html(run), to: directory, baseName: baseName, shard: run.shard)
    }

    /// Writes a report's JUnit, JSON and HTML forms as `NAME.junit.xml`, `NAME.json`, `NAME.html`
    /// (a shard's as `NAME.shard-I-of-N.…`).
    static func writeTriple(
        junit: String, json: Data, html: String, to directory: URL, baseName: String, shard: ShardInfo? = nil
    ) throws -> [URL] {
        let baseName = shard.map { "\(baseName).\($0.fileSuffix)" } ?? baseName
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let files = [
            (directory.appendingPathComponent("\(baseName).junit.xml"), Data(junit.utf8)),
            (directory.appendingPathComponent("\(baseName).json"), json),
            (directory.appendingPathComponent("\(baseName).html"), Data(html.utf8)),
        ]
        for (url, data) in files { try data.write(to: url, options: .atomic) }
        return files.map(\.0)
    }
}
