import Foundation
import Harness
import ISO7816
import TestSupport
import Testing

/// The reports read at a glance: verdict and counts first, failures linked to their steps,
/// histograms with axes; the client check's totals first and one row per scenario.
@Suite("Readable reports")
struct ReadableReportTests {
    /// The shipped JPKI suite (it passes) and a script whose every other case expects a wrong
    /// status word at its second step.
    func failingRun() throws -> RunResult {
        var channel = try InProcessChannel(persona: Fixtures.persona("yamada-taro"))
        let cases = (1...12).map { i in
            """
            case F-\(i) "case \(i)"
              00A4040C0AD392F000260100000001 => 9000
              00A4020C02000A => \(i % 2 == 0 ? "6A82" : "9000")
              00B0000004 => * 9000
            end
            """
        }
        let failing = try ScriptParser.parse(text: cases.joined(separator: "\n"), path: "/s/zz-failing.apdu")
        let scripts = try Suite.load([Fixtures.repositoryRoot.appendingPathComponent("vectors/suites/jpki").path]) + [failing]
        let results = ScriptRunner().run(scripts, on: &channel)
        return RunResult(name: "jpki", channel: channel.name, started: "now", cases: results)
    }

    func ids(_ html: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: #"id="([^"]+)""#)
        return Set(
            regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { String(html[Range($0.range(at: 1), in: html)!]) })
    }

    func links(_ html: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: ##"href="#([^"]+)""##)
        return regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { String(html[Range($0.range(at: 1), in: html)!]) }
    }

    @Test func theSuiteReportStartsWithTheVerdictAndLinksEveryFailureToItsStep() throws {
        let run = try failingRun()
        let failed = run.cases.filter { $0.verdict == .fail }
        #expect(failed.count == 6)
        let html = Reports.html(run)
        let summary = try #require(html.range(of: "<h2>Summary</h2>"))
        let failures = try #require(html.range(of: "<h2>Failures</h2>"))
        let timing = try #require(html.range(of: "<h2>Timing per command class</h2>"))
        let cases = try #require(html.range(of: "<h2>Cases</h2>"))
        #expect(summary.lowerBound < failures.lowerBound && failures.lowerBound < timing.lowerBound && timing.lowerBound < cases.lowerBound)
        #expect(html.contains("FAILED: \(failed.count) of \(run.cases.count) cases failed or were inconclusive"))
        // The failure list: one item per failed case, each linking to its case and to the step that failed.
        let list = String(html[failures.upperBound..<timing.lowerBound])
        #expect(list.components(separatedBy: "<li>").count - 1 == failed.count)
        let targets = links(list)
        #expect(targets.count == 2 * failed.count)
        let anchors = ids(html)
        #expect(targets.allSatisfy(anchors.contains), "links without a target: \(targets.filter { !anchors.contains($0) })")
        // The step a failure links to is the failing row of that case.
        let first = failed[0]
        let caseIndex = try #require(run.cases.firstIndex { $0.id == first.id })
        let step = try #require(first.steps.lastIndex { !$0.passed })
        #expect(targets.prefix(2) == ["c\(caseIndex)", "c\(caseIndex)-s\(step)"])
        #expect(html.contains("<tr id=\"c\(caseIndex)-s\(step)\" class=\"bad\">"))
    }

    @Test func histogramsHaveAxesWithValues() throws {
        let run = try failingRun()
        let signatures = try #require(run.timingByCommandClass["COMPUTE DIGITAL SIGNATURE"])
        let scale = Histogram.Scale(Array(run.timingByCommandClass.values))
        let svg = Histogram.svg(signatures, scale: scale)
        let peak = signatures.histogram.map(\.count).max() ?? 0
        #expect(svg.contains("<line"), "axes")
        #expect(svg.contains(">\(peak)</text>") && svg.contains(">0</text>"), "the count axis runs from 0 to the tallest bar")
        #expect(svg.contains(">≤\(Histogram.bound(1 << scale.lowest))</text>"), "the duration axis starts at the smallest bucket")
        #expect(svg.components(separatedBy: "<rect").count - 1 == signatures.histogram.filter { $0.count > 0 }.count)
        #expect(Histogram.bound(512) == "512µs" && Histogram.bound(4096) == "4.0ms" && Histogram.bound(2_097_152) == "2.0s")
        // Every histogram of the table shares the duration axis: the same labels.
        let labels = { (svg: String) in svg.components(separatedBy: "<text").filter { $0.contains("≤") } }
        let others = run.timingByCommandClass.values.map { labels(Histogram.svg($0, scale: scale)) }
        #expect(Set(others.map { $0.joined() }).count == 1)
    }

    @Test func theConsoleSummaryListsTheFailuresAndEndsWithTheCounts() throws {
        let run = try failingRun()
        let text = Reports.consoleSummary(run)
        #expect(text.contains("failed:\n  FAIL "))
        let lines = text.split(separator: "\n")
        #expect(
            lines.last.map(String.init)
                == Reports.countsLine(
                    passed: run.counts[.pass, default: 0], failed: run.counts[.fail, default: 0],
                    skipped: run.counts[.skipped, default: 0], notApplicable: run.counts[.notApplicable, default: 0]))
    }

    @Test func theCountsLineTellsSkippedFromNotApplicableAndLeavesOutZeros() {
        #expect(Reports.countsLine(passed: 249, failed: 0, skipped: 0, notApplicable: 69) == "249 passed, 0 failed, 69 not applicable")
        #expect(Reports.countsLine(passed: 3, failed: 1, skipped: 2, notApplicable: 0) == "3 passed, 1 failed, 2 skipped")
        #expect(Reports.countsLine(passed: 1, failed: 0, skipped: 0, notApplicable: 0) == "1 passed, 0 failed")
    }

    /// 30 scenarios, 10 rules: scenario 4 breaks an error rule, 9 a warning rule, 17 hangs (as JSON reports hold them).
    func clientRun() throws -> ClientCheckRun {
        let scenarios: [[String: Any]] = (1...30).map { i in
            let rules: [[String: Any]] = (1...10).map { r in
                let broken = (i == 4 && r == 3) || (i == 9 && r == 10)
                return [
                    "rule": "rule-\(r)", "severity": r == 10 ? "warning" : "error", "rationale": "why \(r)",
                    "outcome": broken ? "fail" : "pass", "violations": broken ? ["#3 00B0000000 → 6B00: x"] : [],
                ]
            }
            return [
                "scenario": "scenario-\(i)", "description": "d\(i)", "exitStatus": 0, "timedOut": false, "apduCount": 10, "seconds": 0.1,
                "rules": rules, "expectations": [["what": "does not hang", "passed": i != 17]], "output": "",
            ]
        }
        let json: [String: Any] = ["client": ["client"], "profile": "p", "facts": [String: String](), "scenarios": scenarios]
        return try JSONDecoder().decode(ClientCheckRun.self, from: JSONSerialization.data(withJSONObject: json))
    }

    @Test func theClientCheckReportHasTotalsFirstAndOneRowPerScenario() throws {
        let run = try clientRun()
        let html = ClientCheckReport.html(run)
        let verdict = html.range(of: "28 of 30 scenarios passed · 2 failed: 1 rule error, 1 warning, 1 expectation missed")
        let matrix = html.range(of: "<h2>Matrix</h2>")
        #expect(verdict != nil && matrix != nil && verdict!.lowerBound < matrix!.lowerBound)
        let table = String(html[matrix!.upperBound...]).components(separatedBy: "</table>")[0]
        let rows = table.components(separatedBy: "<tr>").dropFirst()
        // A header, 30 scenarios, the "failed in" totals: one row per scenario, one column per rule and expectation.
        #expect(rows.count == 32)
        #expect(rows.first!.components(separatedBy: "class=\"rot\"").count - 1 == 11)
        #expect(rows.dropFirst().prefix(30).allSatisfy { $0.components(separatedBy: "<td class=\"c ").count - 1 == 11 })
        #expect(rows.last!.contains("failed in"))
        #expect(links(html).allSatisfy(ids(html).contains))
        let console = ClientCheckReport.console(run)
        let lines = console.split(separator: "\n").map(String.init)
        #expect(lines[1] == "28 of 30 scenarios passed · 2 failed: 1 rule error, 1 warning, 1 expectation missed")
        #expect(lines.last == "28 of 30 scenarios passed")
        let header = try #require(lines.first { $0.hasPrefix("scenario ") })
        #expect(header.count <= 100, "the matrix fits a terminal: \(header.count) columns")
        #expect(lines.contains { $0.hasPrefix("scenario-4 ") && $0.contains("FAIL") })
    }
}
