import ISO7816
import MynaApplications

/// Everything a card carries, fixed at issue: its applications, files, keys and credentials.
/// Built from a persona by `MynaPersona`; the mutable part lives in ``PersistentCardState``.
public struct CardImage: Sendable {
    /// The ATR the card answers with at power-on.
    public var atr: [UInt8]
    /// Whether extended-length APDUs are accepted (otherwise they get `6700`).
    public var supportsExtendedLength: Bool
    /// The applications (DFs), selectable by AID.
    public var applications: [Application]
    /// Files directly under the MF.
    public var masterFiles: [ElementaryFile]
    /// Every credential the card holds, with its initial value.
    public var credentials: [Credential]
    /// Card-level data objects answered by GET DATA in the MF state (card reference §get-data), by tag. `5F51`
    /// (the ATR without TS) is added by the card itself and also answers inside an AP.
    public var dataObjects: [UInt16: [UInt8]]

    public init(
        atr: [UInt8], supportsExtendedLength: Bool = true, applications: [Application],
        masterFiles: [ElementaryFile] = [], credentials: [Credential], dataObjects: [UInt16: [UInt8]] = [:]
    ) {
        self.atr = atr
        self.supportsExtendedLength = supportsExtendedLength
        self.applications = applications
        self.masterFiles = masterFiles
        self.credentials = credentials
        self.dataObjects = dataObjects
    }

    /// The credential with `id`.
    public func credential(_ id: CredentialID) -> Credential? { credentials.first { $0.id == id } }
}

/// A dedicated file selected by its AID (an "AP" in the card's documentation).
public struct Application: Sendable {
    /// Which of the card's applications this is (its AID, name and title).
    public var id: CardApplicationID
    /// The elementary files under this DF.
    public var files: [ElementaryFile]
    /// The key COMPUTE DIGITAL SIGNATURE uses with P2 `00` (the 券面 APs' card key).
    public var defaultSigningKey: FileID?
    /// Proprietary (CLA `80`) instructions the application knows but refuses here, with the status
    /// word a real card answers (SET SESSION KEY `AE`, terminal authentication `A2`; card reference §jpki-terminal-auth, §text-secure-messaging).
    public var refusedInstructions: [UInt8: StatusWord]

    /// The application `layout` defines, holding `contents`: the bytes of every transparent EF,
    /// the records of every record EF and the private key of every key EF. A layout file without
    /// content of its kind is a programming error and stops here, where the card is made.
    public init(_ layout: ApplicationLayout, contents: [FileID: FileSource]) {
        self.id = layout.id
        self.files = layout.files.map { file in
            let content: ElementaryFile.Content
            switch (file.kind, contents[file.fid]) {
            case (.credential(let id), nil): content = .credential(id)
            case (.opaque, nil): content = .opaque
            case (.transparent, .bytes(let bytes)?): content = .transparent(bytes)
            case (.records, .records(let records)?): content = .records(records)
            case (.key(let use, let operations), .key(let key)?): content = .key(CardKey(key: key, useAccess: use, operations: operations))
            default: preconditionFailure("\(layout.id.rawValue) EF \(file.fid.hex): the content given does not fit its kind \(file.kind)")
            }
            return ElementaryFile(fid: file.fid, content: content, readAccess: file.readAccess)
        }
        self.defaultSigningKey = layout.defaultSigningKey
        self.refusedInstructions = layout.refusedInstructions
    }

    public var aid: [UInt8] { id.aid }
    /// A short name for logs and reports, e.g. `JPKI`.
    public var name: String { id.rawValue }

    /// The file with `fid`.
    public func file(_ fid: FileID) -> ElementaryFile? { files.first { $0.fid == fid } }
}

/// What an issuer supplies for one file of an ``ApplicationLayout``.
public enum FileSource: Sendable {
    /// The bytes of a transparent EF.
    case bytes([UInt8])
    /// The records of a record EF (numbered from 1).
    case records([[UInt8]])
    /// The private key of a key EF.
    case key(RSAPrivateKey)
}

/// An elementary file: data, a record file, or an internal EF that holds a credential or a key.
public struct ElementaryFile: Sendable {
    /// The 2-byte file identifier. Files `0001`…`001E` are also reachable by short EF id.
    public var fid: FileID
    public var content: Content
    /// Who may read it (transparent and record files).
    public var readAccess: AccessRule

    /// What a file holds.
    public enum Content: Sendable {
        /// A transparent EF read with READ BINARY.
        case transparent([UInt8])
        /// A record EF read with READ RECORD (records numbered from 1).
        case records([[UInt8]])
        /// The reference data of a credential, target of VERIFY and CHANGE REFERENCE DATA.
        case credential(CredentialID)
        /// A private key.
        case key(CardKey)
        /// Selectable, but not readable (`6981`): internal EFs whose purpose is unknown.
        case opaque
    }

    public init(fid: FileID, content: Content, readAccess: AccessRule = .always) {
        self.fid = fid
        self.content = content
        self.readAccess = readAccess
    }
}

/// A private key the card uses but never reveals.
public struct CardKey: Sendable {
    /// The RSA key.
    public var key: RSAPrivateKey
    /// Who may use it.
    public var useAccess: AccessRule
    /// The operations it answers.
    public var operations: Set<KeyOperation>

    public init(key: RSAPrivateKey, useAccess: AccessRule, operations: Set<KeyOperation> = [.computeDigitalSignature]) {
        self.key = key
        self.useAccess = useAccess
        self.operations = operations
    }
}
