/// The mock qualification service's HTTP JSON API (資格確認限定型), shared by the service and its
/// clients. The wire contract is `QualificationAPI.openAPIDocument` (served at `/openapi.yaml`).

/// `POST /api/terminals` (header `X-Admin-Token`): register a terminal with a password.
public struct TerminalRegistration: Codable, Sendable {
    public var name: String
    public var password: String
    public init(name: String, password: String) {
        self.name = name
        self.password = password
    }
}

/// A registered terminal: its id and an API key (shown once).
public struct TerminalCreated: Codable, Sendable {
    public var terminalId: Int64
    public var apiKey: String
    public init(terminalId: Int64, apiKey: String) {
        self.terminalId = terminalId
        self.apiKey = apiKey
    }
}

/// `POST /api/login`: a terminal logs in with its password.
public struct LoginRequest: Codable, Sendable {
    public var terminalId: Int64
    public var password: String
    public init(terminalId: Int64, password: String) {
        self.terminalId = terminalId
        self.password = password
    }
}

/// A bearer token for `Authorization: Bearer …`, valid until `expiresAt` (ISO 8601).
public struct LoginResponse: Codable, Sendable {
    public var token: String
    public var expiresAt: String
    public init(token: String, expiresAt: String) {
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// `POST /api/challenges`: 32 random bytes (base64) for the PIN method, single use.
public struct ChallengeResponse: Codable, Sendable {
    public var challenge: String
    public var expiresAt: String
    public init(challenge: String, expiresAt: String) {
        self.challenge = challenge
        self.expiresAt = expiresAt
    }
}

/// How the patient's identity was confirmed.
public enum IdentityMethod: String, Codable, Sendable, CaseIterable {
    /// 目視: staff compared the card photo with the patient.
    case visual
    /// 暗証番号: the patient entered the 4-digit PIN; the card signed the challenge.
    case pin

    public var japanese: String { self == .visual ? "目視確認" : "暗証番号" }
}

/// `POST /api/qualifications`: the authentication certificate (base64 DER), the method, and for
/// the PIN method the challenge and the card's signature over it (sha256WithRSAEncryption, base64).
public struct QualificationRequest: Codable, Sendable {
    public var certificate: String
    public var method: IdentityMethod
    public var challenge: String?
    public var signature: String?
    public init(certificate: String, method: IdentityMethod, challenge: String? = nil, signature: String? = nil) {
        self.certificate = certificate
        self.method = method
        self.challenge = challenge
        self.signature = signature
    }
}

/// The outcome of a check.
public enum QualificationResult: String, Codable, Sendable, CaseIterable {
    case qualified
    /// The person is known but holds no valid qualification (lost, not yet valid, none).
    case noQualification = "no-qualification"
    case expiredCertificate = "expired-certificate"
    case revokedCertificate = "revoked-certificate"
    /// A certificate from the authentication CA that the service has no person for.
    case unknownCard = "unknown-card"

    /// As the result screen says it.
    public var japanese: String {
        switch self {
        case .qualified: return "資格あり"
        case .noQualification: return "資格なし"
        case .expiredCertificate: return "電子証明書の有効期限切れ"
        case .revokedCertificate: return "電子証明書失効"
        case .unknownCard: return "該当なし（未登録のカード）"
        }
    }
}

/// The person as the insurer knows them.
public struct PersonInfo: Codable, Sendable, Hashable {
    public var name: String
    public var kana: String
    public var birthDate: String
    public var sex: String
    public init(name: String, kana: String, birthDate: String, sex: String) {
        self.name = name
        self.kana = kana
        self.birthDate = birthDate
        self.sex = sex
    }
}

/// The qualification record (資格情報).
public struct QualificationRecord: Codable, Sendable, Hashable {
    public var insurerNumber: String
    public var insurerName: String
    public var symbol: String
    public var number: String
    public var branch: String
    /// `insured` (本人) or `dependant` (家族).
    public var relationship: String
    public var copayRatio: Int
    public var validFrom: String
    public var validTo: String?
    public var limitCategory: String?
    public init(
        insurerNumber: String, insurerName: String, symbol: String, number: String, branch: String, relationship: String,
        copayRatio: Int, validFrom: String, validTo: String?, limitCategory: String?
    ) {
        self.insurerNumber = insurerNumber
        self.insurerName = insurerName
        self.symbol = symbol
        self.number = number
        self.branch = branch
        self.relationship = relationship
        self.copayRatio = copayRatio
        self.validFrom = validFrom
        self.validTo = validTo
        self.limitCategory = limitCategory
    }
}

/// The answer to a qualification request.
public struct QualificationResponse: Codable, Sendable {
    public var checkId: Int64
    public var result: QualificationResult
    public var message: String
    public var method: IdentityMethod
    public var checkedAt: String
    public var person: PersonInfo?
    /// The record (also the lost one, for `no-qualification`, when there is one).
    public var qualification: QualificationRecord?
    public init(
        checkId: Int64, result: QualificationResult, message: String, method: IdentityMethod, checkedAt: String,
        person: PersonInfo?, qualification: QualificationRecord?
    ) {
        self.checkId = checkId
        self.result = result
        self.message = message
        self.method = method
        self.checkedAt = checkedAt
        self.person = person
        self.qualification = qualification
    }
}

/// `GET /api/checks`: recent checks, newest first.
public struct CheckSummary: Codable, Sendable {
    public var checkId: Int64
    public var checkedAt: String
    public var terminalId: Int64?
    public var method: String?
    public var result: String
    public var name: String?
    public init(checkId: Int64, checkedAt: String, terminalId: Int64?, method: String?, result: String, name: String?) {
        self.checkId = checkId
        self.checkedAt = checkedAt
        self.terminalId = terminalId
        self.method = method
        self.result = result
        self.name = name
    }
}

/// The list `GET /api/checks` answers.
public struct CheckList: Codable, Sendable {
    public var checks: [CheckSummary]
    public init(checks: [CheckSummary]) { self.checks = checks }
}

/// Every error body: `{"error": {"message": "…"}}` with a 4xx status.
public struct ErrorBody: Codable, Sendable {
    public struct Detail: Codable, Sendable { public var message: String }
    public var error: Detail
}
