import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The staff console as a Japanese clinic reads it: Japan time with the zone, results numbered
/// 1, 2, 3 at each terminal, terminals by name.
@Suite("Staff console", .serialized)
struct StaffConsoleTests {
    let api = QualificationServiceTests()
    let browser = StaffConsoleSessionTests()

    /// A registered terminal: its API key header and its id.
    func register(_ running: QualificationServiceTests.Running, name: String) async throws -> (key: [String: String], id: Int) {
        let (status, created) = try await api.request(
            running, "POST", "api/terminals", json: ["name": name, "password": "clinic-password"],
            headers: ["X-Admin-Token": QualificationServiceTests.admin])
        #expect(status == 201)
        return (["X-API-Key": created["apiKey"] as! String], created["terminalId"] as! Int)
    }

    func check(_ running: QualificationServiceTests.Running, _ key: [String: String], _ persona: String) async throws -> [String: Any] {
        let (status, answer) = try await api.request(
            running, "POST", "api/qualifications", json: ["certificate": try api.certificate(persona), "method": "visual"],
            headers: key)
        #expect(status == 200)
        return answer
    }

    /// A console page as staff signed in at terminal `id` see it.
    func page(_ running: QualificationServiceTests.Running, _ path: String, terminal id: Int) async throws -> String {
        let signedIn = try await browser.send(
            running.url, "POST", "/console/login", form: "terminal=\(id)&password=clinic-password&next=\(path)")
        let cookie = try #require(signedIn.cookie)
        let page = try await browser.send(running.url, "GET", path, cookie: cookie)
        #expect(page.status == 200)
        return page.body
    }

    /// `2026-11-25T15:04:05Z` → `2026-11-26 00:04:05 JST`, worked out with a fixed UTC+9 calendar.
    func japan(_ utc: String) throws -> String {
        let date = try #require(ISO8601DateFormatter().date(from: utc))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 9 * 3600)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d JST", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    @Test func resultsAreNumberedPerTerminalInJapanTimeWithTerminalNames() async throws {
        let running = try await QualificationServiceTests.Running(http: true)
        let (front, frontID) = try await register(running, name: "受付1")
        let (back, _) = try await register(running, name: "受付2")
        // Interleaved checks, with other audited requests in between (they are not results).
        let first = try await check(running, front, "yamada-taro")
        _ = try await api.request(running, "GET", "api/checks", headers: front)
        let second = try await check(running, back, "sato-hanako")
        _ = try await api.request(running, "POST", "api/qualifications", json: ["method": "visual"], headers: front)
        let third = try await check(running, front, "kato-expired")
        let fourth = try await check(running, front, "yamada-taro")
        #expect(Set([first, second, third, fourth].map { $0["checkId"] as! Int }).count == 4)

        let list = try await page(running, "/console", terminal: frontID)
        let rows = list.components(separatedBy: "<tr>").dropFirst(2).map { $0 }
        #expect(rows.count == 4)
        // Newest first: 受付1 No. 3, No. 2, 受付2 No. 1, 受付1 No. 1.
        let numbered = rows.map { row in
            (row.contains(">受付1<") ? "受付1" : row.contains(">受付2<") ? "受付2" : "?")
                + " " + (row.range(of: #"No\. [0-9]+"#, options: .regularExpression).map { String(row[$0]) } ?? "?")
        }
        #expect(numbered == ["受付1 No. 3", "受付1 No. 2", "受付2 No. 1", "受付1 No. 1"])
        let firstTime = try japan(first["checkedAt"] as! String)
        #expect(rows[3].contains(firstTime))
        #expect(!list.contains(first["checkedAt"] as! String), "no UTC time on the console")
        #expect(list.contains("日時 (JST)"))

        let result = try await page(running, "/console/checks/\(third["checkId"] as! Int)", terminal: frontID)
        let thirdTime = try japan(third["checkedAt"] as! String)
        #expect(result.contains("受付1 No. 2") && result.contains(thirdTime))
    }
}
