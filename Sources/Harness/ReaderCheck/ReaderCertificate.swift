/// The HTML reader certificate a vendor can publish: one self-contained page, summary first (the
/// reader, the date, the tool and card used, the overall verdict), then pass or fail per
/// requirement with every figure against its threshold, the failures with their evidence, and the
/// evidence of every check.
package enum ReaderCertificate {
    static func escape(_ text: String) -> String { Reports.escape(text) }

    static func badge(_ verdict: Verdict) -> String {
        "<span class=\"v \(Reports.cssClass(verdict))\">\(escape(verdict.rawValue))</span>"
    }

    static func row(_ label: String, _ value: String?) -> String {
        guard let value, !value.isEmpty else { return "" }
        return "<tr><th>\(escape(label))</th><td>\(escape(value))</td></tr>"
    }

    static func figures(_ result: ReaderCheckResult) -> String {
        result.figures.map { figure in
            let mark = figure.threshold == nil ? "" : figure.passed ? " ✓" : " ✗"
            return "<span class=\"fig\(figure.passed ? "" : " bad")\">\(escape(figure.name)): \(escape(figure.text))\(mark)</span>"
        }.joined(separator: "<br>")
    }

    package static func html(_ run: ReaderCheckRun) -> String {
        let counts = run.counts
        let failed = run.results.filter { $0.verdict.isFailure }
        let verdict =
            failed.isEmpty
            ? "<p class=\"banner ok\">PASSED: \(counts[.pass, default: 0]) checks passed"
                + ((counts[.skipped] ?? 0) + (counts[.notApplicable] ?? 0) > 0
                    ? ", \((counts[.skipped] ?? 0) + (counts[.notApplicable] ?? 0)) skipped or not applicable" : "") + "</p>"
            : "<p class=\"banner bad\">NOT PASSED: \(failed.count) of \(run.results.count) checks failed ("
                + failed.map { escape($0.id) }.joined(separator: ", ") + ")</p>"
        let reader = run.reader
        var body = "<h1>Reader certificate</h1><p class=\"sub\">mynasim reader-check · My Number card (マイナンバーカード) readers</p>"
        body += verdict
        body += "<h2>Summary</h2><table class=\"kv\">"
        body += row("Reader", reader.name)
        body += row("Vendor", reader.vendor)
        body += row("Model (IFD type)", reader.ifdType)
        body += row("Version", reader.version)
        body += row("Serial number", reader.serial)
        body += row("Firmware", reader.firmware)
        body += row("USB vendor:product", [reader.idVendor, reader.idProduct].compactMap { $0 }.joined(separator: ":"))
        body += row("dwMaxAPDUDataSize", reader.maxAPDUDataSize.map(String.init))
        body += row("Part 10 features", reader.part10Features.map { $0.isEmpty ? "none" : $0.joined(separator: ", ") } ?? "none answered")
        body += row("Date", run.date)
        body += row("Tool", run.tool)
        body += row("Card", run.card.description)
        body += row("ATR", run.card.atr.map { $0 + (run.card.atrName.map { " (\($0))" } ?? "") })
        body += row("Protocol", [run.card.interface, run.card.protocol].compactMap { $0 }.joined(separator: ", "))
        body += row("Mode", run.mode + (run.interactive ? ", with a person at the reader" : ""))
        body += row("Result", Reports.verdictCounts(counts))
        body += "</table>"

        body += "<h2>Requirements</h2><table><tr><th>verdict</th><th>check</th><th>requirement</th><th>figures (threshold)</th></tr>"
        for group in ReaderCheckGroup.allCases {
            let results = run.results.filter { $0.group == group }
            guard !results.isEmpty else { continue }
            body += "<tr class=\"group\"><td colspan=\"4\">\(escape(group.title))</td></tr>"
            for result in results {
                body +=
                    "<tr><td>\(badge(result.verdict))</td><td><b>\(escape(result.id))</b><br>\(escape(result.title))"
                    + "\(result.verdict == .pass ? "" : result.message.map { "<br><small>\(escape($0))</small>" } ?? "")</td>"
                    + "<td>\(escape(result.requirement))</td><td>\(figures(result))</td></tr>"
            }
        }
        body += "</table>"

        if !failed.isEmpty {
            body += "<h2>Failures and their evidence</h2>"
            for result in failed {
                body +=
                    "<div class=\"failure\"><h3>\(badge(result.verdict)) \(escape(result.id)) — \(escape(result.title))</h3>"
                    + "<p>\(escape(result.message ?? ""))</p><pre>\(escape(result.evidence.joined(separator: "\n")))</pre></div>"
            }
        }

        body += "<h2>Evidence of every check</h2>"
        for result in run.results {
            body +=
                "<details><summary>\(badge(result.verdict)) \(escape(result.id)) <small>\(String(format: "%.2f", result.seconds)) s"
                + "</small></summary><p>\(escape(ReaderCheckCatalog.definition(result.id)?.meaning ?? ""))</p>"
                + "<pre>\(escape(result.evidence.joined(separator: "\n")))</pre></details>"
        }
        body += "<p class=\"sub\">Thresholds and what each check means: docs/reader-check.md of mynasim.</p>"
        return """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Reader certificate — \(escape(reader.name))</title><style>
            body{font:14px system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}h1{margin-bottom:0}.sub{color:#666}
            table{border-collapse:collapse;margin:.5em 0;width:100%}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
            .kv th{width:14em;background:#f6f6f6}.group td{background:#eef;font-weight:bold}
            .v{padding:1px 6px;border-radius:3px;color:#fff;white-space:nowrap}.pass{background:#2a7}.fail{background:#c33}
            .skipped{background:#b80}.na{background:#39a}.inconclusive{background:#a3a}
            .banner{font-size:1.3em;padding:.6em 1em;border-radius:4px;color:#fff}.banner.ok{background:#2a7}.banner.bad{background:#c33}
            .fig.bad{color:#c33;font-weight:bold}pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:12px}
            .failure{border-left:4px solid #c33;padding-left:1em;margin:1em 0}details{margin:.2em 0}
            </style></head><body>\(body)</body></html>
            """
    }
}
