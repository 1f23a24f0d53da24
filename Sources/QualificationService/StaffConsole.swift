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

    static func list(_ checks: [CheckSummary]) -> String {
        let rows = checks.map { c in
            "<tr><td><a href=\"/console/checks/\(c.checkId)\">#\(c.checkId)</a></td><td>\(escape(c.checkedAt))</td>"
                + "<td>\(escape(c.name ?? "—"))</td><td>\(escape((c.method.flatMap(IdentityMethod.init(rawValue:))?.japanese) ?? "—"))</td>"
                + "<td>\(escape(QualificationResult(rawValue: c.result)?.japanese ?? c.result))</td><td>\(c.terminalId.map(String.init) ?? "—")</td></tr>"
        }.joined(separator: "\n")
        return
            "<h2>最近の資格確認 (recent checks)</h2><table><tr><th>No.</th><th>日時</th><th>氏名</th><th>本人確認</th><th>結果</th><th>端末</th></tr>\n\(rows)</table>"
    }

    static func result(_ check: QualificationResponse) -> String {
        var rows: [(String, String)] = [("確認日時", check.checkedAt), ("本人確認方法", check.method.japanese)]
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
            <h2>資格確認結果 (result) #\(check.checkId)</h2>
            <div class="result \(check.result == .qualified ? "qualified" : "other")">\(escape(check.result.japanese))</div>
            <p>\(escape(check.message))</p>
            <table>\(table)</table>
            <p><a href="/console">← 一覧へ戻る (back)</a></p>
            """
    }
}
