import Crypto
import Foundation
import ISO7816
import MynaApplications
import MynaCard
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
    public var cardFace: CardFace?
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

    /// The visual AP's card face (券面事項確認AP EF 0002, and EF 0001/0005 when opened).
    public struct CardFace: Codable, Sendable {
        public var birthDate: String
        public var sex: String
        public var expiry: String
        /// The images' formats and sizes, e.g. "JP2 4442 bytes".
        public var images: [String: String]
        /// The images themselves (not in JSON; `--images DIR` writes them).
        public var imageFiles: [String: [UInt8]] = [:]
        /// EF 0001's birth date (read with the birth-date key).
        public var ageRecordBirthDate: String?

        enum CodingKeys: String, CodingKey { case birthDate, sex, expiry, images, ageRecordBirthDate }
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

    /// True when something was checked and every check passed.
    public var allVerified: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }
}

/// Trust anchors for verification: the persona set's test roots, or production roots.
public struct TrustAnchors: Sendable {
    public var authCA: Certificate?
    public var signCA: Certificate?
    /// Public keys of the card-verifiable roots (券面 APs), by their 16-byte key id.
    public var cvRoots: [[UInt8]: RSAPublicKey]
    public var source: String

    /// Loads `auth-ca.pem`, `sign-ca.pem` and the CV roots' public keys (`cv-root.pub.pem`,
    /// `cv-visual-root.pub.pem`) from a directory; each is optional.
    public init(directory: URL) throws {
        func certificate(_ name: String) throws -> Certificate? {
            let url = directory.appendingPathComponent(name)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
            return try Certificate(pemEncoded: text)
        }
        authCA = try certificate("auth-ca.pem")
        signCA = try certificate("sign-ca.pem")
        cvRoots = [:]
        for hierarchy in CVHierarchy.all {
            let url = directory.appendingPathComponent(hierarchy.files.rootPublicKey)
            guard let pem = try? String(contentsOf: url, encoding: .utf8) else { continue }
            let primitives = try _RSA.Signing.PublicKey(pemRepresentation: pem).getKeyPrimitives()
            cvRoots[hierarchy.rootKeyID] = RSAPublicKey(modulus: Array(primitives.modulus), exponent: Array(primitives.publicExponent))
        }
        source = directory.path
    }
}
