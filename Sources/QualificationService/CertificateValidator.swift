import Crypto
import Foundation
import ISO7816
import SwiftASN1
import X509
import _CryptoExtras

/// Checks an authentication certificate the way the qualification service must: issued by the
/// (test) JPKI authentication CA, inside its validity period, not on the CA's revocation list, and
/// for the PIN method, that the card's key signed the service's challenge.
package struct CertificateValidator: Sendable {
    package let authCA: Certificate
    /// Serial numbers (DER INTEGER content, hex) on the CA's CRL.
    package let revokedSerials: Set<String>

    /// Why a certificate or CRL was refused.
    package enum Problem: Error, CustomStringConvertible, Sendable {
        case badCRL(String)
        package var description: String {
            switch self {
            case .badCRL(let message): return "revocation list: \(message)"
            }
        }
    }

    /// Loads the CA and, if given, its CRL (PEM or DER), whose signature must verify under the CA.
    package init(authCA: Certificate, crl: [UInt8]?) throws(Problem) {
        self.authCA = authCA
        guard let crl else {
            revokedSerials = []
            return
        }
        revokedSerials = try Self.revokedSerials(crl, issuer: authCA)
    }

    /// Parses a CRL (RFC 5280 §5.1) with swift-asn1 and returns its revoked serial numbers.
    static func revokedSerials(_ bytes: [UInt8], issuer: Certificate) throws(Problem) -> Set<String> {
        var der = bytes
        if let text = String(bytes: bytes, encoding: .utf8), text.contains("-----BEGIN X509 CRL-----") {
            guard let document = try? PEMDocument(pemString: text) else { throw .badCRL("not a PEM X509 CRL") }
            der = Array(document.derBytes)
        }
        do {
            let root = try DER.parse(der)
            guard case .constructed(let parts) = root.content else { throw Problem.badCRL("not a SEQUENCE") }
            let nodes = Array(parts)
            guard nodes.count == 3, case .constructed(let tbsParts) = nodes[0].content, case .primitive(let bits) = nodes[2].content,
                bits.count > 1
            else { throw Problem.badCRL("not a CertificateList") }
            // The signature: sha256WithRSAEncryption over tbsCertList, by the CA's key.
            let key = try _RSA.Signing.PublicKey(derRepresentation: Array(issuer.publicKey.subjectPublicKeyInfoBytes))
            let signature = _RSA.Signing.RSASignature(rawRepresentation: Array(bits.dropFirst()))
            guard key.isValidSignature(signature, for: SHA256.hash(data: Array(nodes[0].encodedBytes)), padding: .insecurePKCS1v1_5) else {
                throw Problem.badCRL("its signature does not verify under the authentication CA")
            }
            // tbsCertList: version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?, [0] extensions?
            var serials: Set<String> = []
            for node in tbsParts where node.identifier == .sequence {
                guard case .constructed(let entries) = node.content else { continue }
                for entry in entries {
                    guard entry.identifier == .sequence, case .constructed(let fields) = entry.content,
                        let first = fields.first(where: { _ in true }), first.identifier == .integer,
                        case .primitive(let serial) = first.content
                    else { continue }
                    serials.insert(Self.normalizedSerial(Array(serial)))
                }
            }
            return serials
        } catch let problem as Problem {
            throw problem
        } catch {
            throw .badCRL("not a DER X.509 CRL (its ASN.1 does not parse, or the CA's key is not RSA)")
        }
    }

    /// The serial number as the store and the CRL write it: hex without leading zero bytes (a DER
    /// INTEGER carries a 00 before a first byte ≥ 80; swift-certificates' serial does not).
    package static func serial(_ certificate: Certificate) -> String { normalizedSerial(Array(certificate.serialNumber.bytes)) }

    static func normalizedSerial(_ bytes: [UInt8]) -> String { Hex.encode(Array(bytes.drop { $0 == 0 })) }

    package func isIssuedByCA(_ certificate: Certificate) -> Bool {
        certificate.issuer == authCA.subject && authCA.publicKey.isValidSignature(certificate.signature, for: certificate)
    }

    package func isRevoked(_ certificate: Certificate) -> Bool { revokedSerials.contains(Self.serial(certificate)) }

    package func isValid(_ certificate: Certificate, at now: Date) -> Bool {
        certificate.notValidBefore <= now && now <= certificate.notValidAfter
    }

    /// Whether `signature` is sha256WithRSAEncryption over `challenge` by the certificate's key
    /// (what the card's key 0017 makes of the challenge's SHA-256 DigestInfo).
    package func isValidChallengeSignature(_ signature: [UInt8], challenge: [UInt8], certificate: Certificate) -> Bool {
        guard let key = try? _RSA.Signing.PublicKey(derRepresentation: Array(certificate.publicKey.subjectPublicKeyInfoBytes)) else {
            return false
        }
        return key.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: challenge), padding: .insecurePKCS1v1_5)
    }
}

extension CertificateValidator {
    /// The validator of a test PKI directory: its `auth-ca.pem` and, when present, `auth-ca.crl.pem`.
    package init(pkiDirectory directory: URL) throws(SetupError) {
        let caURL = directory.appendingPathComponent("auth-ca.pem")
        guard let text = try? String(contentsOf: caURL, encoding: .utf8) else {
            throw .missing(caURL.path, "the authentication CA certificate (a persona set's test-pki/ has it; give --pki DIR)")
        }
        let ca: Certificate
        do { ca = try Certificate(pemEncoded: text) } catch { throw .invalid(caURL.path, "not a PEM certificate") }
        let crlURL = directory.appendingPathComponent("auth-ca.crl.pem")
        do {
            try self.init(authCA: ca, crl: FileManager.default.contents(atPath: crlURL.path).map(Array.init))
        } catch {
            throw .invalid(crlURL.path, error.description)
        }
    }
}

/// Why the service cannot start: a file and what is wrong with it.
package enum SetupError: Error, Hashable, Sendable, CustomStringConvertible {
    case missing(String, String)
    case invalid(String, String)

    package var description: String {
        switch self {
        case .missing(let path, let what): return "\(path): missing: \(what)"
        case .invalid(let path, let problem): return "\(path): \(problem)"
        }
    }
}
