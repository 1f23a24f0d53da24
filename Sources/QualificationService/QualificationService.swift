import Foundation
import Hummingbird
import MynaApplications
import MynaPersona
import QualificationAPI
import X509

/// The mock qualification service (オンライン資格確認・資格確認限定型): terminals log in, fetch a
/// challenge, and send the patient's authentication certificate (and, for the PIN method, the
/// card's signature over the challenge); the service validates it and answers with the insurance
/// qualification. Also serves its OpenAPI document and a staff console. Every request is audited.
package struct QualificationService: Sendable {
    package let store: QualificationStore
    package let validator: CertificateValidator
    /// Required in `X-Admin-Token` to register terminals.
    package let adminToken: String
    /// The clock (tests move it).
    package var now: @Sendable () -> Date = { Date() }
    package var challengeLifetime: TimeInterval = 120
    package var sessionLifetime: TimeInterval = 8 * 3600

    package init(store: QualificationStore, validator: CertificateValidator, adminToken: String) {
        self.store = store
        self.validator = validator
        self.adminToken = adminToken
    }

    /// The HTTP routes.
    package func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/api/terminals") { request, context in try await registerTerminal(request, context) }
        router.post("/api/login") { request, context in try await login(request, context) }
        router.post("/api/challenges") { request, context in try await challenge(request, context) }
        router.post("/api/qualifications") { request, context in try await qualify(request, context) }
        router.get("/api/checks") { request, context in try await checks(request, context) }
        router.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: QualificationAPIDocument.yaml)))
        }
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/console"]) }
        router.get("/console/login") { request, _ in consoleLoginForm(request) }
        router.post("/console/login") { request, context in try await consoleLogin(request, context) }
        router.post("/console/logout") { request, _ in try consoleLogout(request) }
        router.get("/console") { request, context in try console(request) }
        router.get("/console/checks/:id") { request, context in try consoleCheck(request, context) }
        return router
    }

    // MARK: Audit

    /// Runs a handler and audits the request whatever its outcome.
    func audited<R>(_ endpoint: String, _ work: (inout QualificationStore.AuditEntry) async throws -> R) async throws -> R {
        try await auditedWithID(endpoint, work).result
    }

    /// The same, also returning the audit row's id.
    func auditedWithID<R>(_ endpoint: String, _ work: (inout QualificationStore.AuditEntry) async throws -> R) async throws -> (
        result: R, id: Int64
    ) {
        var entry = QualificationStore.AuditEntry(endpoint: endpoint, status: 200)
        do {
            let result = try await work(&entry)
            return (result, try store.audit(entry, at: now()))
        } catch let error as HTTPError {
            entry.status = Int(error.status.code)
            _ = try? store.audit(entry, at: now())
            throw error
        } catch {
            entry.status = 500
            _ = try? store.audit(entry, at: now())
            throw error
        }
    }

    /// A request header by name (case-insensitive).
    static func header(_ request: Request, _ name: String) -> String? {
        request.headers.first { $0.name.canonicalName == name.lowercased() }?.value
    }

    /// The terminal behind `Authorization: Bearer TOKEN` or `X-API-Key`, or 401. Never a key in
    /// the URL: URLs end up in logs and browser history (the console signs in with a cookie).
    func terminal(_ request: Request) throws -> Int64 {
        let authorization = request.headers[.authorization]
        let token = authorization.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        let key = Self.header(request, "X-API-Key")
        guard token != nil || key != nil else {
            throw HTTPError(.unauthorized, message: "log in first: send Authorization: Bearer TOKEN (POST /api/login) or X-API-Key")
        }
        guard let terminal = try store.terminal(token: token, apiKey: token == nil ? key : nil, at: now()) else {
            throw HTTPError(.unauthorized, message: "the token or API key is not valid (expired session? log in again)")
        }
        return terminal
    }

    /// Decodes a JSON body, answering 400 with what is wrong.
    func body<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BasicRequestContext) async throws -> T {
        // Decoded here rather than by the framework, whose messages name Swift types.
        let bytes: [UInt8]
        do { bytes = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView) } catch {
            throw HTTPError(.badRequest, message: "the body could not be read (at most 1 MB)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, message: "the JSON body is not what this endpoint takes: \(Self.describe(error))")
        } catch {
            throw HTTPError(.badRequest, message: "the body is not JSON")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case .typeMismatch(let type, let c), .valueNotFound(let type, let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            let expected =
                type == String.self
                ? "a string" : type == Bool.self ? "true or false" : type is any Numeric.Type ? "a number" : "another form"
            return (path.isEmpty ? "the body" : "field '\(path)'") + " should be \(expected)"
        case .dataCorrupted(let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not valid JSON" : "field '\(path)' has a value that is not allowed"
        @unknown default: return "it cannot be read"
        }
    }

    static func base64(_ text: String, field: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: text) else { throw HTTPError(.badRequest, message: "'\(field)' is not base64") }
        return Array(data)
    }

    // MARK: Handlers

    func registerTerminal(_ request: Request, _ context: BasicRequestContext) async throws -> EditedResponse<TerminalCreated> {
        try await audited("POST /api/terminals") { entry in
            guard Self.header(request, "X-Admin-Token") == adminToken else {
                throw HTTPError(.unauthorized, message: "registering a terminal needs the service's admin token in X-Admin-Token")
            }
            let registration = try await body(TerminalRegistration.self, request, context)
            guard !registration.name.isEmpty, registration.password.count >= 8 else {
                throw HTTPError(.unprocessableContent, message: "a terminal needs a name and a password of at least 8 characters")
            }
            let created = try store.registerTerminal(name: registration.name, password: registration.password, at: now())
            entry.terminal = created.terminalId
            entry.status = 201
            return EditedResponse(status: .created, response: created)
        }
    }

    func login(_ request: Request, _ context: BasicRequestContext) async throws -> LoginResponse {
        try await audited("POST /api/login") { entry in
            let login = try await body(LoginRequest.self, request, context)
            entry.terminal = login.terminalId
            guard let session = try store.login(terminal: login.terminalId, password: login.password, at: now(), lifetime: sessionLifetime)
            else {
                throw HTTPError(.unauthorized, message: "unknown terminal or wrong password")
            }
            return session
        }
    }

    func challenge(_ request: Request, _ context: BasicRequestContext) async throws -> EditedResponse<ChallengeResponse> {
        try await audited("POST /api/challenges") { entry in
            let terminal = try terminal(request)
            entry.terminal = terminal
            let value = try store.issueChallenge(terminal: terminal, at: now())
            entry.status = 201
            return EditedResponse(
                status: .created,
                response: ChallengeResponse(
                    challenge: Data(value).base64EncodedString(),
                    expiresAt: now().addingTimeInterval(challengeLifetime).iso8601))
        }
    }

    func qualify(_ request: Request, _ context: BasicRequestContext) async throws -> QualificationResponse {
        let (answer, auditID) = try await auditedWithID("POST /api/qualifications") { entry in
            let terminal = try terminal(request)
            entry.terminal = terminal
            let check = try await body(QualificationRequest.self, request, context)
            entry.method = check.method.rawValue
            let der = try Self.base64(check.certificate, field: "certificate")
            let certificate: Certificate
            do { certificate = try Certificate(derEncoded: der) } catch {
                throw HTTPError(
                    .badRequest, message: "'certificate' is not a DER X.509 certificate (base64 of the certificate's DER bytes)")
            }
            let serial = CertificateValidator.serial(certificate)
            entry.certificateSerial = serial
            guard validator.isIssuedByCA(certificate) else {
                throw HTTPError(
                    .unprocessableContent, message: "the certificate was not issued by the JPKI authentication CA this service trusts")
            }
            switch check.method {
            case .visual:
                guard check.challenge == nil, check.signature == nil else {
                    throw HTTPError(.badRequest, message: "the visual method takes no challenge or signature (staff compare the photo)")
                }
            case .pin:
                guard let challengeText = check.challenge, let signatureText = check.signature else {
                    throw HTTPError(
                        .badRequest,
                        message: "the PIN method needs 'challenge' (from POST /api/challenges) and the card's 'signature' over it")
                }
                let challenge = try Self.base64(challengeText, field: "challenge")
                let signature = try Self.base64(signatureText, field: "signature")
                switch try store.consumeChallenge(challenge, terminal: terminal, at: now(), lifetime: challengeLifetime) {
                case .unknown?:
                    throw HTTPError(
                        .unprocessableContent, message: "unknown challenge (ask POST /api/challenges with this terminal's login)")
                case .used?: throw HTTPError(.conflict, message: "the challenge was already used; fetch a new one")
                case .expired?: throw HTTPError(.gone, message: "the challenge expired (\(Int(challengeLifetime)) s); fetch a new one")
                case nil: break
                }
                guard validator.isValidChallengeSignature(signature, challenge: challenge, certificate: certificate) else {
                    throw HTTPError(
                        .unprocessableContent,
                        message: "the signature does not verify with the certificate's key (wrong card, or not over this challenge)")
                }
            }
            let known = try store.person(certificateSerial: serial)
            entry.personID = known?.id
            let (result, message) = judge(certificate, known: known)
            entry.result = result.rawValue
            entry.check = QualificationResponse(
                checkId: 0, result: result, message: message, method: check.method,
                checkedAt: now().iso8601,
                person: result == .unknownCard ? nil : known?.info,
                qualification: result == .qualified || result == .noQualification ? known?.record : nil)
            return entry.check!
        }
        // The audit row's id is the check id (the stored answer carries it too; the console shows it).
        var response = answer
        response.checkId = auditID
        return response
    }

    /// The truth about a trusted certificate: revoked, expired, unknown, or the qualification.
    func judge(_ certificate: Certificate, known: (id: Int64, info: PersonInfo, record: QualificationRecord?)?) -> (
        QualificationResult, String
    ) {
        if validator.isRevoked(certificate) {
            return (.revokedCertificate, "the authentication certificate is revoked; the card holder must renew it at the municipal office")
        }
        if !validator.isValid(certificate, at: now()) {
            return (
                .expiredCertificate,
                "the authentication certificate is not valid now (valid \(certificate.notValidBefore) to \(certificate.notValidAfter))"
            )
        }
        guard let known else { return (.unknownCard, "no insured person is registered for this card") }
        guard let record = known.record else { return (.noQualification, "\(known.info.name) holds no health-insurance qualification") }
        let today = now().japanDate
        if record.validFrom > today { return (.noQualification, "the qualification starts on \(record.validFrom)") }
        if let end = record.validTo, end < today { return (.noQualification, "the qualification was lost after \(end) (資格喪失)") }
        return (
            .qualified,
            "\(known.info.name): \(record.insurerName), \(Insurance.Relationship(rawValue: record.relationship)?.japanese ?? record.relationship)"
        )
    }

    func checks(_ request: Request, _ context: BasicRequestContext) async throws -> CheckList {
        try await audited("GET /api/checks") { entry in
            entry.terminal = try terminal(request)
            let limit = request.uri.queryParameters["limit"].flatMap { Int($0) } ?? 20
            guard (1...500).contains(limit) else { throw HTTPError(.badRequest, message: "limit must be 1…500") }
            return CheckList(checks: try store.recentChecks(limit: limit))
        }
    }

    func console(_ request: Request) throws -> Response {
        guard try consoleTerminal(request) != nil else { return StaffConsoleSession.signInFirst("/console") }
        return StaffConsole.page(StaffConsole.list(try store.consoleChecks(limit: 50)) + StaffConsoleSession.logoutForm)
    }

    func consoleCheck(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        guard try consoleTerminal(request) != nil else { return StaffConsoleSession.signInFirst("/console/checks/\(id)") }
        guard let check = try store.check(id) else { throw HTTPError(.notFound, message: "no check \(id)") }
        return StaffConsole.page(StaffConsole.result(check, console: try store.consoleCheck(id)) + StaffConsoleSession.logoutForm)
    }
}

extension QualificationResponse: ResponseEncodable {}
extension LoginResponse: ResponseEncodable {}
extension TerminalCreated: ResponseEncodable {}
extension ChallengeResponse: ResponseEncodable {}
extension CheckList: ResponseEncodable {}

extension Date {
    /// ISO 8601 UTC, e.g. `2026-11-25T13:20:31Z` (a value-type format style: no formatter per request).
    var iso8601: String { formatted(.iso8601) }

    /// `YYYY-MM-DD` in Japan time: what "today" means for a qualification.
    var japanDate: String { formatted(Self.japanDay) }
    private static let japanDay = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "Asia/Tokyo")!).year().month().day()
}
