import Foundation
import MynaApplications
import MynaCard
import SwiftASN1
import X509

/// Issues a persona's two JPKI end-entity certificates from the test PKI (card reference §jpki-end-entity-certificates, §decision-test-pki).
public enum CertificateIssuer {
    /// Policy OIDs J-LIS uses (registered in public OID lists).
    static let authenticationPolicy: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 1, 3, 30]
    static let signaturePolicy: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 1, 1, 20]

    /// The six otherName types of the signature certificate's SAN (`1.2.392.200149.8.5.5.1`–`.6`).
    public enum SubjectAltNameField: Int, CaseIterable, Sendable {
        case name = 1
        case nameAlternate
        case sex
        case birthDate
        case address
        case addressAlternate
        public var oid: ASN1ObjectIdentifier { [1, 2, 392, 200149, 8, 5, 5, UInt(rawValue)] }
    }

    /// 利用者証明用電子証明書: subject `C=JP, CN=<opaque id>`, no personal data.
    public static func authenticationCertificate(
        for persona: Persona, key: RSAPrivateKey, subjectID: String, pki: TestPKI
    ) throws -> Certificate {
        let subject = try DistinguishedName {
            CountryName("JP")
            CommonName(subjectID)
        }
        return try issue(
            persona: persona, key: key, subject: subject, authority: pki.authentication,
            keyUsage: KeyUsage(digitalSignature: true), policy: authenticationPolicy, altNames: nil
        )
    }

    /// 署名用電子証明書: subject `C=JP, L=<prefecture>, L=<city>, CN=<request id>`, SAN with the
    /// 基本4情報 as six UTF8String otherNames.
    public static func signatureCertificate(
        for persona: Persona, key: RSAPrivateKey, subjectID: String, pki: TestPKI
    ) throws -> Certificate {
        let subject = try DistinguishedName {
            CountryName("JP")
            LocalityName(persona.addressRomaji.prefecture)
            LocalityName(persona.addressRomaji.city)
            CommonName(subjectID)
        }
        let era = persona.birthDate.japaneseEra.era
        let values: [SubjectAltNameField: String] = [
            .name: persona.name, .nameAlternate: persona.name, .sex: persona.sex.code,
            .birthDate: "\(era.rawValue)\(persona.birthDate.compact)",
            .address: persona.address, .addressAlternate: persona.address,
        ]
        let names = try SubjectAltNameField.allCases.map { field in
            GeneralName.otherName(.init(typeID: field.oid, value: try ASN1Any(erasing: ASN1UTF8String(values[field]!))))
        }
        return try issue(
            persona: persona, key: key, subject: subject, authority: pki.signature,
            keyUsage: KeyUsage(digitalSignature: true, nonRepudiation: true), policy: signaturePolicy,
            altNames: SubjectAlternativeNames(names)
        )
    }

    private static func issue(
        persona: Persona, key: RSAPrivateKey, subject: DistinguishedName, authority: TestPKI.Authority,
        keyUsage: KeyUsage, policy: ASN1ObjectIdentifier, altNames: SubjectAlternativeNames?
    ) throws -> Certificate {
        let publicKey = Certificate.PublicKey(try key.swiftCryptoKey.publicKey)
        let issuerKeyID = try authority.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        return try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: publicKey,
            notValidBefore: persona.card.issued.startOfDayInJapan,
            notValidAfter: persona.certificateExpiry.endOfDayInJapan,
            issuer: authority.certificate.subject,
            subject: subject,
            signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions {
                Critical(keyUsage)
                AuthorityKeyIdentifier(keyIdentifier: issuerKeyID)
                SubjectKeyIdentifier(hash: publicKey)
                try CertificateExtensions.certificatePolicies(policy)
                if let altNames { altNames }
                try CertificateExtensions.crlDistributionPoint(directoryName: authority.certificate.subject)
            },
            issuerPrivateKey: .init(try authority.key.swiftCryptoKey)
        )
    }

    /// An opaque 23-character subject id shaped like a real one (e.g. `997794E9AGCIEG13221003A`).
    public static func randomAuthenticationSubjectID<R: RandomNumberGenerator>(municipalityCode: String, using rng: inout R) -> String {
        let hex = Array("0123456789ABCDEF")
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let part1 = String((0..<8).map { _ in hex.randomElement(using: &rng)! })
        let part2 = String((0..<6).map { _ in letters.randomElement(using: &rng)! })
        return part1 + part2 + municipalityCode + String(format: "%03d", Int.random(in: 0...999, using: &rng)) + "A"
    }

    /// The signature certificate's CN: request time `YYYYMMDDhhmmss` + 5-digit sequence + 9-character office code.
    public static func signatureSubjectID<R: RandomNumberGenerator>(issued: CalendarDate, municipalityCode: String, using rng: inout R)
        -> String
    {
        let time =
            issued.compact
            + String(
                format: "%02d%02d%02d", Int.random(in: 9...16, using: &rng), Int.random(in: 0...59, using: &rng),
                Int.random(in: 0...59, using: &rng))
        let office = municipalityCode + String(format: "%04d", 1)  // the municipality's first office
        return time + String(format: "%05d", Int.random(in: 0...99_999, using: &rng)) + office
    }
}
