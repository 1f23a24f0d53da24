import Foundation
import QualificationService
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The staff console signs in with a terminal's id and password and keeps the session in a
/// cookie: no key in any URL, pages without a session send the browser to the sign-in form, and
/// signing out ends the session on the server.
@Suite("Staff console sign-in", .serialized)
struct StaffConsoleSessionTests {
    typealias Running = QualificationServiceTests.Running

    /// An HTTP exchange that neither follows redirects nor keeps cookies: what the server said, as is.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
        var location: String? { headers["Location"] }
        var setCookie: String? { headers["Set-Cookie"] }
        /// `name=value` of the Set-Cookie header, for the next request's Cookie header.
        var cookie: String? { setCookie?.split(separator: ";").first.map(String.init) }
    }

    final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }

    let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        return URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }()

    func send(_ base: URL, _ method: String, _ path: String, form: String? = nil, cookie: String? = nil, headers: [String: String] = [:])
        async throws -> Answer
    {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        if let form {
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(form.utf8)
        }
        if let cookie { request.setValue(cookie, forHTTPHeaderField: "Cookie") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name)] = String(describing: value) }
        return Answer(status: http.statusCode, headers: fields, body: String(decoding: data, as: UTF8.self))
    }

    /// A registered terminal: (id, API key), and one check on record (佐藤花子, visual method).
    func terminalWithACheck(_ running: Running) async throws -> (id: Int, key: String, check: Int) {
        var request = URLRequest(url: running.url.appendingPathComponent("api/terminals"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(QualificationServiceTests.admin, forHTTPHeaderField: "X-Admin-Token")
        request.httpBody = Data(#"{"name":"clinic","password":"clinic-password"}"#.utf8)
        let (data, _) = try await session.data(for: request)
        let terminal = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let key = try #require(terminal["apiKey"] as? String)
        let id = try #require(terminal["terminalId"] as? Int)
        var check = URLRequest(url: running.url.appendingPathComponent("api/qualifications"))
        check.httpMethod = "POST"
        check.setValue("application/json", forHTTPHeaderField: "Content-Type")
        check.setValue(key, forHTTPHeaderField: "X-API-Key")
        let certificate = try Data(Fixtures.persona("sato-hanako").authCertificate.derBytes).base64EncodedString()
        check.httpBody = try JSONSerialization.data(withJSONObject: ["certificate": certificate, "method": "visual"])
        let (answer, _) = try await session.data(for: check)
        let checkID = try #require((try JSONSerialization.jsonObject(with: answer) as? [String: Any])?["checkId"] as? Int)
        return (id, key, checkID)
    }

    @Test func signingInSetsASessionCookieAndTheConsoleShowsTheResultScreen() async throws {
        let running = try await Running(http: true)
        let (id, key, check) = try await terminalWithACheck(running)

        let signedIn = try await send(
            running.url, "POST", "/console/login", form: "terminal=\(id)&password=clinic-password&next=/console/checks/\(check)")
        #expect(signedIn.status == 303)
        #expect(signedIn.location == "/console/checks/\(check)")
        let setCookie = try #require(signedIn.setCookie)
        for attribute in ["mynasim_console=", "HttpOnly", "SameSite=Lax", "Path=/console", "Max-Age=28800"] {
            #expect(setCookie.contains(attribute), "\(attribute) in \(setCookie)")
        }
        let cookie = try #require(signedIn.cookie)
        #expect(cookie.count == "mynasim_console=".count + 64)

        let page = try await send(running.url, "GET", "/console/checks/\(check)", cookie: cookie)
        #expect(page.status == 200)
        for expected in ["資格確認結果", "資格あり", "佐藤　花子", "06271234", "家族", "3割", "目視確認", "/console/logout"] {
            #expect(page.body.contains(expected), "\(expected)")
        }
        let list = try await send(running.url, "GET", "/console", cookie: cookie)
        #expect(list.status == 200 && list.body.contains("最近の資格確認") && list.body.contains("href=\"/console/checks/\(check)\""))
        // No credential in any link, nor the API key anywhere in the pages.
        for body in [page.body, list.body] {
            #expect(!body.contains("key=") && !body.contains(key) && !body.contains(String(cookie.dropFirst("mynasim_console=".count))))
        }
    }

    @Test func withoutASessionTheConsoleSendsTheBrowserToTheSignInForm() async throws {
        let running = try await Running(http: true)
        let (_, key, check) = try await terminalWithACheck(running)
        let bare = try await send(running.url, "GET", "/console/checks/\(check)")
        #expect(bare.status == 303 && bare.location == "/console/login?next=%2Fconsole%2Fchecks%2F\(check)")
        #expect(!bare.body.contains("佐藤"))
        // The API key in the URL no longer opens anything, on the console or on the API.
        let keyed = try await send(running.url, "GET", "/console?key=\(key)")
        #expect(keyed.status == 303 && keyed.location?.hasPrefix("/console/login") == true && !keyed.body.contains("佐藤"))
        #expect(try await send(running.url, "GET", "/api/checks?key=\(key)").status == 401)
        #expect(try await send(running.url, "GET", "/api/checks", headers: ["X-API-Key": key]).status == 200)
        // A forged or stale cookie is no session either.
        let forged = try await send(running.url, "GET", "/console", cookie: "mynasim_console=" + String(repeating: "ab", count: 32))
        #expect(forged.status == 303)
        let form = try await send(running.url, "GET", "/console/login?next=%2Fconsole%2Fchecks%2F\(check)")
        #expect(form.status == 200 && form.body.contains("type=\"password\"") && form.body.contains("value=\"/console/checks/\(check)\""))
        #expect(form.headers["Cache-Control"] == "no-store")
    }

    @Test func aWrongPasswordAnUnknownTerminalOrABrokenFormIsRefused() async throws {
        let running = try await Running(http: true)
        let (id, _, _) = try await terminalWithACheck(running)
        let wrong = try await send(running.url, "POST", "/console/login", form: "terminal=\(id)&password=wrong-password")
        #expect(wrong.status == 401 && wrong.setCookie == nil && wrong.body.contains("パスワードが違います"))
        let unknown = try await send(running.url, "POST", "/console/login", form: "terminal=999&password=clinic-password")
        #expect(unknown.status == 401 && unknown.setCookie == nil)
        let notANumber = try await send(running.url, "POST", "/console/login", form: "terminal=clinic&password=clinic-password")
        #expect(notANumber.status == 401 && notANumber.body.contains("数字"))
        let broken = try await send(running.url, "POST", "/console/login", form: "password=clinic-password")
        #expect(broken.status == 400 && broken.setCookie == nil)
        // Every attempt is audited, without the password.
        let rows = try running.service.store.auditRows().filter { $0["endpoint"] == "POST /console/login" }
        #expect(rows.map { $0["http_status"]! } == ["401", "401", "401", "400"])
        #expect(!rows.contains { $0.values.contains { $0.contains("clinic-password") } })
    }

    @Test func afterSigningInTheBrowserGoesOnlyToAConsolePage() async throws {
        let running = try await Running(http: true)
        let (id, _, _) = try await terminalWithACheck(running)
        for next in [
            "https://evil.example/", "//evil.example/console", "/console/checks/../../api/checks", "/console/checks/-1", "/api/checks",
        ] {
            let encoded = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let answer = try await send(
                running.url, "POST", "/console/login", form: "terminal=\(id)&password=clinic-password&next=\(encoded)")
            #expect(answer.status == 303 && answer.location == "/console", "\(next) → \(answer.location ?? "-")")
        }
    }

    @Test func signingOutEndsTheSessionOnTheServer() async throws {
        let running = try await Running(http: true)
        let (id, _, _) = try await terminalWithACheck(running)
        let cookie = try #require(
            try await send(running.url, "POST", "/console/login", form: "terminal=\(id)&password=clinic-password").cookie)
        #expect(try await send(running.url, "GET", "/console", cookie: cookie).status == 200)
        let out = try await send(running.url, "POST", "/console/logout", cookie: cookie)
        #expect(out.status == 303 && out.location == "/console/login")
        #expect(out.setCookie?.contains("Max-Age=0") == true)
        // The old cookie, replayed, opens nothing.
        #expect(try await send(running.url, "GET", "/console", cookie: cookie).status == 303)
    }

    @Test func aSessionExpiresWithItsLifetime() async throws {
        let running = try await Running(http: true)
        let (id, _, _) = try await terminalWithACheck(running)
        let cookie = try #require(
            try await send(running.url, "POST", "/console/login", form: "terminal=\(id)&password=clinic-password").cookie)
        #expect(try await send(running.url, "GET", "/console", cookie: cookie).status == 200)
        running.clockBox.offset = running.service.sessionLifetime + 1
        #expect(try await send(running.url, "GET", "/console", cookie: cookie).status == 303)
    }
}
