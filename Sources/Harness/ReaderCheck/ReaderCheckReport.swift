import Foundation

/// The reader check's reports: a console view, JUnit XML, JSON, the HTML reader certificate
/// (``ReaderCertificate``) and the measured reader profile (``MeasuredProfile``).
package enum ReaderCheckReport {
    static func label(_ verdict: Verdict) -> String {
        switch verdict {
        case .pass: "PASS"
        case .fail: "FAIL"
        case .skipped: "SKIP"
        case .notApplicable: "N/A "
        case .inconclusive: "INC "
        }
    }

    /// One check as it finishes: verdict, id, title and its judged figures; why, when not passed.
    package static func consoleLine(_ result: ReaderCheckResult, color: Bool) -> String {
        let code =
            switch result.verdict {
            case .pass: "32"
            case .fail: "31"
            case .skipped: "33"
            case .notApplicable: "36"
            case .inconclusive: "35"
            }
        let verdict = color ? "\u{1B}[\(code)m\(label(result.verdict))\u{1B}[0m" : label(result.verdict)
        let figures = result.figures.filter { $0.threshold != nil }.map { "\($0.name) \($0.text)" }.joined(separator: ", ")
        var line = "\(verdict) \(result.id.padding(toLength: 32, withPad: " ", startingAt: 0)) \(result.title)"
        if !figures.isEmpty { line += "  [\(figures)]" }
        if let message = result.message, result.verdict != .pass { line += "\n       \(message)" }
        return line
    }

    package static func consoleSummary(_ run: ReaderCheckRun) -> String {
        let counts = run.counts
        var lines = [
            "",
            "\(run.reader.name): " + Reports.verdictCounts(counts),
        ]
        let failed = run.results.filter { $0.verdict.isFailure }
        lines.append(failed.isEmpty ? "every check passed or was skipped" : "failed: " + failed.map(\.id).joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    // MARK: JUnit XML

    /// One test suite per group, one test case per check: failures carry the message and the
    /// evidence, every figure goes to system-out.
    package static func junit(_ run: ReaderCheckRun) -> String {
        func count(_ results: [ReaderCheckResult], _ verdicts: Set<Verdict>) -> Int {
            results.filter { verdicts.contains($0.verdict) }.count
        }
        let escape = Reports.escape
        let skippedKinds: Set<Verdict> = [.skipped, .notApplicable]
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml +=
            "<testsuites name=\"reader-check \(escape(run.reader.name))\" tests=\"\(run.results.count)\" failures=\"\(count(run.results, [.fail]))\" "
            + "errors=\"\(count(run.results, [.inconclusive]))\" skipped=\"\(count(run.results, skippedKinds))\" "
            + "time=\"\(seconds(run.results))\">\n"
        for group in ReaderCheckGroup.allCases {
            let results = run.results.filter { $0.group == group }
            guard !results.isEmpty else { continue }
            xml +=
                "  <testsuite name=\"\(group.rawValue)\" tests=\"\(results.count)\" failures=\"\(count(results, [.fail]))\" "
                + "errors=\"\(count(results, [.inconclusive]))\" skipped=\"\(count(results, skippedKinds))\" time=\"\(seconds(results))\">\n"
            for result in results {
                xml +=
                    "    <testcase classname=\"reader-check.\(group.rawValue)\" name=\"\(escape(result.id + " " + result.title))\" "
                    + "time=\"\(String(format: "%.6f", result.seconds))\">\n"
                let message = escape(result.message ?? "")
                switch result.verdict {
                case .fail: xml += "      <failure message=\"\(message)\">\(escape(result.evidence.joined(separator: "\n")))</failure>\n"
                case .inconclusive: xml += "      <error message=\"\(message)\"/>\n"
                case .skipped, .notApplicable: xml += "      <skipped message=\"\(escape(result.verdict.rawValue)): \(message)\"/>\n"
                case .pass: break
                }
                let out = ["requirement: \(result.requirement)"] + result.figures.map { "\($0.name): \($0.text)" } + result.evidence
                xml += "      <system-out>\(escape(out.joined(separator: "\n")))</system-out>\n    </testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    static func seconds(_ results: [ReaderCheckResult]) -> String { String(format: "%.6f", results.map(\.seconds).reduce(0, +)) }

    // MARK: files

    /// Writes `NAME.junit.xml`, `NAME.json`, `NAME.html` (the certificate) and `NAME.profile.yaml`.
    package static func write(_ run: ReaderCheckRun, to directory: URL, baseName: String) throws -> [URL] {
        var files = try Reports.writeTriple(
            junit: junit(run), json: try Reports.json(run), html: ReaderCertificate.html(run), to: directory, baseName: baseName)
        let profile = directory.appendingPathComponent("\(baseName).profile.yaml")
        try Data(MeasuredProfile.yaml(run).utf8).write(to: profile, options: .atomic)
        files.append(profile)
        return files
    }
}
