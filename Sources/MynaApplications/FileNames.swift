import ISO7816

/// What a file or data object is, for people reading traces and comparisons, and whether it holds
/// the card holder's personal data (masked unless asked for).
public struct FileDescription: Hashable, Sendable {
    /// A short English name, e.g. `authentication certificate`.
    public var name: String
    /// Holds data about the holder or their card (name, address, My Number, birth date, the card's
    /// serial number, certificates with the holder's subject).
    public var personal: Bool

    public init(_ name: String, personal: Bool = false) {
        self.name = name
        self.personal = personal
    }
}

extension CardApplicationID {
    /// What file `fid` of this application holds, or nil for a file the card does not define.
    public func describeFile(_ fid: FileID) -> FileDescription? {
        if let credential = credential(at: fid) { return FileDescription(credential.label) }
        return Self.fileDescriptions[self]?[fid]
    }

    /// The credential whose reference data is file `fid` of this application.
    public func credential(at fid: FileID) -> CredentialPolicy? {
        let layout = CardLayout.applications(hasSignatureCertificate: true).first { $0.id == self }
        guard let file = layout?.files.first(where: { $0.fid == fid }), case .credential(let id) = file.kind else { return nil }
        return CardLayout.credentials.first { $0.id == id }
    }

    static let fileDescriptions: [CardApplicationID: [FileID: FileDescription]] = [
        .jpki: [
            JPKIApplication.File.signCertificate: FileDescription("signature certificate", personal: true),
            JPKIApplication.File.signCACertificate: FileDescription("signature CA certificate"),
            JPKIApplication.File.tokenInfo: FileDescription("token information", personal: true),
            JPKIApplication.File.certificateAvailability: FileDescription("certificate availability"),
            JPKIApplication.File.unreadable: FileDescription("unreadable EF"),
            JPKIApplication.File.authCertificate: FileDescription("authentication certificate", personal: true),
            JPKIApplication.File.authCACertificate: FileDescription("authentication CA certificate"),
            JPKIApplication.File.authKey: FileDescription("authentication key"),
            JPKIApplication.File.signKey: FileDescription("signature key"),
        ],
        .text: [
            TextApplication.File.myNumber: FileDescription("My Number", personal: true),
            TextApplication.File.attributes: FileDescription("four basic attributes", personal: true),
            TextApplication.File.integrity: FileDescription("integrity record"),
            TextApplication.File.cvCertificate: FileDescription("CV certificate"),
            TextApplication.File.basicInfo: FileDescription("AP basic information"),
            TextApplication.File.secureMessagingKey: FileDescription("secure-messaging key"),
            TextApplication.File.cardKeyCertificate: FileDescription("card key certificate"),
            TextApplication.File.reserved: FileDescription("reserved EF"),
            TextApplication.File.cardKey: FileDescription("card key"),
        ],
        .visual: [
            VisualApplication.File.ageRecord: FileDescription("age record", personal: true),
            VisualApplication.File.cardFace: FileDescription("card face", personal: true),
            VisualApplication.File.basicInfo: FileDescription("AP basic information"),
            VisualApplication.File.cvCertificate: FileDescription("CV certificate"),
            VisualApplication.File.myNumber: FileDescription("My Number image", personal: true),
            VisualApplication.File.reserved: FileDescription("reserved EF"),
            VisualApplication.File.cardKey: FileDescription("card key"),
        ],
        .common: [
            CommonApplication.File.cardRecord: FileDescription("card record", personal: true),
            CommonApplication.File.keyReference: FileDescription("key reference", personal: true),
            CommonApplication.File.authenticationKey: FileDescription("INTERNAL AUTHENTICATE key"),
        ],
        .juki: [
            JukiApplication.File.keyReference: FileDescription("key reference", personal: true)
        ],
    ]
}

extension MasterFile {
    /// What GET DATA object `tag` is (in the MF state), or nil for one the card does not define.
    public static func describeDataObject(_ tag: UInt16) -> FileDescription? {
        switch tag {
        case DataObject.issuerID: return FileDescription("issuer id", personal: true)
        case DataObject.cardIdentificationNumber: return FileDescription("card identification number", personal: true)
        case DataObject.cardRecognitionData: return FileDescription("card recognition data")
        case DataObject.municipalityCode: return FileDescription("municipality code", personal: true)
        case DataObject.expiry: return FileDescription("expiry", personal: true)
        case DataObject.intermediateKeyID: return FileDescription("intermediate key id")
        case DataObject.cvCertificate: return FileDescription("CV certificate")
        case DataObject.atr: return FileDescription("ATR")
        default: return nil
        }
    }
}
