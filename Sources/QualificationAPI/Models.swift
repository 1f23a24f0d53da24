/// The mock qualification service's HTTP JSON API (資格確認限定型), shared by the service and its
/// clients. The wire contract is `QualificationAPI.openAPIDocument` (served at `/openapi.yaml`).

/// `POST /api/terminals` (header `X-Admin-Token`): register a terminal with a password.
package struct TerminalRegistration: Codable, Sendable {
    package var name: String
    package var password: String
    package init(name: String, password: String) {
        self.name = name
        self.password = password
    }
}

/// A registered terminal: its id and an API key (shown once).
package struct TerminalCreated: Codable, Sendable {
    package var terminalId: Int64
    package var apiKey: String
    package init(terminalId: Int64, apiKey: String) {
        self.terminalId = terminalId
        self.apiKey = apiKey
    }
}

/// `POST /api/login`: a terminal logs in with its password.
package struct LoginRequest: Codable, Sendable {
    package var terminalId: Int64
    package var password: String
    package init(terminalId: Int64, password: String) {
        self.terminalId = terminalId
        self.password = password
    }
}

/// A bearer token for `Authorization: Bearer …`, valid until `expiresAt` (ISO 8601).
package struct LoginResponse: Codable, Sendable {
    package var token: String
    package var expiresAt: String
    package init(token: String, expiresAt: String) {
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// `POST /api/challenges`: 32 random bytes (base64) for the PIN method, single use.
package struct ChallengeResponse: Codable, Sendable {
    package var challenge: String
    package var expiresAt: String
    package init(challenge: String, expiresAt: String) {
        self.challenge = challenge
        self.expiresAt = expiresAt
    }
}

/// How the patient's identity was confirmed.
package enum IdentityMethod: String, Codable, Sendable, CaseIterable {
    /// 目視: staff compared the card photo with the patient.
    case visual
    /// 暗証番号: the patient entered the 4-digit PIN; the card signed the challenge.
    case pin

    package var japanese: String { self == .visual ? "目視確認" : "暗証番号" }
}

/// `POST /api/qualifications`: the authentication certificate (base64 DER), the method, and for
/// the PIN method the challenge and the card's signature over it (sha256WithRSAEncryption, base64).
package struct QualificationRequest: Codable, Sendable {
    package var certificate: String
    package var method: IdentityMethod
    package var challenge: String?
    package var signature: String?
    package init(certificate: String, method: IdentityMethod, challenge: String? = nil, signature: String? = nil) {
        self.certificate = certificate
        self.method = method
        self.challenge = challenge
        self.signature = signature
    }
}

/// The outcome of a check.
package enum QualificationResult: String, Codable, Sendable, CaseIterable {
    case qualified
    /// The person is known but holds no valid qualification (lost, not yet valid, none).
    case noQualification = "no-qualification"
    case expiredCertificate = "expired-certificate"
    case revokedCertificate = "revoked-certificate"
    /// A certificate from the authentication CA that the service has no person for.
    case unknownCard = "unknown-card"

    /// As the result screen says it.
    package var japanese: String {
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
package struct PersonInfo: Codable, Sendable, Hashable {
    package var name: String
    package var kana: String
    package var birthDate: String
    package var sex: String
    package init(name: String, kana: String, birthDate: String, sex: String) {
        self.name = name
        self.kana = kana
        self.birthDate = birthDate
        self.sex = sex
    }
}

/// The qualification record (資格情報).
package struct QualificationRecord: Codable, Sendable, Hashable {
    package var insurerNumber: String
    package var insurerName: String
    package var symbol: String
    package var number: String
    package var branch: String
    /// `insured` (本人) or `dependant` (家族).
    package var relationship: String
    package var copayRatio: Int
    package var validFrom: String
    package var validTo: String?
    package var limitCategory: String?
    package init(
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
package struct QualificationResponse: Codable, Sendable {
    package var checkId: Int64
    package var result: QualificationResult
    package var message: String
    package var method: IdentityMethod
    package var checkedAt: String
    package var person: PersonInfo?
    /// The record (also the lost one, for `no-qualification`, when there is one).
    package var qualification: QualificationRecord?
    package init(
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
package struct CheckSummary: Codable, Sendable {
    package var checkId: Int64
    package var checkedAt: String
    package var terminalId: Int64?
    package var method: String?
    package var result: String
    package var name: String?
    package init(checkId: Int64, checkedAt: String, terminalId: Int64?, method: String?, result: String, name: String?) {
        self.checkId = checkId
        self.checkedAt = checkedAt
        self.terminalId = terminalId
        self.method = method
        self.result = result
        self.name = name
    }
}

/// The list `GET /api/checks` answers.
package struct CheckList: Codable, Sendable {
    package var checks: [CheckSummary]
    package init(checks: [CheckSummary]) { self.checks = checks }
}

/// Every error body: `{"error": {"message": "…"}}` with a 4xx status.
package struct ErrorBody: Codable, Sendable {
    package struct Detail: Codable, Sendable { package var message: String }
    package var error: Detail
}
