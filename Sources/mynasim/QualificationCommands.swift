import ArgumentParser
import Foundation
import Hummingbird
import ISO7816
import MynaApplications
import MynaClient
import MynaPersona
import PCSC
import QualificationAPI
import QualificationService
import VirtualReader
import X509

/// `mynasim qualification-service`: the mock オンライン資格確認 (資格確認限定型) service.
struct QualificationServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qualification-service",
        abstract: "Run the mock qualification service (HTTP JSON API, SQLite, staff console).",
        discussion: HelpText.paragraphs(
            """
            Seeds people and their insurance from the persona files (their `insurance:` section),
            trusts the persona set's test authentication CA and its CRL (test-pki/auth-ca.crl.pem),
            and serves the API of docs/qualification-service.md (GET /openapi.yaml) and the staff
            console (GET /console; staff sign in with a terminal's id and password, and the session
            lives in a cookie). Register terminals with POST /api/terminals and the admin token.
            Stop with Ctrl-C, SIGTERM or SIGHUP (requests in flight are finished first).
            """)
    )
    @Option(name: .long, help: "Listen address.") var host = "127.0.0.1"
    @Option(name: .long, help: "Port (0: any free port; the one chosen is printed and written to --ready-file).") var port = 8080
    @Option(name: .long, help: "A directory of personas to seed from (default: the shipped personas, see `mynasim doctor`).")
    var personas: String?
    @Option(name: .long, help: "Test PKI with auth-ca.pem and auth-ca.crl.pem (default: <personas>/test-pki).") var pki: String?
    @Option(name: .long, help: "SQLite database file (default: in memory).") var database: String?
    @Option(name: .long, help: "Admin token for POST /api/terminals (default: from MYNASIM_ADMIN_TOKEN).") var adminToken: String?
    @Option(name: .long, help: "Write the port here once listening.") var readyFile: String?
    @Option(name: .long, parsing: .singleValue, help: "Leave this persona out of the seed (repeatable), e.g. to test an unknown card.")
    var skip: [String] = []
    @Flag(name: .long, help: "Print the OpenAPI document and exit.") var openapi = false

    func run() async throws {
        if openapi {
            print(QualificationAPIDocument.yaml)
            return
        }
        let personaDirectory = try Installation.current.locate(.personas, explicit: personas, option: "--personas DIR")
        let pkiDirectory = URL(fileURLWithPath: pki ?? personaDirectory.appendingPathComponent("test-pki").path)
        guard let token = adminToken ?? ProcessInfo.processInfo.environment["MYNASIM_ADMIN_TOKEN"], token.count >= 16 else {
            throw CLIError("give --admin-token (or MYNASIM_ADMIN_TOKEN) of at least 16 characters")
        }
        if port != 0, Self.portInUse(host: host, port: port) {
            throw CLIError("another process is listening on \(host):\(port); stop it or choose another --port (0 picks a free one)")
        }
        let validator = try CertificateValidator(pkiDirectory: pkiDirectory)
        let store = try QualificationStore(path: database)
        let seeded = try store.seed(personasIn: personaDirectory, skipping: Set(skip))
        let service = QualificationService(store: store, validator: validator, adminToken: token)
        let ready = readyFile
        let host = host
        let app = Application(
            router: service.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "mynasim-qualification"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                print(
                    "mynasim qualification-service: \(seeded) people, \(validator.revokedSerials.count) revoked certificates; listening on http://\(host):\(bound)"
                )
                fflush(nil)
                if let ready { _ = FileManager.default.createFile(atPath: ready, contents: Data("\(bound)\n".utf8)) }
            })
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint, .sighup])
        } catch {
            // The HTTP library names its system calls; say what happened instead.
            let text = String(describing: error)
            if text.contains("Address already in use") {
                throw CLIError("another process is listening on \(host):\(port); stop it or choose another --port (0 picks a free one)")
            }
            var reason = text
            if let call = reason.range(of: "): ") { reason = String(reason[call.upperBound...]) }
            if let code = reason.range(of: " (errno:") { reason = String(reason[..<code.lowerBound]) }
            throw CLIError("the qualification service could not serve on http://\(host):\(port): \(reason)")
        }
    }

    /// Whether another process already listens on `host:port` (an IPv4 address or a name).
    static func portInUse(host: String, port: Int) -> Bool {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let info = found else { return false }
        defer { freeaddrinfo(found) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        return bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 && errno == EADDRINUSE
    }
}

/// `mynasim kakunin`: the reference 資格確認 terminal app.
struct KakuninCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kakunin",
        abstract: "Check a patient's insurance qualification with their My Number card (資格確認限定型).",
        discussion: HelpText.paragraphs(
            """
            The terminal app's screens in order: log-in, method, card reading, PIN entry (method pin:
            the retry counter is shown first, the PIN is asked without echo unless --pin, and never
            sent on the last try without --force), result. Reads only the JPKI authentication side:
            never the My Number, never the signature certificate or password.
            """)
    )
    @OptionGroup var source: CardSourceOptions
    @Option(name: .long, help: "visual (目視: staff compare the photo) or pin (暗証番号).") var method: IdentityMethod
    @Option(name: .long, help: "The qualification service, e.g. http://127.0.0.1:8080.") var service: String
    @Option(name: .long, help: "This terminal's id.") var terminal: Int64?
    @Option(name: .long, help: "This terminal's password (else MYNASIM_TERMINAL_PASSWORD).") var password: String?
    @Option(name: .long, help: "Log in with an API key instead (else MYNASIM_API_KEY).") var apiKey: String?
    @Option(name: .long, help: "The patient's 4-digit PIN (default: asked without echo).") var pin: String?
    @Flag(name: .long, help: "The patient confirmed using the last PIN try.") var force = false
    @Option(name: .long, help: "With --reader: wait this many seconds for the card to be inserted.") var wait: Double = 30
    @Flag(name: .long, help: "Print the service's answer as JSON.") var json = false

    func run() async throws {
        guard let url = URL(string: service) else { throw CLIError("--service: '\(service)' is not a URL") }
        var client = QualificationServiceClient(baseURL: url)
        // 1. ログイン
        let environment = ProcessInfo.processInfo.environment
        if let key = apiKey ?? environment["MYNASIM_API_KEY"] {
            client.useAPIKey(key)
        } else if let terminal, let secret = password ?? environment["MYNASIM_TERMINAL_PASSWORD"] {
            try await client.login(terminal: terminal, password: secret)
        } else {
            throw CLIError("log in with --terminal ID and --password (or MYNASIM_TERMINAL_PASSWORD), or --api-key")
        }
        say("ログイン済み (logged in); 本人確認方法 (method): \(method.japanese)")
        let challenge = method == .pin ? try await client.challenge() : []
        // 2–4. カード読み取り and, for the PIN method, 暗証番号入力.
        let (certificate, signature) = try readCard(challenge: challenge)
        // 5. 結果
        let answer = try await client.check(
            QualificationRequest(
                certificate: Data(certificate).base64EncodedString(), method: method,
                challenge: method == .pin ? Data(challenge).base64EncodedString() : nil,
                signature: signature.map { Data($0).base64EncodedString() }))
        if json {
            try JSONOutput.print(answer)
        } else {
            print(Self.resultScreen(answer))
        }
        if answer.result != .qualified { throw ExitCode(3) }
    }

    func say(_ line: String) { if !json { print(line) } else { FileHandle.standardError.write(Data((line + "\n").utf8)) } }

    func readCard(challenge: [UInt8]) throws -> ([UInt8], [UInt8]?) {
        let card = try ClientCard(source.source, wait: wait, prompt: say)
        defer { card.reader?.disconnect(reset: true) }
        return try read(card.channel, challenge: challenge)
    }

    func read<C: CardChannel>(_ channel: C, challenge: [UInt8]) throws -> ([UInt8], [UInt8]?) {
        var session = KakuninCardSession(channel: channel)
        return try read(&session, challenge: challenge)
    }

    func read<C: CardChannel>(_ session: inout KakuninCardSession<C>, challenge: [UInt8]) throws -> ([UInt8], [UInt8]?) {
        defer { session.finish() }
        say("カードを読み取っています (reading the card)…")
        try session.start()
        let certificate = try session.authenticationCertificate()
        guard method == .pin else {
            say("顔写真と本人を目視で確認してください (compare the card photo with the patient)")
            return (certificate, nil)
        }
        let counter = try session.pinCounter()
        say("暗証番号の残り回数 (PIN tries left): \(counter.remaining ?? 0)")
        if let refusal = counter.refusal(confirmedLastTry: force) { throw KakuninCardSession<C>.CardError(refusal) }
        guard let value = pin ?? getpass("4桁の暗証番号を入力してください (4-digit PIN): ").map({ String(cString: $0) }) else {
            throw CLIError("no PIN entered")
        }
        guard value.count == 4, value.allSatisfy(\.isASCII), value.allSatisfy(\.isNumber) else {
            throw CLIError("the PIN is 4 digits; nothing was sent to the card")
        }
        return (certificate, try session.signChallenge(challenge, pin: value, counter: counter, confirmedLastTry: force))
    }

    static func resultScreen(_ r: QualificationResponse) -> String {
        var lines = ["── 資格確認結果 (result) #\(r.checkId) ──", "結果: \(r.result.japanese) (\(r.result.rawValue))", r.message]
        if let p = r.person { lines += ["氏名: \(p.name) (\(p.kana))", "生年月日: \(p.birthDate)  性別: \(p.sex)"] }
        if let q = r.qualification {
            lines += [
                "保険者: \(q.insurerNumber) \(q.insurerName)",
                "記号・番号・枝番: \(q.symbol)・\(q.number)・\(q.branch)  \(q.relationship == "insured" ? "本人" : "家族")",
                "負担割合: \(q.copayRatio / 10)割  資格取得日: \(q.validFrom)" + (q.validTo.map { "  資格喪失日: \($0)" } ?? "")
                    + (q.limitCategory.map { "  限度額適用区分: \($0)" } ?? ""),
            ]
        }
        return lines.joined(separator: "\n")
    }
}

extension IdentityMethod: ExpressibleByArgument {}
