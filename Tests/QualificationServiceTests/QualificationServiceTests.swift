import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ISO7816
import MynaApplications
import MynaCard
import MynaClient
import MynaPersona
import QualificationAPI
import QualificationService
import TestSupport
import Testing
import X509
import Yams

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The mock qualification service through Hummingbird's router test client (no sockets; the
/// end-to-end tests drive it over real HTTP): every answer, the 4xx errors, the PIN method with a
/// signature made by the virtual card, the audit table and the OpenAPI document.
@Suite("Qualification service", .serialized)
struct QualificationServiceTests {
    static let admin = "test-admin-token-0123456789"

    /// A service seeded from the shipped personas (all but `skip`), in this process; with `http`
    /// also served on a loopback port (for browser-like tests that need cookies and redirects).
    final class Running: @unchecked Sendable {
        let service: QualificationService
        let application: Hummingbird.Application<RouterResponder<BasicRequestContext>>
        let clockBox = ClockBox()
        private(set) var url = URL(string: "http://127.0.0.1:0")!
        private var task: Task<Void, Error>?

        deinit { task?.cancel() }

        init(skip: Set<String> = ["suzuki-minor"], http: Bool = false) async throws {
            let store = try QualificationStore(path: nil)
            try store.seed(personasIn: Fixtures.personas, skipping: skip)
            var service = QualificationService(
                store: store, validator: try CertificateValidator(pkiDirectory: Fixtures.personas.appendingPathComponent("test-pki")),
                adminToken: QualificationServiceTests.admin)
            let box = clockBox
            service.now = { box.now }
            self.service = service
            application = Hummingbird.Application(router: service.router())
            guard http else { return }
            let (stream, continuation) = AsyncStream<Int>.makeStream()
            let server = Hummingbird.Application(
                router: service.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
            task = Task { try await server.runService() }
            for await port in stream {
                url = URL(string: "http://127.0.0.1:\(port)")!
                break
            }
        }
    }

    final class ClockBox: @unchecked Sendable {
        var offset: TimeInterval = 0
        var now: Date { Date().addingTimeInterval(offset) }
    }

    /// (status, JSON object) of a request.
    func request(
        _ running: Running, _ method: String, _ path: String, json: Any? = nil, headers: [String: String] = [:]
    ) async throws -> (Int, [String: Any]) {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        let body: ByteBuffer? = try json.map {
            $0 is String ? ByteBuffer(string: $0 as! String) : ByteBuffer(data: try JSONSerialization.data(withJSONObject: $0))
        }
        let requestHeaders = fields
        return try await running.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/" + path, method: HTTPRequest.Method(method)!, headers: requestHeaders, body: body)
            let data = Data(buffer: response.body)
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? ["raw": String(decoding: data, as: UTF8.self)]
            return (Int(response.status.code), object)
        }
    }

    func terminal(_ running: Running) async throws -> [String: String] {
        let (status, created) = try await request(
            running, "POST", "api/terminals", json: ["name": "clinic", "password": "clinic-password"],
            headers: ["X-Admin-Token": Self.admin])
        #expect(status == 201)
        return ["X-API-Key": created["apiKey"] as! String]
    }

    func certificate(_ persona: String) throws -> String {
        try Data(Fixtures.persona(persona).authCertificate.derBytes).base64EncodedString()
    }

    @Test func terminalsLogInAndErrorsArePrecise() async throws {
        let running = try await Running()
        let url = running
        #expect(try await request(url, "POST", "api/terminals", json: ["name": "x", "password": "long-enough"]).0 == 401)
        #expect(
            try await request(
                url, "POST", "api/terminals", json: ["name": "x", "password": "short"], headers: ["X-Admin-Token": Self.admin]
            ).0 == 422)
        let (created, body) = try await request(
            url, "POST", "api/terminals", json: ["name": "clinic", "password": "clinic-password"], headers: ["X-Admin-Token": Self.admin])
        #expect(created == 201)
        let id = body["terminalId"] as! Int
        #expect(try await request(url, "POST", "api/login", json: ["terminalId": id, "password": "wrong-password"]).0 == 401)
        let (ok, login) = try await request(url, "POST", "api/login", json: ["terminalId": id, "password": "clinic-password"])
        #expect(ok == 200 && (login["token"] as? String)?.count == 64)
        let bearer = ["Authorization": "Bearer \(login["token"] as! String)"]
        #expect(try await request(url, "POST", "api/qualifications", json: ["certificate": "x", "method": "visual"]).0 == 401)
        let (bad, message) = try await request(url, "POST", "api/qualifications", json: "{not json", headers: bearer)
        #expect(bad == 400 && "\(message)".contains("JSON"))
        let (missing, why) = try await request(url, "POST", "api/qualifications", json: ["method": "visual"], headers: bearer)
        #expect(missing == 400 && "\(why)".contains("certificate"))
        #expect(
            try await request(url, "POST", "api/qualifications", json: ["certificate": "@@@", "method": "visual"], headers: bearer).0 == 400
        )
        #expect(
            try await request(url, "POST", "api/qualifications", json: ["certificate": "AAAA", "method": "visual"], headers: bearer).0
                == 400)
        #expect(
            try await request(
                url, "POST", "api/qualifications", json: ["certificate": try certificate("yamada-taro"), "method": "iris"], headers: bearer
            ).0 == 400)
        // A certificate from another CA (the signature CA) is refused as untrusted.
        let foreign = Data(try Fixtures.persona("yamada-taro").signCA.derBytes).base64EncodedString()
        #expect(
            try await request(url, "POST", "api/qualifications", json: ["certificate": foreign, "method": "visual"], headers: bearer).0
                == 422)
        #expect(
            try await request(
                url, "POST", "api/qualifications",
                json: ["certificate": try certificate("yamada-taro"), "method": "visual", "signature": "AAAA"], headers: bearer
            ).0 == 400)
    }

    /// Persona → the service's answer with the visual method.
    @Test(arguments: [
        ("yamada-taro", "qualified", "insured"), ("sato-hanako", "qualified", "dependant"), ("takahashi-face", "qualified", "insured"),
        ("tanaka-short", "no-qualification", "insured"), ("kato-expired", "expired-certificate", ""),
        ("ito-revoked", "revoked-certificate", ""),
        ("suzuki-minor", "unknown-card", ""),
    ])
    func everyAnswer(persona: String, result: String, relationship: String) async throws {
        let running = try await Running()
        let key = try await terminal(running)
        let (status, answer) = try await request(
            running, "POST", "api/qualifications", json: ["certificate": try certificate(persona), "method": "visual"], headers: key)
        #expect(status == 200)
        #expect(answer["result"] as? String == result, "\(answer)")
        let record = answer["qualification"] as? [String: Any]
        #expect((record?["relationship"] as? String ?? "") == relationship)
        if result == "qualified" {
            #expect((answer["person"] as? [String: Any])?["name"] as? String == (try Fixtures.persona(persona).persona.name))
        }
        if result == "unknown-card" { #expect(answer["person"] == nil) }
    }

    @Test func pinMethodWithTheCardsSignature() async throws {
        let running = try await Running()
        let key = try await terminal(running)
        func challenge() async throws -> [UInt8] {
            let (status, body) = try await request(running, "POST", "api/challenges", headers: key)
            #expect(status == 201)
            return Array(Data(base64Encoded: body["challenge"] as! String)!)
        }
        // The card (in-process) verifies the PIN and signs the challenge, as `mynasim kakunin` does.
        func sign(_ challenge: [UInt8]) throws -> [UInt8] {
            var session = KakuninCardSession(channel: try Fixtures.card("yamada-taro"))
            try session.start()
            defer { session.finish() }
            return try session.signChallenge(challenge, pin: "1234", counter: try session.pinCounter(), confirmedLastTry: false)
        }
        let cert = try certificate("yamada-taro")
        let c1 = try await challenge()
        let body: [String: Any] = [
            "certificate": cert, "method": "pin", "challenge": Data(c1).base64EncodedString(),
            "signature": Data(try sign(c1)).base64EncodedString(),
        ]
        let (ok, answer) = try await request(running, "POST", "api/qualifications", json: body, headers: key)
        #expect(ok == 200 && answer["result"] as? String == "qualified" && answer["method"] as? String == "pin")
        #expect(try await request(running, "POST", "api/qualifications", json: body, headers: key).0 == 409)  // used
        let c2 = try await challenge()
        let wrong: [String: Any] = [
            "certificate": cert, "method": "pin", "challenge": Data(c2).base64EncodedString(),
            "signature": Data(try sign(c1)).base64EncodedString(),
        ]
        // not over this challenge
        #expect(try await request(running, "POST", "api/qualifications", json: wrong, headers: key).0 == 422)
        let c3 = try await challenge()
        running.clockBox.offset = 121
        let late: [String: Any] = [
            "certificate": cert, "method": "pin", "challenge": Data(c3).base64EncodedString(),
            "signature": Data(try sign(c3)).base64EncodedString(),
        ]
        #expect(try await request(running, "POST", "api/qualifications", json: late, headers: key).0 == 410)
        running.clockBox.offset = 0
        #expect(
            try await request(running, "POST", "api/qualifications", json: ["certificate": cert, "method": "pin"], headers: key).0
                == 400)
        let unknown: [String: Any] = [
            "certificate": cert, "method": "pin", "challenge": Data(repeating: 7, count: 32).base64EncodedString(), "signature": "AAAA",
        ]
        #expect(try await request(running, "POST", "api/qualifications", json: unknown, headers: key).0 == 422)
    }

    @Test func everyRequestIsAuditedWithoutSecrets() async throws {
        let running = try await Running()
        let key = try await terminal(running)
        _ = try await request(
            running, "POST", "api/qualifications", json: ["certificate": try certificate("yamada-taro"), "method": "visual"],
            headers: key)
        _ = try await request(running, "POST", "api/qualifications", json: ["method": "visual"], headers: key)
        _ = try await request(running, "POST", "api/login", json: ["terminalId": 1, "password": "clinic-password"])
        let rows = try running.service.store.auditRows()
        #expect(
            rows.map { $0["endpoint"]! } == [
                "POST /api/terminals", "POST /api/qualifications", "POST /api/qualifications", "POST /api/login",
            ])
        #expect(rows.map { $0["http_status"]! } == ["201", "200", "400", "200"])
        #expect(rows[1]["method"] == "visual" && rows[1]["result"] == "qualified" && rows[1]["terminal_id"] == "1")
        #expect(
            Set(rows[0].keys) == [
                "id", "time", "endpoint", "http_status", "terminal_id", "method", "result", "certificate_serial", "person_id", "response",
            ])
        // Neither the terminal's password nor its API key is stored anywhere in the audit.
        for row in rows { #expect(!row.values.contains { $0.contains("clinic-password") || $0.contains(key["X-API-Key"]!) }) }
        let (listed, list) = try await request(running, "GET", "api/checks", headers: key)
        #expect(listed == 200 && (list["checks"] as? [[String: Any]])?.count == 1)
    }

    @Test func openAPIDocumentDescribesEveryRoute() async throws {
        let running = try await Running()
        let served = try await running.application.test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                return Data(buffer: response.body)
            }
        }
        let data = served
        let document = try #require(try Yams.load(yaml: String(decoding: data, as: UTF8.self)) as? [String: Any])
        let paths = Set((document["paths"] as? [String: Any] ?? [:]).keys)
        #expect(
            paths == [
                "/api/terminals", "/api/login", "/api/challenges", "/api/qualifications", "/api/checks", "/openapi.yaml", "/console",
                "/console/checks/{id}", "/console/login", "/console/logout",
            ])
        // The copy in docs/ is the document served (regenerate: mynasim qualification-service --openapi).
        let shipped = try String(
            contentsOf: Fixtures.repositoryRoot.appendingPathComponent("docs/qualification-openapi.yaml"), encoding: .utf8)
        #expect(shipped == String(decoding: data, as: UTF8.self) + "\n")
    }
}
