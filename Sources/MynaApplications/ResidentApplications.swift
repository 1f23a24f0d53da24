import ISO7816

/// The 共通AP (common AP), card reference §common-ap: a record with the card's serial number, municipality code and
/// expiry, a key reference, an INTERNAL AUTHENTICATE key and the resident-registry PIN.
public enum CommonApplication {
    public static let aid: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00]

    /// File identifiers.
    public enum File {
        /// One record: `01 LL` serial number (15) ‖ municipality code (5) ‖ expiry `YYYYMMDD`.
        public static let cardRecord: FileID = 0x0001
        /// The 16-byte key reference shared with the 住基AP.
        public static let keyReference: FileID = 0x0002
        /// The INTERNAL AUTHENTICATE key (no credential).
        public static let authenticationKey: FileID = 0x0019
    }

    /// 住民基本台帳用暗証番号: the 4-digit resident-registry PIN, changed with CHANGE KEY.
    public static let pin = CredentialPolicy(
        id: CredentialID("common.resident-pin"), file: 0x001C, maxTries: 3, format: .digits(4), change: .changeKey,
        label: "住民基本台帳用暗証番号 (resident-registry PIN, common AP)")

    public static var layout: ApplicationLayout {
        ApplicationLayout(
            id: .common,
            files: [
                FileLayout(File.cardRecord, .records), .transparent(File.keyReference),
                FileLayout(File.authenticationKey, .key(use: .always, operations: [.internalAuthenticate])),
                .credential(pin),
            ],
            refusedInstructions: [ProprietaryInstruction.setSessionKey: .secureMessagingNotAvailable])
    }

    /// The card record of EF 0001.
    public static func cardRecord(serialNumber: String, municipalityCode: String, expiry: String) -> [UInt8] {
        let text = Array((serialNumber + municipalityCode + expiry).utf8)
        return [0x01, UInt8(text.count)] + text
    }

    /// The card record's fields, or nil when it does not have the expected 30-byte shape.
    public static func parseCardRecord(_ record: [UInt8]) -> (serialNumber: String, municipalityCode: String, expiry: String)? {
        guard record.count == 30, record[0] == 0x01, record[1] == 28 else { return nil }
        let text = String(decoding: record.dropFirst(2), as: UTF8.self)
        return (String(text.prefix(15)), String(text.dropFirst(15).prefix(5)), String(text.suffix(8)))
    }

    /// The 16-byte key reference both resident APs hold in EF 0002.
    public static func keyReference(municipalityCode: String, serialNumber: String) -> [UInt8] {
        Array(("J" + municipalityCode + serialNumber.suffix(10)).utf8.prefix(16))
    }
}

/// The 住基AP (resident-registry AP), card reference §juki-ap: the key reference and its own copy of the
/// resident-registry PIN (same initial value, changed separately).
public enum JukiApplication {
    public static let aid: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01]

    public enum File {
        public static let keyReference: FileID = 0x0002
    }

    /// 住民基本台帳用暗証番号 as the 住基AP keeps it.
    public static let pin = CredentialPolicy(
        id: CredentialID("juki.resident-pin"), file: 0x001C, maxTries: 3, format: .digits(4), change: .changeKey,
        label: "住民基本台帳用暗証番号 (resident-registry PIN, 住基AP)")

    public static var layout: ApplicationLayout {
        ApplicationLayout(
            id: .juki, files: [.transparent(File.keyReference), .credential(pin)],
            refusedInstructions: [ProprietaryInstruction.setSessionKey: .securityStatusNotSatisfied])
    }
}

/// What the card holds outside its applications: the MF's files and the objects GET DATA answers
/// in the MF state (card reference §mf, §get-data).
public enum MasterFile {
    /// Selectable EFs of unknown purpose directly under the MF.
    public static let layout: [FileLayout] = FileLayout.opaque([0x001E])

    /// The Issuer Security Domain's AID (GlobalPlatform); selecting it restores the power-on state.
    public static let issuerSecurityDomainAID: [UInt8] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00]

    /// GET DATA tags (P1-P2).
    public enum DataObject {
        /// Issuer id (a 16-byte key reference).
        public static let issuerID: UInt16 = 0x0042
        /// Card identification number (ASCII).
        public static let cardIdentificationNumber: UInt16 = 0x0045
        /// GlobalPlatform card recognition data.
        public static let cardRecognitionData: UInt16 = 0x0066
        /// Municipality code (5 ASCII digits).
        public static let municipalityCode: UInt16 = 0x00F0
        /// Expiry `YYYYMMDD`.
        public static let expiry: UInt16 = 0x00F2
        /// The intermediate (text issuing) key id.
        public static let intermediateKeyID: UInt16 = 0x00F7
        /// The CV certificate root → intermediate.
        public static let cvCertificate: UInt16 = 0x00F8
        /// The contact ATR without TS (answered inside an AP too).
        public static let atr: UInt16 = 0x5F51
    }

    /// GlobalPlatform card recognition data: the GP RID OID and "card management type" tag.
    public static let cardRecognitionData: [UInt8] = [0x73, 0x0B, 0x06, 0x07, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x01, 0x60, 0x00]
}

/// Every application layout of a card.
public enum CardLayout {
    /// The five applications in the order the card lists them.
    public static func applications(hasSignatureCertificate: Bool) -> [ApplicationLayout] {
        [
            JPKIApplication.layout(hasSignatureCertificate: hasSignatureCertificate), TextApplication.layout, VisualApplication.layout,
            CommonApplication.layout, JukiApplication.layout,
        ]
    }

    /// Every credential any application defines.
    public static let credentials: [CredentialPolicy] = [
        JPKIApplication.authPIN, JPKIApplication.signPassword, TextApplication.pin, TextApplication.blockedKey,
        TextApplication.verificationA,
        TextApplication.verificationB, VisualApplication.birthDateKey, VisualApplication.verificationA, VisualApplication.verificationB,
        CommonApplication.pin, JukiApplication.pin,
    ]
}
