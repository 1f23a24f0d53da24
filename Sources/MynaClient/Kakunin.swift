import Crypto
import Foundation
import ISO7816
import MynaCard
import MynaPersona
import QualificationAPI
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a 資格確認 app does with the card, and nothing more (it passes the `qualification-check`
/// client profile): select the JPKI AP by its full AID, read the authentication certificate by
/// its header, and for the PIN method read the retry counter, verify the 4-digit PIN (0018) and
/// sign the service's challenge with the authentication key (0017). It never reads the My Number
/// and never touches the signature side; it ends by re-selecting the AP (clearing the PIN state).
public struct KakuninCardSession<Channel: CardChannel> {
    public var channel: Channel

    public init(channel: Channel) { self.channel = channel }

    /// Why the card part stopped.
    public enum CardError: Error, CustomStringConvertible, Sendable {
        case status(String, StatusWord)
        case hostile(String)
        case blocked
        case lastTry
        case wrongPIN(triesLeft: Int)

        public var description: String {
            switch self {
            case .status(let what, let sw): return "\(what): the card answered \(sw) (\(sw.meaning))"
            case .hostile(let what): return "the card's answer makes no sense: \(what)"
            case .blocked: return "the PIN is blocked (暗証番号がロックされています): the card holder must have it reset at the municipal office; use the visual method"
            case .lastTry: return "only one PIN try is left (残り1回): confirm with the patient (--force) or use the visual method"
            case .wrongPIN(let left): return "wrong PIN (暗証番号が違います); \(left) tries left"
            }
        }
    }

    mutating func send(_ command: CommandAPDU, _ what: String) throws -> ResponseAPDU {
        let response = try channel.transmit(command)
        if let ne = command.ne, response.data.count > ne { throw CardError.hostile("\(what): \(response.data.count) bytes for Le \(ne)") }
        return response
    }

    mutating func select(fid: UInt16, _ what: String) throws {
        let r = try send(CommandAPDU(cla: 0, ins: 0xA4, p1: 0x02, p2: 0x0C, data: [UInt8(fid >> 8), UInt8(fid & 0xFF)]), what)
        guard r.status.isSuccess else { throw CardError.status(what, r.status) }
    }

    /// Powers the card and selects the JPKI AP by its full AID.
    public mutating func start() throws {
        _ = try channel.powerOn()
        let r = try send(CommandAPDU(cla: 0, ins: 0xA4, p1: 0x04, p2: 0x0C, data: JPKIApplication.aid), "SELECT JPKI AP")
        guard r.status.isSuccess else { throw CardError.status("SELECT JPKI AP (is this a My Number card?)", r.status) }
    }

    /// The authentication certificate (EF 000A), read by its DER header in short reads.
    public mutating func authenticationCertificate() throws -> [UInt8] {
        try select(fid: 0x000A, "SELECT EF 000A")
        let head = try send(CommandAPDU(cla: 0, ins: 0xB0, p1: 0, p2: 0, ne: 4), "READ BINARY 000A")
        guard head.status.isSuccess else { throw CardError.status("READ BINARY 000A", head.status) }
        guard head.data.count == 4, head.data[0] == 0x30, head.data[1] == 0x82 else { throw CardError.hostile("EF 000A does not start with a DER SEQUENCE header") }
        let total = 4 + (Int(head.data[2]) << 8 | Int(head.data[3]))
        guard total <= 4096 else { throw CardError.hostile("the certificate header claims \(total) bytes") }
        var der = head.data
        while der.count < total {
            let n = min(255, total - der.count)
            let r = try send(CommandAPDU(cla: 0, ins: 0xB0, p1: UInt8(der.count >> 8), p2: UInt8(der.count & 0xFF), ne: n), "READ BINARY 000A")
            guard r.status.isSuccess, !r.data.isEmpty else { throw CardError.status("READ BINARY 000A at \(der.count)", r.status) }
            der += r.data
        }
        return der
    }

    /// The authentication PIN's tries left, without using one (empty VERIFY on 0018).
    public mutating func pinTriesLeft() throws -> Int {
        try select(fid: 0x0018, "SELECT EF 0018")
        let r = try send(CommandAPDU(cla: 0, ins: 0x20, p1: 0, p2: 0x80), "VERIFY (retry query)")
        if r.status.value == 0x6984 { return 0 }
        guard let left = r.status.retriesLeft else { throw CardError.status("VERIFY (retry query)", r.status) }
        return left
    }

    /// Why a PIN must not be sent with this many tries left, if it must not.
    public static func refusal(triesLeft: Int, confirmedLastTry: Bool) -> CardError? {
        if triesLeft == 0 { return .blocked }
        if triesLeft == 1, !confirmedLastTry { return .lastTry }
        return nil
    }

    /// Verifies the PIN (refusing on a blocked card, and on the last try unless confirmed) and
    /// signs SHA-256(`challenge`) with the authentication key.
    public mutating func signChallenge(_ challenge: [UInt8], pin: String, triesLeft: Int, confirmedLastTry: Bool) throws -> [UInt8] {
        if let refusal = Self.refusal(triesLeft: triesLeft, confirmedLastTry: confirmedLastTry) { throw refusal }
        let verify = try send(CommandAPDU(cla: 0, ins: 0x20, p1: 0, p2: 0x80, data: Array(pin.utf8)), "VERIFY")
        if verify.status.value == 0x6984 { throw CardError.blocked }
        if let left = verify.status.retriesLeft { throw left == 0 ? CardError.blocked : CardError.wrongPIN(triesLeft: left) }
        guard verify.status.isSuccess else { throw CardError.status("VERIFY", verify.status) }
        try select(fid: 0x0017, "SELECT EF 0017")
        let digestInfo = VirtualCard.sha256DigestInfoPrefix + SHA256.hash(data: challenge)
        let r = try send(CommandAPDU(cla: 0x80, ins: 0x2A, p1: 0x00, p2: 0x80, data: digestInfo, ne: 256), "COMPUTE DIGITAL SIGNATURE")
        guard r.status.isSuccess, r.data.count == 256 else { throw CardError.status("COMPUTE DIGITAL SIGNATURE", r.status) }
        return r.data
    }

    /// Clears the PIN state: re-selects the AP, then resets the card.
    public mutating func finish() {
        _ = try? channel.transmit(CommandAPDU(cla: 0, ins: 0xA4, p1: 0x04, p2: 0x0C, data: JPKIApplication.aid))
        _ = try? channel.reset()
    }
}

/// The qualification service's HTTP API, for terminals.
public struct QualificationServiceClient: Sendable {
    public var baseURL: URL
    public var token: String?

    public init(baseURL: URL) { self.baseURL = baseURL }

    /// Why a request failed: the service's message, or the transport's.
    public struct ServiceError: Error, CustomStringConvertible, Sendable {
        public var status: Int
        public var message: String
        public var description: String { status == 0 ? message : "the service answered \(status): \(message)" }
    }

    func call<Body: Encodable, Answer: Decodable>(_ method: String, _ path: String, _ body: Body?, headers: [String: String] = [:]) async throws -> Answer {
        var request = URLRequest(url: baseURL.appendingPathComponent(path))
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = try JSONEncoder().encode(body) }
        let data: Data, response: URLResponse
        do { (data, response) = try await URLSession.shared.data(for: request) } catch {
            throw ServiceError(status: 0, message: "cannot reach the qualification service at \(baseURL): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let message = (try? JSONDecoder().decode(ErrorBody.self, from: data))?.error.message ?? String(decoding: data, as: UTF8.self)
            throw ServiceError(status: status, message: message)
        }
        return try JSONDecoder().decode(Answer.self, from: data)
    }

    public mutating func login(terminal: Int64, password: String) async throws {
        let answer: LoginResponse = try await call("POST", "api/login", LoginRequest(terminalId: terminal, password: password))
        token = answer.token
    }

    public mutating func useAPIKey(_ key: String) { token = nil; apiKey = key }
    var apiKey: String?

    var authHeaders: [String: String] { apiKey.map { ["X-API-Key": $0] } ?? [:] }

    public func challenge() async throws -> [UInt8] {
        let answer: ChallengeResponse = try await call("POST", "api/challenges", Optional<LoginRequest>.none, headers: authHeaders)
        return Array(Data(base64Encoded: answer.challenge) ?? Data())
    }

    public func check(_ request: QualificationRequest) async throws -> QualificationResponse {
        try await call("POST", "api/qualifications", request, headers: authHeaders)
    }

    public func register(name: String, password: String, adminToken: String) async throws -> TerminalCreated {
        try await call("POST", "api/terminals", TerminalRegistration(name: name, password: password), headers: ["X-Admin-Token": adminToken])
    }
}
