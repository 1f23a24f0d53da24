import ISO7816

/// An RSA public key as the card writes one: `90` the exponent, `91` the modulus (card reference §tlv-encoding).
/// The verification operations are in `MynaCard`; this is the value and its encoding.
public struct RSAPublicKey: Hashable, Sendable {
    /// Big-endian, without leading zeros.
    public var modulus: [UInt8]
    public var exponent: [UInt8]

    public init(modulus: [UInt8], exponent: [UInt8]) {
        self.modulus = Array(modulus.drop { $0 == 0 })
        self.exponent = Array(exponent.drop { $0 == 0 })
    }

    /// The modulus length in bytes.
    public var modulusLength: Int { modulus.count }

    /// `90 03 <e>` `91 82 01 00 <n>`.
    public var encoded: [UInt8] {
        BERTLV(tag: 0x90, value: exponent).encoded(lengthForm: .card) + BERTLV(tag: 0x91, value: modulus).encoded(lengthForm: .card)
    }

    /// The key in `90`/`91` objects; nil when either is missing.
    public init?(encoded bytes: [UInt8]) {
        guard let objects = try? BERTLV.parseAll(bytes), let e = objects.first(where: { $0.tag == 0x90 })?.value,
            let n = objects.first(where: { $0.tag == 0x91 })?.value, !n.isEmpty, !e.isEmpty
        else { return nil }
        self.init(modulus: n, exponent: e)
    }
}

/// A card-verifiable (CV) certificate of the 券面 APs (card reference §cv-certificates): `7F 21` { `5F 4E` body:
/// certifier key id ‖ subject key id ‖ the subject's public key; `5F 37` the certifier's
/// RSASSA-PKCS1-v1_5 SHA-256 signature over the body }.
public struct CardVerifiableCertificate: Hashable, Sendable {
    /// The certifier's 16-byte key id (names the root that verifies this certificate).
    public var certifier: [UInt8]
    /// The certified key's 16-byte id.
    public var subject: [UInt8]
    /// The certified key.
    public var key: RSAPublicKey
    /// The signed body (`5F 4E`'s value).
    public var body: [UInt8]
    public var signature: [UInt8]

    public enum Tag {
        public static let certificate: UInt32 = 0x7F21
        public static let body: UInt32 = 0x5F4E
        public static let signature: UInt32 = 0x5F37
    }

    /// The body of a certificate for `key`.
    public static func body(certifier: [UInt8], subject: [UInt8], key: RSAPublicKey) -> [UInt8] { certifier + subject + key.encoded }

    /// The encoded certificate.
    public static func encode(body: [UInt8], signature: [UInt8]) -> [UInt8] {
        BERTLV(
            tag: Tag.certificate, children: [BERTLV(tag: Tag.body, value: body), BERTLV(tag: Tag.signature, value: signature)],
            lengthForm: .card
        )
        .encoded(lengthForm: .card)
    }

    /// Parses a `7F 21` certificate; nil when it is not one.
    public init?(parsing bytes: [UInt8]) {
        guard let outer = try? BERTLV(parsing: bytes), outer.tag == Tag.certificate,
            let body = try? outer.child(Tag.body)?.value, let signature = try? outer.child(Tag.signature)?.value, body.count > 32,
            let key = RSAPublicKey(encoded: Array(body.dropFirst(32)))
        else { return nil }
        self.certifier = Array(body.prefix(16))
        self.subject = Array(body.dropFirst(16).prefix(16))
        self.key = key
        self.body = body
        self.signature = signature
    }

    /// A 16-byte key id: 7 ASCII digits ‖ `08 05` ‖ 3 ASCII digits ‖ 4 padding bytes. Production
    /// certifiers start with `5`, J-LIS test keys with `6` (card reference §cv-certificates, §decision-test-pki).
    public static func keyID(_ seven: String, _ three: String) -> [UInt8] {
        Array(seven.utf8) + [0x08, 0x05] + Array(three.utf8) + [0x00, 0x00, 0x00, 0x00]
    }

    /// The printable 7-digit part of a key id.
    public static func keyIDNumber(_ id: [UInt8]) -> String { String(decoding: id.prefix(7), as: UTF8.self) }
}
