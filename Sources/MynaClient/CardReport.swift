import Crypto
import Foundation
import ISO7816
import MynaPersona
import SwiftASN1
import X509
import _CryptoExtras

/// What `mynasim read` found on a card, and what it could verify.
public struct CardReport: Codable, Sendable {
    public var atr: String
    public var tokenLabel: String?
    public var triesLeft: [String: Int] = [:]
    public var certificates: [CertificateSummary] = []
    public var myNumber: String?
    public var attributes: Attributes?
    public var commonRecord: CommonRecord?
    /// Every check with its outcome, e.g. "auth certificate signed by the auth CA".
    public var checks: [Check] = []
    public var notes: [String] = []

    public struct CertificateSummary: Codable, Sendable {
        public var ef: String
        public var role: String
        public var subject: String
        public var issuer: String
        public var notValidAfter: String
        public var der: String
    }

    public struct Attributes: Codable, Sendable {
        public var name: String
        public var address: String
        public var birthDate: String
        public var sex: String
    }

    public struct CommonRecord: Codable, Sendable {
        public var serialNumber: String
        public var municipalityCode: String
        public var expiry: String
    }

    public struct Check: Codable, Sendable {
        public var what: String
        public var passed: Bool
    }

    /// True when every check passed.
    public var allVerified: Bool { checks.allSatisfy(\.passed) }
}

/// Trust anchors for verification: the persona set's test roots, or production roots.
public struct TrustAnchors: Sendable {
    public var authCA: Certificate?
    public var signCA: Certificate?
    /// The public key of the card-verifiable root (券面 APs).
    public var cvRoot: _RSA.Signing.PublicKey?
    public var source: String

    /// Loads `auth-ca.pem`, `sign-ca.pem` and `cv-root.pub.pem` from a directory (each optional).
    public init(directory: URL) throws {
        func certificate(_ name: String) throws -> Certificate? {
            let url = directory.appendingPathComponent(name)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
            return try Certificate(pemEncoded: text)
        }
        authCA = try certificate("auth-ca.pem")
        signCA = try certificate("sign-ca.pem")
        let cvURL = directory.appendingPathComponent("cv-root.pub.pem")
        cvRoot = try (try? String(contentsOf: cvURL, encoding: .utf8)).map { try _RSA.Signing.PublicKey(pemRepresentation: $0) }
        source = directory.path
    }
}
