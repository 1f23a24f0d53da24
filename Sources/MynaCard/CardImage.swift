import ISO7816

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
    /// Card-level data objects answered by GET DATA in the MF state (spec §2.2), by tag. `5F51`
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
    /// A short name for logs and reports, e.g. `JPKI`.
    public var name: String
    /// The application identifier (DF name).
    public var aid: [UInt8]
    /// The elementary files under this DF.
    public var files: [ElementaryFile]
    /// The key COMPUTE DIGITAL SIGNATURE uses with P2 `00` (the 券面 APs' card key).
    public var defaultSigningKey: UInt16?
    /// Proprietary (CLA `80`) instructions the application knows but refuses here, with the status
    /// word a real card answers (SET SESSION KEY `AE`, terminal authentication `A2`; spec §3.3, §4.3).
    public var refusedInstructions: [UInt8: StatusWord]

    public init(name: String, aid: [UInt8], files: [ElementaryFile], defaultSigningKey: UInt16? = nil,
                refusedInstructions: [UInt8: StatusWord] = [:]) {
        self.name = name
        self.aid = aid
        self.files = files
        self.defaultSigningKey = defaultSigningKey
        self.refusedInstructions = refusedInstructions
    }

    /// The file with `fid`.
    public func file(_ fid: UInt16) -> ElementaryFile? { files.first { $0.fid == fid } }
}

/// An elementary file: data, a record file, or an internal EF that holds a credential or a key.
public struct ElementaryFile: Sendable {
    /// The 2-byte file identifier. Files `0001`…`001E` are also reachable by short EF id.
    public var fid: UInt16
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

    public init(fid: UInt16, content: Content, readAccess: AccessRule = .always) {
        self.fid = fid
        self.content = content
        self.readAccess = readAccess
    }

    /// The short EF identifier (`fid` ≤ `001E`), or nil.
    public var shortIdentifier: UInt8? { fid >= 1 && fid <= 0x1E ? UInt8(fid) : nil }
}

/// Which verified credentials open an operation.
public enum AccessRule: Sendable, Hashable {
    /// No credential needed.
    case always
    /// Never allowed (`6982`).
    case never
    /// Allowed when any one of these credentials is verified in the current session.
    case anyOf(Set<CredentialID>)

    /// Whether `verified` satisfies this rule.
    public func isSatisfied(by verified: Set<CredentialID>) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .anyOf(let ids): return !ids.isDisjoint(with: verified)
        }
    }
}

/// A private key the card uses but never reveals.
public struct CardKey: Sendable {
    /// The RSA key.
    public var key: RSAPrivateKey
    /// Who may use it.
    public var useAccess: AccessRule
    /// The operations it answers.
    public var operations: Set<Operation>

    /// Card operations that use a key.
    public enum Operation: Sendable, Hashable {
        /// COMPUTE DIGITAL SIGNATURE `80 2A`.
        case computeDigitalSignature
        /// INTERNAL AUTHENTICATE `00 88`.
        case internalAuthenticate
    }

    public init(key: RSAPrivateKey, useAccess: AccessRule, operations: Set<Operation> = [.computeDigitalSignature]) {
        self.key = key
        self.useAccess = useAccess
        self.operations = operations
    }
}
