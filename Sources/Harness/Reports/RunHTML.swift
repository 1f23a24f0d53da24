import Foundation

/// A suite run as one self-contained HTML page, in the order a reader needs it: the verdict and
/// the counts, the failures (each linked to its case and the step that failed), the timing per
/// command class with histograms, then every case with its steps.
package enum RunHTML {
    static func escape(_ s: String) -> String { Reports.escape(s) }

    package static func page(_ run: RunResult) -> String {
        var body = "<h1>\(escape(run.name))</h1><p class=\"meta\">\(escape(run.channel)) · started \(escape(run.started))"
        if let shard = run.shard { body += " · \(shard.label): \(run.cases.count) of \(shard.totalCases) cases" }
        if let merged = run.mergedShards { body += " · merged from \(merged) shard\(merged == 1 ? "" : "s")" }
        body += "</p>"
        body += summary(run)
        body += failures(run)
        body += timing(run)
        body += cases(run)
        return """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>\(escape(run.name)) — mynasim</title><style>
            body{font:14px system-ui,sans-serif;margin:2em;color:#222;max-width:80em}.timing td{white-space:nowrap}code{font:12px ui-monospace,monospace;word-break:break-all}
            table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
            .v{padding:1px 6px;border-radius:3px;color:#fff}.pass{background:#2a7}.fail{background:#c33}.skipped{background:#b80}
            .na{background:#39a}.inconclusive{background:#a3a}.bad{background:#fee}.msg{color:#c33}details.case{margin:.3em 0}
            .verdict{font-size:20px;font-weight:bold;padding:8px 12px;border-left:8px solid}.ok{border-color:#2a7;color:#2a7}
            .notok{border-color:#c33;color:#c33}.bar{display:flex;height:14px;width:100%;max-width:40em;margin:.5em 0}
            .bar span{display:block;height:100%}.counts td{text-align:right}.meta{color:#555}:target{outline:2px solid #f90}
            ol.failures li{margin:.3em 0}
            </style></head><body>\(body)</body></html>
            """
    }

    /// The verdict, a count per verdict, and a proportional bar.
    static func summary(_ run: RunResult) -> String {
        let counts = run.counts
        let total = run.cases.count
        let failed = counts[.fail, default: 0] + counts[.inconclusive, default: 0]
        var html = "<h2>Summary</h2>"
        html +=
            run.succeeded
            ? "<div class=\"verdict ok\">PASSED: no case failed</div>"
            : "<div class=\"verdict notok\">FAILED: \(failed) of \(total) case\(total == 1 ? "" : "s") failed or were inconclusive</div>"
        html += "<div class=\"bar\">"
        for verdict in Verdict.allCases {
            if let n = counts[verdict], total > 0 {
                let percent = Double(n) * 100 / Double(total)
                html +=
                    "<span class=\"\(Reports.cssClass(verdict))\" style=\"width:\(percent)%\" title=\"\(n) \(verdict.rawValue)\"></span>"
            }
        }
        html += "</div><table class=\"counts\"><tr><th>cases</th><td>\(total)</td></tr>"
        for verdict in Verdict.allCases {
            html +=
                "<tr><th><span class=\"v \(Reports.cssClass(verdict))\">\(verdict.rawValue)</span></th><td>\(counts[verdict, default: 0])</td></tr>"
        }
        return html + "</table>"
    }

    /// Every failed and inconclusive case, linked to the case and to the step that failed.
    static func failures(_ run: RunResult) -> String {
        let failed = run.cases.enumerated().filter { $0.element.verdict.isFailure }
        guard !failed.isEmpty else { return "" }
        var html = "<h2>Failures</h2><ol class=\"failures\">"
        for (index, c) in failed {
            html +=
                "<li><span class=\"v \(Reports.cssClass(c.verdict))\">\(c.verdict.rawValue)</span> "
                + "<a href=\"#\(anchor(index))\"><b>\(escape(c.id))</b></a> \(escape(c.title))"
            if let step = c.steps.lastIndex(where: { !$0.passed }) {
                html += " — <a href=\"#\(anchor(index, step: step))\">step at \(escape(Reports.shortLocation(c.steps[step].location)))</a>"
            }
            if let message = c.message { html += "<br><span class=\"msg\">\(escape(message))</span>" }
            html += "</li>"
        }
        return html + "</ol>"
    }

    static func timing(_ run: RunResult) -> String {
        var html =
            "<h2>Timing per command class</h2><table class=\"timing\"><tr><th>class</th><th>count</th><th>min</th><th>p50</th><th>p95</th><th>max</th>"
            + "<th>histogram: how many took at most each duration (log₂ buckets)</th></tr>"
        var rows = run.timingByCommandClass.sorted { $0.key < $1.key }
        if let perCase = run.timingByCase { rows.append(("whole case", perCase)) }
        let scale = Histogram.Scale(rows.map(\.1))
        for (name, t) in rows {
            html +=
                "<tr><td>\(escape(name))</td><td>\(t.count)</td><td>\(Reports.formatMicros(t.min))</td><td>\(Reports.formatMicros(t.p50))</td>"
                + "<td>\(Reports.formatMicros(t.p95))</td><td>\(Reports.formatMicros(t.max))</td><td>\(Histogram.svg(t, scale: scale))</td></tr>"
        }
        return html + "</table>"
    }

    /// Every case, failures open; each step row has an anchor the failure list links to.
    static func cases(_ run: RunResult) -> String {
        var html = "<h2>Cases</h2>"
        for (index, c) in run.cases.enumerated() {
            let open = c.verdict.isFailure ? " open" : ""
            html +=
                "<details class=\"case\" id=\"\(anchor(index))\"\(open)><summary><span class=\"v \(Reports.cssClass(c.verdict))\">"
                + "\(c.verdict.rawValue)</span> <b>\(escape(c.id))</b> \(escape(c.title)) <small>\(Reports.formatMicros(c.micros))"
                + "\(c.requirement.map { " · " + escape($0) } ?? "") · \(escape(URL(fileURLWithPath: c.file).lastPathComponent))</small></summary>"
            if let m = c.message { html += "<p class=\"msg\">\(escape(m))</p>" }
            html +=
                "<table class=\"steps\"><tr><th>where</th><th>command</th><th>response</th><th>status</th><th>expected</th><th>µs</th></tr>"
            for (number, s) in c.steps.enumerated() {
                let attributes = " id=\"\(anchor(index, step: number))\"" + (s.passed ? "" : " class=\"bad\"")
                if let e = s.exchange {
                    html +=
                        "<tr\(attributes)><td>\(escape(Reports.shortLocation(s.location)))</td><td><code>\(escape(e.command))</code></td>"
                        + "<td><code>\(escape(e.response))</code></td><td>\(e.status) \(escape(e.statusMeaning))</td>"
                        + "<td><code>\(escape(s.expected ?? ""))</code> \(escape(s.expectedMeaning ?? ""))</td><td>\(e.micros)</td></tr>"
                } else {
                    let what = s.atr.map { "reset, ATR <code>\(escape($0))</code>" } ?? escape(s.message ?? "")
                    html +=
                        "<tr\(attributes)><td>\(escape(Reports.shortLocation(s.location)))</td><td colspan=\"3\">\(what)</td>"
                        + "<td><code>\(escape(s.expected ?? ""))</code></td><td></td></tr>"
                }
            }
            html += "</table></details>"
        }
        return html
    }

    /// `c12` for a case, `c12-s3` for one of its steps (positions in this report).
    static func anchor(_ index: Int, step: Int? = nil) -> String { "c\(index)" + (step.map { "-s\($0)" } ?? "") }
}
