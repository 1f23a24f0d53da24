import Foundation
import MynaApplications
import MynaPersona
import TestSupport
import Testing

/// The certificates, checked by openssl rather than by the code that made them.
@Suite("Test PKI, checked by openssl")
struct TestPKITests {
    static let personasWithSignature = ["yamada-taro", "sato-hanako", "tanaka-short"]
    static let allPersonas = personasWithSignature + ["suzuki-minor", "takahashi-face", "ito-revoked"]

    func openssl(_ args: [String]) throws -> Oracle.ProcessResult { try Oracle.run("openssl", args) }
    func path(_ persona: String, _ file: String) -> String { Fixtures.personas.appendingPathComponent("\(persona)/\(file)").path }
    func text(_ persona: String, _ file: String) throws -> String {
        try openssl(["x509", "-in", path(persona, file), "-noout", "-text", "-nameopt", "utf8,sep_comma_plus_space"]).stdout
    }

    @Test(arguments: allPersonas)
    func authenticationChainVerifies(_ persona: String) throws {
        let r = try openssl(["verify", "-x509_strict", "-CAfile", path(persona, "auth-ca.pem"), path(persona, "auth.pem")])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // Not against the other CA.
        #expect(try openssl(["verify", "-CAfile", path(persona, "sign-ca.pem"), path(persona, "auth.pem")]).status != 0)
    }

    @Test func revocationListAndExpiredPersona() throws {
        let crl = Fixtures.personas.appendingPathComponent("test-pki/auth-ca.crl.pem").path
        func verify(_ persona: String) throws -> Oracle.ProcessResult {
            try openssl(["verify", "-crl_check", "-CRLfile", crl, "-CAfile", path(persona, "auth-ca.pem"), path(persona, "auth.pem")])
        }
        let revoked = try verify("ito-revoked")
        #expect(revoked.status != 0 && (revoked.stdout + revoked.stderr).contains("certificate revoked"))
        #expect(try verify("yamada-taro").status == 0)
        let expired = try openssl(["verify", "-CAfile", path("kato-expired", "auth-ca.pem"), path("kato-expired", "auth.pem")])
        #expect(expired.status != 0 && (expired.stdout + expired.stderr).contains("certificate has expired"))
    }

    @Test(arguments: personasWithSignature)
    func signatureChainVerifies(_ persona: String) throws {
        let r = try openssl(["verify", "-x509_strict", "-CAfile", path(persona, "sign-ca.pem"), path(persona, "sign.pem")])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }

    @Test func caCertificatesAreShapedLikeJLISButSayTest() throws {
        let auth = try text("yamada-taro", "auth-ca.pem")
        #expect(auth.contains("Subject: C=JP, O=JPKI-TEST mynasim (NOT J-LIS), OU=JPKI for user authentication"))
        #expect(auth.contains("X509v3 Basic Constraints: critical\n                CA:TRUE"))
        #expect(auth.contains("X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign"))
        #expect(auth.contains("Public-Key: (2048 bit)"))
        let sign = try text("yamada-taro", "sign-ca.pem")
        #expect(sign.contains("OU=JPKI for digital signature"))
        #expect(sign.contains(#"DirName:/C=JP/O=\xE5\x85\xAC\xE7\x9A\x84"#))  // O=公的… (openssl escapes UTF-8 here)
        #expect(sign.contains("X509v3 CRL Distribution Points"))
    }

    @Test func authenticationCertificateCarriesNoPersonalData() throws {
        let t = try text("yamada-taro", "auth.pem")
        let subject = t.split(separator: "\n").first { $0.contains("Subject: ") }!
        #expect(subject.range(of: #"Subject: C=JP, CN=[0-9A-Z]{23}$"#, options: .regularExpression) != nil, "\(subject)")
        #expect(t.contains("Digital Signature") && !t.contains("Non Repudiation"))
        #expect(t.contains("Policy: 1.2.392.200149.8.5.1.3.30"))
        #expect(!t.contains("山田"))
        #expect(t.contains("Not After : Feb 17 14:59:59 2031 GMT"))  // 5th birthday after 2026-11-25, 23:59:59 JST
        #expect(t.contains("sha256WithRSAEncryption") && t.contains("Exponent: 65537"))
    }

    @Test func signatureCertificateHasTheSixOtherNames() throws {
        let t = try text("yamada-taro", "sign.pem")
        #expect(t.range(of: #"Subject: C=JP, L=Tokyo-to, L=Kiyose-shi, CN=\d{19}[0-9]{9}"#, options: .regularExpression) != nil)
        #expect(t.contains("Digital Signature, Non Repudiation"))
        #expect(t.contains("Policy: 1.2.392.200149.8.5.1.1.20"))
        for i in 1...6 { #expect(t.contains("othername: 1.2.392.200149.8.5.5.\(i)::"), "otherName .\(i)") }
        #expect(t.contains("1.2.392.200149.8.5.5.1::山田\u{3000}太郎"))
        #expect(t.contains("1.2.392.200149.8.5.5.3::1"))
        #expect(t.contains("1.2.392.200149.8.5.5.4::319800217"))  // 昭和 = era code 3
        #expect(t.contains("1.2.392.200149.8.5.5.5::東京都清瀬市中里５丁目８４２番地"))
        // Six, in order, as UTF8Strings.
        let der = try openssl(["asn1parse", "-in", path("yamada-taro", "sign.pem"), "-i"]).stdout
        #expect(der.components(separatedBy: "UTF8STRING").count - 1 >= 6)
    }

    @Test func privateKeysMatchAndAreNotLeakedIntoCertificates() throws {
        for persona in Self.personasWithSignature {
            let keyMod = try openssl(["rsa", "-in", path(persona, "sign.key.pem"), "-noout", "-modulus"]).stdout
            let certMod = try openssl(["x509", "-in", path(persona, "sign.pem"), "-noout", "-modulus"]).stdout
            #expect(!keyMod.isEmpty && keyMod == certMod)
        }
    }
}
