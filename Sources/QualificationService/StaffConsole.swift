import Foundation
import Hummingbird
import QualificationAPI

/// The staff console (職員向け画面): recent checks, and one check's result laid out like the
/// result screen of a 資格確認 terminal. Plain HTML, no scripts; a session cookie authenticates
/// (StaffConsoleSession).
enum StaffConsole {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func page(_ body: String) -> Response {
        let html = """
            <!doctype html><html lang="ja"><meta charset="utf-8"><title>資格確認 (mynasim mock)</title>
            <style>
            body{font-family:"IPAGothic","Noto Sans CJK JP",sans-serif;margin:24px;background:#f4f6f8;color:#1d2733}
            header{background:#1f5f8b;color:#fff;padding:10px 16px;font-size:18px}
            .banner{background:#fff3cd;border:1px solid #e0c46c;padding:6px 12px;margin:12px 0;font-size:13px}
            table{border-collapse:collapse;background:#fff;min-width:560px}th,td{border:1px solid #c8d0d8;padding:8px 12px;text-align:left}
            th{background:#e8eef3;width:11em}.result{font-size:28px;font-weight:bold;padding:12px 16px;margin:12px 0;background:#fff;border-left:8px solid}
            .qualified{border-color:#2e8b57;color:#2e8b57}.other{border-color:#c0392b;color:#c0392b}a{color:#1f5f8b}
            </style>
            <header>オンライン資格確認（資格確認限定型） — mynasim テスト用モック</header>
            <div class="banner">テストデータのみ。実在の人物・保険者とは関係ありません (test data only).</div>
            \(body)
            </html>
            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The console's times: Japan Standard Time (UTC+9, no daylight saving), the zone shown.
    static let japanTime: Date.ISO8601FormatStyle = {
        var style = Date.ISO8601FormatStyle(
            dateSeparator: .dash, dateTimeSeparator: .space, timeSeparator: .colon,
            timeZone: TimeZone(identifier: "Asia/Tokyo") ?? TimeZone(secondsFromGMT: 9 * 3600)!)
        style = style.year().month().day().time(includingFractionalSeconds: false)
        return style
    }()

    /// A stored UTC time (`2026-11-25T12:34:56Z`) as a Japanese clinic reads it: `2026-11-25 21:34:56 JST`.
    static func japan(_ utc: String) -> String {
        guard let date = try? Date(utc, strategy: .iso8601) else { return utc }
        return date.formatted(japanTime) + " JST"
    }

    /// `受付1` (a terminal's name), or its number when it has none.
    static func terminal(_ check: ConsoleCheck) -> String {
        check.terminalName ?? check.terminalId.map { "端末 \($0)" } ?? "—"
    }

    static func list(_ checks: [ConsoleCheck]) -> String {
        let rows = checks.map { c in
            "<tr><td title=\"端末ID \(c.terminalId.map(String.init) ?? "—")\">\(escape(terminal(c)))</td>"
                + "<td><a href=\"/console/checks/\(c.checkId)\">No. \(c.number)</a></td><td>\(escape(japan(c.checkedAt)))</td>"
                + "<td>\(escape(c.personName ?? "—"))</td><td>\(escape((c.method.flatMap(IdentityMethod.init(rawValue:))?.japanese) ?? "—"))</td>"
                + "<td>\(escape(QualificationResult(rawValue: c.result)?.japanese ?? c.result))</td></tr>"
        }.joined(separator: "\n")
        return
            "<h2>最近の資格確認 (recent checks)</h2><p>時刻は日本時間 (JST, UTC+9)。番号は端末ごとの受付番号です (numbered per terminal).</p>"
            + "<table><tr><th>端末</th><th>No.</th><th>日時 (JST)</th><th>氏名</th><th>本人確認</th><th>結果</th></tr>\n\(rows)</table>"
    }

    static func result(_ check: QualificationResponse, console: ConsoleCheck?) -> String {
        var rows: [(String, String)] = [("確認日時", japan(check.checkedAt)), ("本人確認方法", check.method.japanese)]
        if let console { rows.insert(("端末", "\(terminal(console)) · No. \(console.number)"), at: 0) }
        if let p = check.person {
            rows += [("氏名", p.name), ("氏名（カナ）", p.kana), ("生年月日", p.birthDate), ("性別", p.sex)]
        }
        if let q = check.qualification {
            rows += [
                ("保険者番号", q.insurerNumber), ("保険者名", q.insurerName), ("記号・番号・枝番", "\(q.symbol)・\(q.number)・\(q.branch)"),
                ("本人・家族", q.relationship == "insured" ? "本人" : "家族"), ("一部負担金割合", "\(q.copayRatio / 10)割"),
                ("資格取得日", q.validFrom), ("資格喪失日", q.validTo ?? "—"), ("限度額適用区分", q.limitCategory ?? "—"),
            ]
        }
        let table = rows.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }.joined(separator: "\n")
        return """
            <h2>資格確認結果 (result)\(console.map { " — \(escape(terminal($0))) No. \($0.number)" } ?? "")</h2>
            <div class="result \(check.result == .qualified ? "qualified" : "other")">\(escape(check.result.japanese))</div>
            <p>\(escape(check.message))</p>
            <table>\(table)</table>
            <p><small>check id \(check.checkId)</small></p>
            <p><a href="/console">← 一覧へ戻る (back)</a></p>
            """
    }
}
