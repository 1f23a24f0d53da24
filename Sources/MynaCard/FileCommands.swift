import ISO7816
import MynaApplications

/// SELECT, READ BINARY and READ RECORD: the file system as card reference §mf, §get-data, §select, §read-binary, §read-record describe.
extension VirtualCard {
    /// Files of the current DF (the selected application, or the MF).
    var currentDirectory: [ElementaryFile] {
        session.application.map { image.applications[$0].files } ?? image.masterFiles
    }

    func file(_ fid: FileID) -> ElementaryFile? { currentDirectory.first { $0.fid == fid } }

    func file(shortIdentifier sfi: UInt8) -> ElementaryFile? {
        currentDirectory.first { $0.fid.shortIdentifier == sfi }
    }

    /// The internal EF a P2 names in VERIFY, CHANGE and the key commands: `80` the current EF,
    /// `80|SFI` by short EF id. Nil when no such file exists.
    func referencedFile(p2: UInt8) throws(CardRefusal) -> ElementaryFile? {
        switch p2 {
        case 0x80:
            guard let fid = session.currentFile else { throw CardRefusal(.noCurrentEF) }
            return file(fid)
        case 0x81...0x9E:
            return file(shortIdentifier: p2 & 0x1F)
        default:
            throw CardRefusal(.incorrectP1P2)
        }
    }

    mutating func select(_ command: CommandAPDU) throws(CardRefusal) -> [UInt8] {
        // P2 0C (no response data) is what hosts send; P2 00 (FCI) is accepted and answered
        // without FCI (docs/fidelity.md).
        guard command.p2 == 0x0C || command.p2 == 0x00 else { throw CardRefusal(.incorrectP1P2) }
        switch command.p1 {
        case 0x04:
            guard (1...16).contains(command.data.count) else { throw CardRefusal(.wrongLength) }
            try selectApplication(named: command.data)
        case 0x02:
            guard command.data.count == 2 else { throw CardRefusal(.wrongLength) }
            try selectFile(FileID(command.data[0]) << 8 | FileID(command.data[1]))
        case 0x00:
            if command.data.isEmpty {
                // Select MF: refused before any application was selected, otherwise a no-op.
                guard session.application != nil else { throw CardRefusal(.incorrectP1P2) }
            } else {
                guard command.data.count == 2 else { throw CardRefusal(.wrongLength) }
                try selectFile(FileID(command.data[0]) << 8 | FileID(command.data[1]))
            }
        default:
            throw CardRefusal(.incorrectP1P2)
        }
        return []
    }

    private mutating func selectApplication(named name: [UInt8]) throws(CardRefusal) {
        if name == MasterFile.issuerSecurityDomainAID {
            session = SessionState()
            session.powered = true
            return
        }
        // Full AID, or a partial DF name (≥ 5 bytes) that names exactly one application.
        let matches = image.applications.indices.filter { DFName.selects(name, aid: image.applications[$0].aid) }
        guard matches.count == 1, let index = matches.first else { throw CardRefusal(.fileNotFound) }
        session.application = index
        session.currentFile = nil
        session.verified = []  // any application SELECT clears the security state (card reference §decision-security-state)
    }

    private mutating func selectFile(_ fid: FileID) throws(CardRefusal) {
        guard fid != 0x3F00, file(fid) != nil else { throw CardRefusal(.fileNotFound) }
        session.currentFile = fid
    }

    /// The target of a READ BINARY: by short EF id in P1 (which makes it current) or the current EF.
    private mutating func readBinaryTarget(_ command: CommandAPDU) throws(CardRefusal) -> (ElementaryFile, offset: Int) {
        if command.p1 & 0x80 != 0 {
            guard command.p1 & 0x60 == 0, command.p1 & 0x1F != 0 else { throw CardRefusal(.incorrectP1P2) }
            guard let file = file(shortIdentifier: command.p1 & 0x1F) else { throw CardRefusal(.fileNotFound) }
            session.currentFile = file.fid
            return (file, Int(command.p2))
        }
        guard let fid = session.currentFile, let file = file(fid) else { throw CardRefusal(.noCurrentEF) }
        return (file, Int(command.p1) << 8 | Int(command.p2))
    }

    mutating func readBinary(_ command: CommandAPDU) throws(CardRefusal) -> [UInt8] {
        guard command.case == .case2, let ne = command.ne else { throw CardRefusal(.wrongLength) }
        let (file, offset) = try readBinaryTarget(command)
        guard case .transparent(let content) = file.content else { throw CardRefusal(.incompatibleWithFileStructure) }
        guard file.readAccess.isSatisfied(by: session.verified) else { throw CardRefusal(.securityStatusNotSatisfied) }
        guard offset < content.count else { throw CardRefusal(.wrongParametersOffset) }
        // Le beyond the end: the rest of the file with 9000 (JICSAP "read to end within limit", card reference §read-binary).
        return Array(content[offset..<min(content.count, offset + ne)])
    }

    /// GET DATA `00 CA tag Le` (card reference §get-data): card-level objects in the MF state only (`5F51` also in
    /// an AP); a large object needs an extended Le (`6700` otherwise); a small one answers `6Cxx`
    /// when Le is too short; an absent object `6A88`.
    mutating func getData(_ command: CommandAPDU) throws(CardRefusal) -> [UInt8] {
        guard command.case == .case2, let ne = command.ne else { throw CardRefusal(.wrongLength) }
        let tag = UInt16(command.p1) << 8 | UInt16(command.p2)
        let value: [UInt8]?
        if tag == MasterFile.DataObject.atr {
            value = Array(image.atr.dropFirst())
        } else {
            value = session.application == nil ? image.dataObjects[tag] : nil
        }
        guard let value else { throw CardRefusal(.referencedDataNotFound) }
        if value.count > 256 {
            guard command.isExtended, ne >= value.count else { throw CardRefusal(.wrongLength) }
        } else if ne < value.count {
            throw CardRefusal(StatusWord(0x6C, UInt8(value.count & 0xFF)))
        }
        return value
    }

    mutating func readRecord(_ command: CommandAPDU) throws(CardRefusal) -> [UInt8] {
        guard command.case == .case2, let ne = command.ne else { throw CardRefusal(.wrongLength) }
        switch command.p2 & 0x07 {
        case 0x04: break
        case 0x05: throw CardRefusal(StatusWord(0x6A81))  // "from record to last": not supported
        default: throw CardRefusal(.incorrectP1P2)
        }
        let sfi = command.p2 >> 3
        let target: ElementaryFile
        if sfi == 0 {
            guard let fid = session.currentFile, let file = file(fid) else { throw CardRefusal(.noCurrentEF) }
            target = file
        } else {
            guard let file = file(shortIdentifier: sfi) else { throw CardRefusal(.fileNotFound) }
            session.currentFile = file.fid
            target = file
        }
        guard case .records(let records) = target.content else { throw CardRefusal(.incompatibleWithFileStructure) }
        guard target.readAccess.isSatisfied(by: session.verified) else { throw CardRefusal(.securityStatusNotSatisfied) }
        let number = Int(command.p1)
        guard number >= 1, number <= records.count else { throw CardRefusal(.recordNotFound) }
        return Array(records[number - 1].prefix(ne))
    }
}
