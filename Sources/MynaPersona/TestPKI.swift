import Crypto
import Foundation
import MynaApplications
import MynaCard
import SwiftASN1
import X509
import _CryptoExtras

/// The project's own stand-in for J-LIS: an authentication CA and a signature CA with the DN
/// shape and extensions of card reference §jpki-ca-certificates, and an organisation that says plainly it is a test CA (card reference
/// §decision-test-pki). Nothing here verifies against production roots, by design.
public struct TestPKI: Sendable {
    /// One CA: its key and self-signed certificate.
    public struct Authority: Sendable {
        public var key: RSAPrivateKey
        public var certificate: Certificate
    }

    public var authentication: Authority
    public var signature: Authority
    /// The CV hierarchies of the 券面 APs (card reference §cv-certificates): a test root and an issuing key per AP.
    public var cardVerifiable: CardVerifiableKeys

    /// One AP's CV hierarchy: the root (certifier), the issuing key it certified, and the issuer's
    /// CV certificate (the AP's EF 0004).
    public struct CardVerifiableIssuer: Sendable {
        public var hierarchy: CVHierarchy
        public var root: RSAPrivateKey
        public var issuer: RSAPrivateKey
        public var certificate: [UInt8]

        static func generate(_ hierarchy: CVHierarchy) throws -> CardVerifiableIssuer {
            let root = try RSAPrivateKey.generate()
            let issuer = try RSAPrivateKey.generate()
            return CardVerifiableIssuer(
                hierarchy: hierarchy, root: root, issuer: issuer,
                certificate: try CVHierarchy.certificate(
                    subjectKeyID: hierarchy.issuerKeyID, subject: issuer, certifierKeyID: hierarchy.rootKeyID, certifier: root))
        }

        /// Loads the hierarchy's files from a PKI directory; nil when they do not exist yet.
        static func load(_ hierarchy: CVHierarchy, from directory: URL) throws(PersonaError) -> CardVerifiableIssuer? {
            let certificateURL = directory.appendingPathComponent(hierarchy.files.issuerCertificate)
            guard FileManager.default.fileExists(atPath: certificateURL.path) else { return nil }
            guard let certificate = FileManager.default.contents(atPath: certificateURL.path) else {
                throw .missingFile(certificateURL.path, reason: "cannot read")
            }
            return CardVerifiableIssuer(
                hierarchy: hierarchy,
                root: try PEMFiles.readKey(directory.appendingPathComponent(hierarchy.files.rootKey)),
                issuer: try PEMFiles.readKey(directory.appendingPathComponent(hierarchy.files.issuerKey)),
                certificate: Array(certificate))
        }

        func save(to directory: URL) throws(PersonaError) {
            let files = hierarchy.files
            try PEMFiles.writeKey(root, to: directory.appendingPathComponent(files.rootKey))
            try PEMFiles.writeText(root.publicKeyPEM + "\n", to: directory.appendingPathComponent(files.rootPublicKey), mode: 0o644)
            try PEMFiles.writeKey(issuer, to: directory.appendingPathComponent(files.issuerKey))
            let url = directory.appendingPathComponent(files.issuerCertificate)
            do { try DurableFile.write(Data(certificate), to: url, mode: 0o644) } catch {
                throw .cannotWrite(url.path, reason: error.description)
            }
        }
    }

    /// The text AP's and the visual AP's CV hierarchies.
    public struct CardVerifiableKeys: Sendable {
        public var text: CardVerifiableIssuer
        public var visual: CardVerifiableIssuer

        static func generate() throws -> CardVerifiableKeys {
            CardVerifiableKeys(text: try .generate(.text), visual: try .generate(.visual))
        }
    }

    /// File names inside a PKI directory (the CV hierarchies name theirs in `CVHierarchy`).
    enum FileName {
        static let authCA = "auth-ca.pem"
        static let authCAKey = "auth-ca.key.pem"
        static let signCA = "sign-ca.pem"
        static let signCAKey = "sign-ca.key.pem"
    }

    /// The organisation in every test CA name.
    public static let organisation = "JPKI-TEST mynasim (NOT J-LIS)"

    static func caName(_ purpose: String) throws -> DistinguishedName {
        try DistinguishedName {
            CountryName("JP")
            OrganizationName(organisation)
            OrganizationalUnitName(purpose)
            OrganizationalUnitName("mynasim test hierarchy - not valid for any real use")
        }
    }

    /// The DN of the authentication CA.
    public static func authenticationCAName() throws -> DistinguishedName { try caName("JPKI for user authentication") }
    /// The DN of the signature CA.
    public static func signatureCAName() throws -> DistinguishedName { try caName("JPKI for digital signature") }

    /// Generates both CAs, valid for ten years from `start`.
    public static func generate(start: CalendarDate) throws -> TestPKI {
        func authority(_ name: DistinguishedName, isSignatureCA: Bool) throws -> Authority {
            let key = try RSAPrivateKey.generate()
            let publicKey = Certificate.PublicKey(try key.swiftCryptoKey.publicKey)
            let expiry = CalendarDate(year: start.year + 10, month: start.month, day: start.day) ?? start.anniversary(in: start.year + 10)
            let certificate = try Certificate(
                version: .v3,
                serialNumber: .init(),
                publicKey: publicKey,
                notValidBefore: start.startOfDayInJapan,
                notValidAfter: expiry.endOfDayInJapan,
                issuer: name,
                subject: name,
                signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: publicKey)
                    if isSignatureCA {
                        SubjectAlternativeNames([
                            .directoryName(
                                try DistinguishedName {
                                    CountryName("JP")
                                    OrganizationName("公的個人認証サービス (テスト用 mynasim)")
                                })
                        ])
                    }
                    try CertificateExtensions.crlDistributionPoint(directoryName: name)
                },
                issuerPrivateKey: .init(try key.swiftCryptoKey)
            )
            return Authority(key: key, certificate: certificate)
        }
        return TestPKI(
            authentication: try authority(authenticationCAName(), isSignatureCA: false),
            signature: try authority(signatureCAName(), isSignatureCA: true),
            cardVerifiable: try CardVerifiableKeys.generate()
        )
    }

    /// Loads a PKI directory.
    public static func load(from directory: URL) throws(PersonaError) -> TestPKI {
        func authority(cert: String, key: String) throws(PersonaError) -> Authority {
            Authority(
                key: try PEMFiles.readKey(directory.appendingPathComponent(key)),
                certificate: try PEMFiles.readCertificate(directory.appendingPathComponent(cert))
            )
        }
        // A PKI made before a 券面 AP existed gains that AP's CV hierarchy on first use.
        func hierarchy(_ h: CVHierarchy) throws(PersonaError) -> CardVerifiableIssuer {
            if let loaded = try CardVerifiableIssuer.load(h, from: directory) { return loaded }
            let fresh: CardVerifiableIssuer
            do { fresh = try .generate(h) } catch {
                throw .cannotWrite(
                    directory.path, reason: "generating the test CV issuer keys failed (is the system's random source available?)")
            }
            try fresh.save(to: directory)
            return fresh
        }
        let cv = CardVerifiableKeys(text: try hierarchy(.text), visual: try hierarchy(.visual))
        return TestPKI(
            authentication: try authority(cert: FileName.authCA, key: FileName.authCAKey),
            signature: try authority(cert: FileName.signCA, key: FileName.signCAKey),
            cardVerifiable: cv
        )
    }

    /// Loads the PKI in `directory`, or creates it there if it does not exist yet.
    public static func loadOrCreate(at directory: URL, start: CalendarDate) throws(PersonaError) -> (TestPKI, created: Bool) {
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(FileName.authCA).path) {
            return (try load(from: directory), false)
        }
        let pki: TestPKI
        do { pki = try generate(start: start) } catch {
            throw .cannotWrite(directory.path, reason: "generating the test CAs' keys and certificates failed")
        }
        try pki.save(to: directory)
        return (pki, true)
    }

    /// Writes the CA certificates (0644) and keys (0600).
    public func save(to directory: URL) throws(PersonaError) {
        try PEMFiles.makeDirectory(directory)
        try PEMFiles.writeCertificate(authentication.certificate, to: directory.appendingPathComponent(FileName.authCA))
        try PEMFiles.writeKey(authentication.key, to: directory.appendingPathComponent(FileName.authCAKey))
        try PEMFiles.writeCertificate(signature.certificate, to: directory.appendingPathComponent(FileName.signCA))
        try PEMFiles.writeKey(signature.key, to: directory.appendingPathComponent(FileName.signCAKey))
        try cardVerifiable.text.save(to: directory)
        try cardVerifiable.visual.save(to: directory)
    }
}

/// Extensions swift-certificates has no type for, hand-encoded with swift-asn1.
enum CertificateExtensions {
    static let certificatePoliciesOID: ASN1ObjectIdentifier = [2, 5, 29, 32]
    static let crlDistributionPointsOID: ASN1ObjectIdentifier = [2, 5, 29, 31]

    /// certificatePolicies with one policy OID and no qualifiers (non-critical).
    static func certificatePolicies(_ policy: ASN1ObjectIdentifier) throws -> Certificate.Extension {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { outer in
            try outer.appendConstructedNode(identifier: .sequence) { info in
                try info.serialize(policy)
            }
        }
        return Certificate.Extension(oid: certificatePoliciesOID, critical: false, value: serializer.serializedBytes[...])
    }

    /// cRLDistributionPoints with one DirName full name, as J-LIS certificates carry.
    static func crlDistributionPoint(directoryName: DistinguishedName) throws -> Certificate.Extension {
        var serializer = DER.Serializer()
        let zero = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
        try serializer.appendConstructedNode(identifier: .sequence) { points in
            try points.appendConstructedNode(identifier: .sequence) { point in
                try point.appendConstructedNode(identifier: zero) { pointName in
                    try pointName.appendConstructedNode(identifier: zero) { fullName in
                        try fullName.serialize(GeneralName.directoryName(directoryName))
                    }
                }
            }
        }
        return Certificate.Extension(oid: crlDistributionPointsOID, critical: false, value: serializer.serializedBytes[...])
    }
}
