import ISO7816

/// One file of an application as the card defines it: its identifier, what it holds and who may
/// read or use it. The bytes come from a persona (`MynaPersona`); this is the shape.
public struct FileLayout: Hashable, Sendable {
    public var fid: FileID
    public var kind: Kind
    /// Who may read it (transparent and record files).
    public var readAccess: AccessRule

    /// What a file holds.
    public enum Kind: Hashable, Sendable {
        /// A transparent EF read with READ BINARY.
        case transparent
        /// A record EF read with READ RECORD.
        case records
        /// The reference data of a credential (VERIFY, CHANGE REFERENCE DATA, CHANGE KEY).
        case credential(CredentialID)
        /// A private key: who may use it and for what.
        case key(use: AccessRule, operations: Set<KeyOperation>)
        /// Selectable, but not readable (`6981`): an internal EF whose purpose is unknown.
        case opaque
    }

    public init(_ fid: FileID, _ kind: Kind, readAccess: AccessRule = .always) {
        self.fid = fid
        self.kind = kind
        self.readAccess = readAccess
    }

    /// A transparent EF.
    public static func transparent(_ fid: FileID, readAccess: AccessRule = .always) -> FileLayout {
        FileLayout(fid, .transparent, readAccess: readAccess)
    }
    /// The internal EF holding `credential`.
    public static func credential(_ credential: CredentialPolicy) -> FileLayout { FileLayout(credential.file, .credential(credential.id)) }
    /// A signing key.
    public static func signingKey(_ fid: FileID, use: AccessRule) -> FileLayout {
        FileLayout(fid, .key(use: use, operations: [.computeDigitalSignature]))
    }
    /// Selectable EFs of unknown purpose.
    public static func opaque(_ fids: [FileID]) -> [FileLayout] { fids.map { FileLayout($0, .opaque) } }
}

/// An application (DF selected by its AID) as the card defines it.
public struct ApplicationLayout: Hashable, Sendable {
    public var id: CardApplicationID
    public var files: [FileLayout]
    /// The key COMPUTE DIGITAL SIGNATURE uses with P2 `00` (the 券面 APs' card key).
    public var defaultSigningKey: FileID?
    /// Proprietary (CLA `80`) instructions the application knows but refuses, with the status
    /// word a real card answers (card reference §other-instructions).
    public var refusedInstructions: [UInt8: StatusWord]

    public init(
        id: CardApplicationID, files: [FileLayout], defaultSigningKey: FileID? = nil, refusedInstructions: [UInt8: StatusWord] = [:]
    ) {
        self.id = id
        self.files = files.sorted { $0.fid < $1.fid }
        self.defaultSigningKey = defaultSigningKey
        self.refusedInstructions = refusedInstructions
    }

    public var aid: [UInt8] { id.aid }
}
