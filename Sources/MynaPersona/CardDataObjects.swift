import ISO7816

/// The MF-level objects GET DATA answers (spec §2.2). `7F21` (absent on older cards) is left out.
public enum CardDataObjects {
    public static func make(persona: Persona, issued: IssuerData) -> [UInt16: [UInt8]] {
        [
            0x0042: CardVerifiableCertificates.keyID("7000042", "001"),           // issuer id (16-byte key reference)
            0x0045: Array(persona.card.serialNumber.utf8),                         // card identification number
            // GlobalPlatform card recognition data: the GP RID OID and "card management type" tag.
            0x0066: [0x73, 0x0B, 0x06, 0x07, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x01, 0x60, 0x00],
            0x00F0: Array(persona.municipalityCode.utf8),                          // municipality code
            0x00F2: Array(persona.card.expiry.compact.utf8),                       // expiry YYYYMMDD
            0x00F7: CardVerifiableCertificates.Hierarchy.text.issuerKeyID,                   // intermediate key id
            0x00F8: (try? Hex.decode(issued.textCVCertificate)) ?? [],             // CV certificate root → intermediate
        ]
    }
}
