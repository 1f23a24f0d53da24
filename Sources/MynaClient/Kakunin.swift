import Crypto
import Foundation
import ISO7816
import MynaApplications
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
package struct KakuninCardSession<Channel: CardChannel> {
    package var channel: Channel

    package init(channel: Channel) { self.channel = channel }

    /// Why the card part stopped.
    package enum CardError: Error, CustomStringConvertible, Sendable {
        case status(String, StatusWord)
        case hostile(String)
        case blocked
        case lastTry
        case wrongPIN(triesLeft: Int)

        package var description: String {
            switch self {
            case .status(let what, let sw): return "\(what): the card answered \(sw) (\(sw.meaning))"
            case .hostile(let what): return "the card's answer makes no sense: \(what)"
            case .blocked:
                return
                    "the PIN is blocked (暗証番号がロックされています): the card holder must have it reset at the municipal office; use the visual method"
            case .lastTry: return "only one PIN try is left (残り1回): confirm with the patient (--force) or use the visual method"
            case .wrongPIN(let left): return "wrong PIN (暗証番号が違います); \(left) tries left"
            }
        }

        package init(_ refusal: RetryRefusal) { self = refusal == .blocked ? .blocked : .lastTry }
    }

    mutating func send(_ command: CommandAPDU, _ what: String) throws -> ResponseAPDU {
        let response = try channel.transmit(command)
        if let ne = command.ne, response.data.count > ne { throw CardError.hostile("\(what): \(response.data.count) bytes for Le \(ne)") }
        return response
    }

    mutating func select(file fid: FileID) throws {
        let r = try send(.select(file: fid), "SELECT EF \(fid.hex)")
        guard r.status.isSuccess else { throw CardError.status("SELECT EF \(fid.hex)", r.status) }
    }

    /// Powers the card and selects the JPKI AP by its full AID.
    package mutating func start() throws {
        _ = try channel.powerOn()
        let r = try send(.select(application: JPKIApplication.aid), "SELECT JPKI AP")
        guard r.status.isSuccess else { throw CardError.status("SELECT JPKI AP (is this a My Number card?)", r.status) }
    }

    /// The authentication certificate (EF 000A), read by its DER header.
    package mutating func authenticationCertificate() throws -> [UInt8] {
        try select(file: JPKIApplication.File.authCertificate)
        do {
            return try TransparentFileReader(limit: 4096).read { try send($0, "READ BINARY \(JPKIApplication.File.authCertificate.hex)") }
        } catch let error as FileReadError {
            switch error {
            case .status(let offset, let status): throw CardError.status("READ BINARY 000A at \(offset)", status)
            default: throw CardError.hostile("EF 000A: \(error)")
            }
        }
    }

    /// The authentication PIN's retry counter, without using a try.
    package mutating func pinCounter() throws -> RetryCounter {
        let counter = try channel.retryCounter(p2: JPKIApplication.authPIN.verifyP2)
        if case .noCounter(let status) = counter { throw CardError.status("VERIFY (retry query)", status) }
        return counter
    }

    /// Verifies the PIN (refusing on a blocked card, and on the last try unless confirmed) and
    /// signs SHA-256(`challenge`) with the authentication key.
    package mutating func signChallenge(_ challenge: [UInt8], pin: String, counter: RetryCounter, confirmedLastTry: Bool) throws -> [UInt8]
    {
        if let refusal = counter.refusal(confirmedLastTry: confirmedLastTry) { throw CardError(refusal) }
        let verify = try send(.verify(p2: JPKIApplication.authPIN.verifyP2, value: Array(pin.utf8)), "VERIFY")
        switch RetryCounter(queryStatus: verify.status) {
        case .blocked: throw CardError.blocked
        case .triesLeft(let left): throw CardError.wrongPIN(triesLeft: left)
        case .noCounter: guard verify.status.isSuccess else { throw CardError.status("VERIFY", verify.status) }
        }
        try select(file: JPKIApplication.File.authKey)
        let digestInfo = DigestInfo.sha256(SHA256.hash(data: challenge))
        let r = try send(.computeDigitalSignature(keyP2: 0x80, data: digestInfo), "COMPUTE DIGITAL SIGNATURE")
        guard r.status.isSuccess, r.data.count == 256 else { throw CardError.status("COMPUTE DIGITAL SIGNATURE", r.status) }
        return r.data
    }

    /// Clears the PIN state: re-selects the AP, then resets the card.
    package mutating func finish() {
        _ = try? channel.transmit(.select(application: JPKIApplication.aid))
        _ = try? channel.reset()
    }
}

/// The qualification service's HTTP API, for terminals.
package struct QualificationServiceClient: Sendable {
    package var baseURL: URL
    package var token: String?

    package init(baseURL: URL) { self.baseURL = baseURL }

    /// Why a request failed: the service's message, or the transport's.
    package struct ServiceError: Error, CustomStringConvertible, Sendable {
        package var status: Int
        package var message: String
        package var description: String { status == 0 ? message : "the service answered \(status): \(message)" }
    }

    func call<Body: Encodable, Answer: Decodable>(_ method: String, _ path: String, _ body: Body?, headers: [String: String] = [:])
        async throws -> Answer
    {
        var request = URLRequest(url: baseURL.appendingPathComponent(path))
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = try JSONEncoder().encode(body) }
        let data: Data
        let response: URLResponse
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

    package mutating func login(terminal: Int64, password: String) async throws {
        let answer: LoginResponse = try await call("POST", "api/login", LoginRequest(terminalId: terminal, password: password))
        token = answer.token
    }

    package mutating func useAPIKey(_ key: String) {
        token = nil
        apiKey = key
    }
    var apiKey: String?

    var authHeaders: [String: String] { apiKey.map { ["X-API-Key": $0] } ?? [:] }

    package func challenge() async throws -> [UInt8] {
        let answer: ChallengeResponse = try await call("POST", "api/challenges", Optional<LoginRequest>.none, headers: authHeaders)
        return Array(Data(base64Encoded: answer.challenge) ?? Data())
    }

    package func check(_ request: QualificationRequest) async throws -> QualificationResponse {
        try await call("POST", "api/qualifications", request, headers: authHeaders)
    }

    package func register(name: String, password: String, adminToken: String) async throws -> TerminalCreated {
        try await call(
            "POST", "api/terminals", TerminalRegistration(name: name, password: password), headers: ["X-Admin-Token": adminToken])
    }
}
