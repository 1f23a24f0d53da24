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
package struct CardReport: Codable, Sendable {
    package var atr: String
    package var tokenLabel: String?
    package var triesLeft: [String: Int] = [:]
    package var certificates: [CertificateSummary] = []
    package var myNumber: String?
    package var attributes: Attributes?
    package var commonRecord: CommonRecord?
    package var cardFace: CardFace?
    /// Every check with its outcome, e.g. "auth certificate signed by the auth CA".
    package var checks: [Check] = []
    package var notes: [String] = []

    package struct CertificateSummary: Codable, Sendable {
        package var ef: String
        package var role: String
        package var subject: String
        package var issuer: String
        package var notValidAfter: String
        package var der: String
    }

    package struct Attributes: Codable, Sendable {
        package var name: String
        package var address: String
        package var birthDate: String
        package var sex: String
    }

    /// The visual AP's card face (券面事項確認AP EF 0002, and EF 0001/0005 when opened).
    package struct CardFace: Codable, Sendable {
        package var birthDate: String
        package var sex: String
        package var expiry: String
        /// The images' formats and sizes, e.g. "JP2 4442 bytes".
        package var images: [String: String]
        /// The images themselves (not in JSON; `--images DIR` writes them).
        package var imageFiles: [String: [UInt8]] = [:]
        /// EF 0001's birth date (read with the birth-date key).
        package var ageRecordBirthDate: String?

        enum CodingKeys: String, CodingKey { case birthDate, sex, expiry, images, ageRecordBirthDate }
    }

    package struct CommonRecord: Codable, Sendable {
        package var serialNumber: String
        package var municipalityCode: String
        package var expiry: String
    }

    package struct Check: Codable, Sendable {
        package var what: String
        package var passed: Bool
    }

    /// True when something was checked and every check passed.
    package var allVerified: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }
}

/// Trust anchors for verification: the persona set's test roots, or production roots.
package struct TrustAnchors: Sendable {
    package var authCA: Certificate?
    package var signCA: Certificate?
    /// Public keys of the card-verifiable roots (券面 APs), by their 16-byte key id.
    package var cvRoots: [[UInt8]: RSAPublicKey]
    package var source: String

    /// Loads `auth-ca.pem`, `sign-ca.pem` and the CV roots' public keys (`cv-root.pub.pem`,
    /// `cv-visual-root.pub.pem`) from a directory; each is optional.
    package init(directory: URL) throws {
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
