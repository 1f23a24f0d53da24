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

    package static func consoleSummary(_ run: RunResult) -> String {
        let counts = run.counts
        var lines = [
            "",
            "\(run.name) on \(run.channel): "
                + Verdict.allCases.compactMap { v in counts[v].map { "\($0) \(v.rawValue)" } }.joined(separator: ", "),
        ]
        lines.append("timing per command class (µs)     count    min    p50    p95    max")
        for (name, t) in run.timingByCommandClass.sorted(by: { $0.key < $1.key }) {
            lines.append(row(name, t))
        }
        if let t = run.timingByCase {
            lines.append(row("per case", t))
        }
        let passed = counts[.pass, default: 0]
        let failed = counts[.fail, default: 0] + counts[.inconclusive, default: 0]
        lines.append("\(passed) passed, \(failed) failed, \(counts[.skipped, default: 0] + counts[.notApplicable, default: 0]) skipped")
        return lines.joined(separator: "\n")
    }

    static func row(_ name: String, _ t: TimingSummary) -> String {
        "  " + name.padding(toLength: 28, withPad: " ", startingAt: 0)
            + String(format: "%7d %6d %6d %6d %6d", t.count, t.min, t.p50, t.p95, t.max)
    }

    static func formatMicros(_ us: Int) -> String { us >= 10_000 ? String(format: "%.1f ms", Double(us) / 1000) : "\(us) µs" }

    // MARK: JSON

    package static func json(_ run: RunResult) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(run)
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

    /// A self-contained page: summary, latency histograms (inline SVG), and per case its steps.
    package static func html(_ run: RunResult) -> String {
        let counts = run.counts
        var body = "<h1>\(escape(run.name))</h1><p>\(escape(run.channel)) · started \(escape(run.started)) · "
        body +=
            Verdict.allCases.compactMap { v in counts[v].map { "<span class=\"v \(cssClass(v))\">\($0) \(v.rawValue)</span>" } }.joined(
                separator: " ") + "</p>"
        body +=
            "<h2>Timing per command class</h2><table><tr><th>class</th><th>count</th><th>min</th><th>p50</th><th>p95</th><th>max</th><th>histogram (µs, log₂ buckets)</th></tr>"
        for (name, t) in run.timingByCommandClass.sorted(by: { $0.key < $1.key }) {
            body +=
                "<tr><td>\(escape(name))</td><td>\(t.count)</td><td>\(t.min)</td><td>\(t.p50)</td><td>\(t.p95)</td><td>\(t.max)</td><td>\(svgHistogram(t))</td></tr>"
        }
        body += "</table><h2>Cases</h2>"
        for c in run.cases {
            body +=
                "<details class=\"case\"\(c.verdict == .fail ? " open" : "")><summary><span class=\"v \(cssClass(c.verdict))\">\(c.verdict.rawValue)</span> <b>\(escape(c.id))</b> \(escape(c.title)) <small>\(formatMicros(c.micros))\(c.requirement.map { " · " + escape($0) } ?? "")</small></summary>"
            if let m = c.message { body += "<p class=\"msg\">\(escape(m))</p>" }
            body +=
                "<table class=\"steps\"><tr><th>where</th><th>command</th><th>response</th><th>status</th><th>expected</th><th>µs</th></tr>"
            for s in c.steps {
                let cls = s.passed ? "" : " class=\"bad\""
                if let e = s.exchange {
                    body +=
                        "<tr\(cls)><td>\(escape(shortLocation(s.location)))</td><td><code>\(escape(e.command))</code></td><td><code>\(escape(e.response))</code></td><td>\(e.status) \(escape(e.statusMeaning))</td><td><code>\(escape(s.expected ?? ""))</code> \(escape(s.expectedMeaning ?? ""))</td><td>\(e.micros)</td></tr>"
                } else {
                    body +=
                        "<tr\(cls)><td>\(escape(shortLocation(s.location)))</td><td colspan=\"3\">\(s.atr.map { "reset, ATR <code>\(escape($0))</code>" } ?? escape(s.message ?? ""))</td><td><code>\(escape(s.expected ?? ""))</code></td><td></td></tr>"
                }
            }
            body += "</table></details>"
        }
        return """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>\(escape(run.name)) — mynasim</title><style>
            body{font:14px system-ui,sans-serif;margin:2em;color:#222}code{font:12px ui-monospace,monospace;word-break:break-all}
            table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
            .v{padding:1px 6px;border-radius:3px;color:#fff}.pass{background:#2a7}.fail{background:#c33}.skipped{background:#b80}
            .na{background:#39a}.inconclusive{background:#a3a}.bad{background:#fee}.msg{color:#c33}details.case{margin:.3em 0}
            </style></head><body>\(body)</body></html>
            """
    }

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

    static func svgHistogram(_ t: TimingSummary) -> String {
        let width = 240
        let height = 40
        let peak = max(1, t.histogram.map(\.count).max() ?? 1)
        let barWidth = max(4, width / max(1, t.histogram.count))
        var bars = ""
        for (i, bucket) in t.histogram.enumerated() {
            let h = max(1, bucket.count * (height - 2) / peak)
            bars +=
                "<rect x=\"\(i * barWidth)\" y=\"\(height - h)\" width=\"\(barWidth - 1)\" height=\"\(h)\" fill=\"#47a\"><title>≤\(bucket.upToMicros) µs: \(bucket.count)</title></rect>"
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\">\(bars)</svg>"
    }

    /// Writes the three files into `directory` as `NAME.junit.xml`, `NAME.json`, `NAME.html`.
    package static func write(_ run: RunResult, to directory: URL, baseName: String) throws -> [URL] {
        try writeTriple(junit: junit(run), json: try json(run), html: html(run), to: directory, baseName: baseName)
    }

    /// Writes a report's JUnit, JSON and HTML forms as `NAME.junit.xml`, `NAME.json`, `NAME.html`.
    static func writeTriple(junit: String, json: Data, html: String, to directory: URL, baseName: String) throws -> [URL] {
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
