import ISO7816
import MynaApplications

/// A command APDU named for people (`SELECT JPKI AP`, `READ BINARY 000A @0 Le 256`,
/// `VERIFY 0018 … [4 bytes hidden]`), with what must not be shown by default: a secret in the
/// command (a PIN or password) and personal data in the response.
package struct CommandDescription: Hashable, Sendable {
    /// The command's name and parameters.
    package var name: String
    /// The data field is a PIN, password or verification number.
    package var secret: Bool
    /// The response holds the holder's personal data (see ``FileDescription/personal``).
    package var personalResponse: Bool
    /// The response starts at a data object's boundary (offset 0 of a file, a record, a data
    /// object), so its BER-TLV structure means something.
    package var structuredResponse: Bool

    /// Names `command` as sent in `context`; `showSecrets` puts a secret's value in the name.
    package init(_ command: [UInt8], in context: CardContext, showSecrets: Bool = false) {
        secret = false
        personalResponse = false
        structuredResponse = false
        guard let apdu = try? CommandAPDU(bytes: command) else {
            name = command.count < 4 ? "malformed command (\(command.count) bytes)" : "malformed command (lengths do not add up)"
            return
        }
        name = ""
        name = describe(apdu, context, showSecrets: showSecrets)
    }

    private mutating func describe(_ apdu: CommandAPDU, _ context: CardContext, showSecrets: Bool) -> String {
        let application = context.application
        let le = apdu.ne.map { " Le \($0)" } ?? ""
        switch (apdu.cla & 0x80, apdu.ins) {
        case (0, Instruction.select):
            return Self.select(apdu, application)
        case (0, Instruction.readBinary):
            let (file, offset) =
                apdu.p1 & 0x80 != 0
                ? (FileID(apdu.p1 & 0x1F), Int(apdu.p2)) : (context.file, Int(apdu.p1 & 0x7F) << 8 | Int(apdu.p2))
            personalResponse = Self.file(file, application)?.personal ?? false
            structuredResponse = offset == 0
            let by = apdu.p1 & 0x80 != 0 ? " (by short EF id)" : ""
            return "READ BINARY \(Self.fileLabel(file, application, named: offset == 0))\(by) @\(offset)\(le)"
        case (0, Instruction.readRecord):
            let file = apdu.p2 >> 3 != 0 ? FileID(apdu.p2 >> 3) : context.file
            personalResponse = Self.file(file, application)?.personal ?? false
            structuredResponse = true
            return "READ RECORD \(apdu.p1) of \(Self.fileLabel(file, application, named: true))\(le)"
        case (0, Instruction.verify):
            return credentialCommand("VERIFY", apdu, context, showSecrets: showSecrets, emptyMeans: "retry counter query")
        case (0, Instruction.changeReferenceData):
            return credentialCommand("CHANGE REFERENCE DATA", apdu, context, showSecrets: showSecrets, emptyMeans: "no data")
        case (0x80, ProprietaryInstruction.changeKey):
            return credentialCommand("CHANGE KEY", apdu, context, showSecrets: showSecrets, emptyMeans: "no data")
        case (0x80, ProprietaryInstruction.computeDigitalSignature):
            let key: FileID? =
                switch apdu.p2 {
                case 0x00:
                    application.flatMap { id in CardLayout.applications(hasSignatureCertificate: true).first { $0.id == id } }?
                        .defaultSigningKey
                case 0x80: context.file
                default: apdu.p2 & 0x80 != 0 ? FileID(apdu.p2 & 0x1F) : nil
                }
            let input = SignatureInput(rawValue: apdu.p1).map(Self.inputName) ?? "input P1 \(Hex.encode([apdu.p1]))"
            return
                "COMPUTE DIGITAL SIGNATURE with \(Self.fileLabel(key, application, named: true)), \(input), \(apdu.data.count) bytes\(le)"
        case (0, Instruction.internalAuthenticate):
            return "INTERNAL AUTHENTICATE \(apdu.data.count) bytes\(le)"
        case (0, Instruction.getChallenge):
            return "GET CHALLENGE\(le)"
        case (0, Instruction.getResponse):
            return "GET RESPONSE\(le)"
        case (0, Instruction.getData), (0, Instruction.getData | 1):
            let tag = UInt16(apdu.p1) << 8 | UInt16(apdu.p2)
            let object = MasterFile.describeDataObject(tag)
            personalResponse = object?.personal ?? false
            structuredResponse = true
            return "GET DATA \(Hex.encode([apdu.p1, apdu.p2]))\(object.map { " (\($0.name))" } ?? "")\(le)"
        case (0x80, ProprietaryInstruction.setSessionKey):
            return "SET SESSION KEY \(apdu.data.count) bytes"
        case (0x80, ProprietaryInstruction.verifyCertificate):
            return "VERIFY CERTIFICATE (terminal authentication) \(apdu.data.count) bytes"
        default:
            let data = apdu.data.isEmpty ? "" : " \(apdu.data.count) bytes"
            return "CLA \(Hex.encode([apdu.cla])) INS \(Hex.encode([apdu.ins])) P1-P2 \(Hex.encode([apdu.p1, apdu.p2]))\(data)\(le)"
        }
    }

    /// VERIFY, CHANGE REFERENCE DATA, CHANGE KEY: the credential P2 names (`80|SFI`, or the current
    /// EF with `80`), and its value hidden.
    private mutating func credentialCommand(
        _ verb: String, _ apdu: CommandAPDU, _ context: CardContext, showSecrets: Bool, emptyMeans: String
    ) -> String {
        let file = context.credentialFile(p2: apdu.p2)
        let credential = file.flatMap { fid in context.application?.credential(at: fid) }
        let label = "\(file?.hex ?? "(current EF)")\(credential.map { " \($0.label)" } ?? "")"
        guard !apdu.data.isEmpty else { return "\(verb) \(label) — \(emptyMeans)" }
        secret = true
        return "\(verb) \(label) \(showSecrets ? Self.secretText(apdu.data) : "[\(apdu.data.count) bytes hidden]")"
    }

    /// A secret shown: as text when it is printable ASCII, else as hex.
    static func secretText(_ bytes: [UInt8]) -> String {
        bytes.allSatisfy { (0x20...0x7E).contains($0) } ? "\"\(String(decoding: bytes, as: UTF8.self))\"" : Hex.encode(bytes)
    }

    static func select(_ apdu: CommandAPDU, _ application: CardApplicationID?) -> String {
        let p2 = apdu.p2 == 0x0C ? "" : " (P2 \(Hex.encode([apdu.p2])))"
        switch apdu.p1 {
        case 0x04:
            if let (selected, full) = CardApplicationID.selected(by: apdu.data) {
                return "SELECT \(selected.shortName)\(full ? "" : " by partial DF name \(Hex.encode(apdu.data))")\(p2)"
            }
            if apdu.data == MasterFile.issuerSecurityDomainAID { return "SELECT issuer security domain\(p2)" }
            return "SELECT DF name \(Hex.encode(apdu.data))\(p2)"
        case 0x02 where apdu.data.count == 2:
            return "SELECT EF \(fileLabel(FileID(apdu.data[0]) << 8 | FileID(apdu.data[1]), application, named: true))\(p2)"
        case 0x00:
            return "SELECT MF\(apdu.data.isEmpty ? "" : " \(Hex.encode(apdu.data))")\(p2)"
        default:
            return "SELECT P1 \(Hex.encode([apdu.p1])) \(Hex.encode(apdu.data))\(p2)"
        }
    }

    static func file(_ fid: FileID?, _ application: CardApplicationID?) -> FileDescription? {
        guard let fid, let application else { return nil }
        return application.describeFile(fid)
    }

    /// `000A (authentication certificate)`, or just `000A` when `named` is false.
    static func fileLabel(_ fid: FileID?, _ application: CardApplicationID?, named: Bool) -> String {
        guard let fid else { return "(no EF selected)" }
        guard named, let description = file(fid, application) else { return fid.hex }
        return "\(fid.hex) (\(description.name))"
    }

    static func inputName(_ input: SignatureInput) -> String {
        switch input {
        case .digestInfo: return "DigestInfo"
        case .hashThenPadHash: return "hash, then pad the hash"
        case .sha256Hash: return "SHA-256 hash"
        case .message: return "message (sha256WithRSAEncryption)"
        case .pssSHA256Hash: return "SHA-256 hash (PSS)"
        case .pssMessage: return "message (PSS)"
        }
    }

    /// The command's bytes for people: spaced hex, the secret data field replaced by
    /// `[N bytes hidden]` unless `showSecrets`, long data elided to its first `limit` bytes.
    package static func commandText(_ command: [UInt8], secret: Bool, showSecrets: Bool, limit: Int) -> String {
        guard secret, !showSecrets, let apdu = try? CommandAPDU(bytes: command), !apdu.data.isEmpty else {
            return BytesText.elided(command, limit: limit)
        }
        let header = command.prefix(4)
        let lcLength = apdu.isExtended ? 3 : 1
        let lc = command.dropFirst(4).prefix(lcLength)
        let le = command.dropFirst(4 + lcLength + apdu.data.count)
        let tail = le.isEmpty ? "" : " " + Hex.encode(le, separator: " ")
        return Hex.encode(header + lc, separator: " ") + " [\(apdu.data.count) bytes hidden]" + tail
    }
}

/// Bytes as people read them in a trace: spaced hex, long runs elided.
package enum BytesText {
    /// Spaced hex of at most `limit` bytes, then `… (N bytes)`.
    package static func elided(_ bytes: [UInt8], limit: Int) -> String {
        guard bytes.count > limit else { return Hex.encode(bytes, separator: " ") }
        return Hex.encode(bytes.prefix(limit), separator: " ") + " … (\(bytes.count) bytes)"
    }
}
