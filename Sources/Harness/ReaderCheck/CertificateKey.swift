import ISO7816
import MynaApplications

/// The RSA public key of an X.509 certificate (SubjectPublicKeyInfo), read with the project's
/// BER-TLV parser, so a signature the card made can be checked against the certificate it holds.
enum CertificateKey {
    static func rsaKey(_ certificate: [UInt8]) -> RSAPublicKey? {
        guard let outer = try? BERTLV(parsing: certificate), let tbs = try? outer.children().first,
            let fields = try? tbs.children()
        else { return nil }
        // version [0] is optional; subjectPublicKeyInfo follows serial, signature, issuer, validity, subject.
        let index = fields.first?.tag == 0xA0 ? 6 : 5
        guard fields.count > index, let info = try? fields[index].children(), info.count == 2, info[1].tag == 0x03,
            info[1].value.first == 0, let key = try? BERTLV(parsing: Array(info[1].value.dropFirst())),
            let parts = try? key.children(), parts.count == 2
        else { return nil }
        return RSAPublicKey(modulus: parts[0].value, exponent: parts[1].value)
    }
}
