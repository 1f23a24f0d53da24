import Foundation
import Hummingbird

/// The staff console's sign-in: a terminal's id and password posted to `/console/login` open a
/// session whose token travels only in a cookie (HttpOnly, SameSite=Lax, scoped to `/console`),
/// so no key or token ever appears in a URL, where browser history, server and proxy logs and
/// Referer headers would keep it.
enum StaffConsoleSession {
    static let cookieName = "mynasim_console"

    /// The posted sign-in form (`application/x-www-form-urlencoded`).
    struct LoginForm: Decodable {
        var terminal: String
        var password: String
        var next: String?
    }

    /// Where to go after signing in: one of the console's own pages, never another site.
    static func destination(_ next: String?) -> String {
        guard let next else { return "/console" }
        if next == "/console" { return next }
        let prefix = "/console/checks/"
        guard next.hasPrefix(prefix), let id = Int64(next.dropFirst(prefix.count)), id > 0 else { return "/console" }
        return prefix + String(id)
    }

    /// The cookie that carries a new session's token.
    static func cookie(token: String, lifetime: TimeInterval) throws -> Cookie {
        try Cookie.validated(name: cookieName, value: token, maxAge: Int(lifetime), path: "/console", httpOnly: true, sameSite: .lax)
    }

    /// A cookie that makes the browser forget the session.
    static var expiredCookie: Cookie {
        get throws { try Cookie.validated(name: cookieName, value: "", maxAge: 0, path: "/console", httpOnly: true, sameSite: .lax) }
    }

    /// A 303 to `location`.
    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// The sign-in page for a browser without a valid session: 303 to the form, remembering the page.
    static func signInFirst(_ next: String) -> Response {
        redirect(to: "/console/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
    }

    /// The sign-in form; `problem` is shown above it (with status 401).
    static func loginPage(next: String, problem: String? = nil) -> Response {
        let message = problem.map { "<p class=\"result other\" style=\"font-size:16px\">\(StaffConsole.escape($0))</p>" } ?? ""
        let form = """
            <h2>職員ログイン (staff sign-in)</h2>\(message)
            <form method="post" action="/console/login"><table>
            <tr><th><label for="terminal">端末ID (terminal id)</label></th><td><input id="terminal" name="terminal" inputmode="numeric" required></td></tr>
            <tr><th><label for="password">パスワード (password)</label></th><td><input id="password" name="password" type="password" required></td></tr>
            </table><input type="hidden" name="next" value="\(StaffConsole.escape(destination(next)))">
            <p><button type="submit">ログイン (sign in)</button></p></form>
            """
        var response = StaffConsole.page(form)
        if problem != nil { response.status = .unauthorized }
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// A sign-out button for the console's pages.
    static let logoutForm =
        "<form method=\"post\" action=\"/console/logout\"><p><button type=\"submit\">ログアウト (sign out)</button></p></form>"
}

extension QualificationService {
    /// The terminal whose console session the request's cookie carries, or nil.
    func consoleTerminal(_ request: Request) throws -> Int64? {
        guard let token = request.cookies[StaffConsoleSession.cookieName]?.value, !token.isEmpty else { return nil }
        return try store.terminal(token: token, apiKey: nil, at: now())
    }

    func consoleLoginForm(_ request: Request) -> Response {
        StaffConsoleSession.loginPage(next: request.uri.queryParameters["next"].map(String.init) ?? "/console")
    }

    /// Checks the terminal's password and opens a console session: the token goes out in the cookie only.
    func consoleLogin(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try await audited("POST /console/login") { entry in
            let body = try await request.body.collect(upTo: 16_384)
            let form: StaffConsoleSession.LoginForm
            do {
                form = try URLEncodedFormDecoder().decode(StaffConsoleSession.LoginForm.self, from: String(buffer: body))
            } catch {
                entry.status = 400
                var page = StaffConsoleSession.loginPage(
                    next: "/console", problem: "端末IDとパスワードを入力してください (enter the terminal id and password)")
                page.status = .badRequest
                return page
            }
            let next = StaffConsoleSession.destination(form.next)
            guard let terminal = Int64(form.terminal.trimmingCharacters(in: .whitespaces)) else {
                entry.status = 401
                return StaffConsoleSession.loginPage(next: next, problem: "端末IDは数字です (the terminal id is a number)")
            }
            entry.terminal = terminal
            guard let session = try store.login(terminal: terminal, password: form.password, at: now(), lifetime: sessionLifetime) else {
                entry.status = 401
                return StaffConsoleSession.loginPage(
                    next: next, problem: "端末IDまたはパスワードが違います (unknown terminal or wrong password)")
            }
            entry.status = 303
            var response = StaffConsoleSession.redirect(to: next)
            response.setCookie(try StaffConsoleSession.cookie(token: session.token, lifetime: sessionLifetime))
            return response
        }
    }

    /// Ends the console session on the server and in the browser.
    func consoleLogout(_ request: Request) throws -> Response {
        if let token = request.cookies[StaffConsoleSession.cookieName]?.value, !token.isEmpty {
            try store.endSession(token: token)
        }
        var response = StaffConsoleSession.redirect(to: "/console/login")
        response.setCookie(try StaffConsoleSession.expiredCookie)
        return response
    }
}
