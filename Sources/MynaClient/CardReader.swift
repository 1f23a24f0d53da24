import Crypto
import Foundation
import ISO7816
import MynaApplications
import MynaCard
import X509

/// The reference client behind `mynasim read`: reads what a card offers over any `CardChannel`
/// (in-process or PC/SC), without consuming a try unless it was given a credential, and never
/// sends one to a blocked credential or when a single try is left unless forced.
package struct CardReader<Channel: CardChannel> {
    package var channel: Channel
    package var anchors: TrustAnchors?

    package init(channel: Channel, anchors: TrustAnchors?) {
        self.channel = channel
        self.anchors = anchors
    }

    /// Why reading stopped.
    package enum ReadError: Error, CustomStringConvertible {
        case status(String, StatusWord)
        case refused(String, RetryRefusal)
        case file(String, FileReadError)
        package var description: String {
            switch self {
            case .status(let what, let sw): return "\(what): the card answered \(sw) (\(sw.meaning))"
            case .refused(let what, .lastTry):
                return "\(what): only one try left; not sending it without --force (a wrong value would block it)"
            case .refused(let what, .blocked): return "\(what): blocked; nothing sent"
            case .file(let what, let error): return "\(what): \(error)"
            }
        }
    }

    mutating func select(_ application: CardApplicationID) throws -> Bool {
        try channel.transmit(.select(application: application.aid)).status.isSuccess
    }

    mutating func select(file fid: FileID) throws -> Bool { try channel.transmit(.select(file: fid)).status.isSuccess }

    /// Reads the current EF whole by its BER header, refusing a header that claims more than
    /// `limit` bytes (a hostile or broken card) instead of reading past the end.
    mutating func readFile(_ fid: FileID, limit: Int = 16_384) throws -> [UInt8] {
        do {
            return try channel.readTransparentFile(limit: limit)
        } catch let error as FileReadError {
            throw ReadError.file("EF \(fid.hex)", error)
        }
    }

    /// Selects `fid` and reads it whole; nil when it cannot be selected.
    mutating func selectAndRead(_ fid: FileID, limit: Int = 16_384) throws -> [UInt8]? {
        guard try select(file: fid) else { return nil }
        return try readFile(fid, limit: limit)
    }

    /// Records a credential's retry counter in the report, without using a try.
    mutating func recordCounter(_ application: CardApplicationID, _ credential: CredentialPolicy, _ report: inout CardReport) throws {
        let counter = try channel.retryCounter(p2: credential.verifyP2)
        if let remaining = counter.remaining {
            report.triesLeft["\(application.shortName) \(credential.file.hex) \(credential.label)"] = remaining
        }
    }

    /// VERIFY, guarded by the retry counter: refuses a blocked credential, and the last try unless forced.
    mutating func verify(_ credential: CredentialPolicy, _ value: String, force: Bool) throws {
        if let refusal = try channel.retryCounter(p2: credential.verifyP2).refusal(confirmedLastTry: force) {
            throw ReadError.refused(credential.label, refusal)
        }
        let response = try channel.transmit(.verify(p2: credential.verifyP2, value: Array(value.utf8)))
        guard response.status.isSuccess else { throw ReadError.status("VERIFY \(credential.label)", response.status) }
    }

    package mutating func read(_ credentials: ReadCredentials) throws -> CardReport {
        var report = CardReport(atr: Hex.encode(try channel.powerOn()))
        try readJPKI(credentials, &report)
        try readText(credentials, &report)
        try readVisual(credentials, &report)
        if try select(.common) {
            let record = try channel.transmit(.readRecord(1))
            if record.status.isSuccess, let fields = CommonApplication.parseCardRecord(record.data) {
                report.commonRecord = .init(
                    serialNumber: fields.serialNumber, municipalityCode: fields.municipalityCode, expiry: fields.expiry)
            }
            try recordCounter(.common, CommonApplication.pin, &report)
        }
        if try select(.juki) { try recordCounter(.juki, JukiApplication.pin, &report) }
        try? channel.powerOff()
        return report
    }

    mutating func readJPKI(_ credentials: ReadCredentials, _ report: inout CardReport) throws {
        typealias File = JPKIApplication.File
        guard try select(.jpki) else {
            report.notes.append("no JPKI AP")
            return
        }
        if try select(file: File.tokenInfo) {
            let token = try channel.transmit(.readBinary(offset: 0, length: 32))
            report.tokenLabel = JPKIApplication.tokenLabel(fromTokenInfo: token.data)
        }
        try recordCounter(.jpki, JPKIApplication.authPIN, &report)
        try recordCounter(.jpki, JPKIApplication.signPassword, &report)
        var certificates: [String: Certificate] = [:]
        func readCertificate(_ fid: FileID, _ role: String) throws {
            guard let der = try selectAndRead(fid, limit: 4096) else { return }
            let certificate = try Certificate(derEncoded: der)
            certificates[role] = certificate
            report.certificates.append(summary(fid, role, certificate, der))
        }
        for (fid, role) in [
            (File.authCertificate, "authentication"), (File.authCACertificate, "authentication CA"),
            (File.signCACertificate, "signature CA"),
        ] {
            try readCertificate(fid, role)
        }
        if let password = credentials.signPassword {
            try verify(JPKIApplication.signPassword, password, force: credentials.force)
            try readCertificate(File.signCertificate, "signature")
        }
        for (leaf, ca, anchor) in [
            ("authentication", "authentication CA", anchors?.authCA), ("signature", "signature CA", anchors?.signCA),
        ] {
            guard let certificate = certificates[leaf], let issuer = anchor ?? certificates[ca] else { continue }
            let source =
                anchor != nil ? "the trust anchor from \(anchors?.source ?? "")" : "the CA certificate on the card (not a trust anchor)"
            report.checks.append(
                .init(
                    what: "\(leaf) certificate signed by \(source)",
                    passed: issuer.publicKey.isValidSignature(certificate.signature, for: certificate)))
        }
    }

    mutating func readText(_ credentials: ReadCredentials, _ report: inout CardReport) throws {
        typealias File = TextApplication.File
        typealias Tag = TextApplication.Tag
        guard try select(.text) else { return }
        for credential in [TextApplication.pin, TextApplication.verificationA, TextApplication.verificationB] {
            try recordCounter(.text, credential, &report)
        }
        // The PIN opens both files; 照合番号A only the My Number, 照合番号B only the attributes (card reference §text-files).
        if let pin = credentials.textPIN {
            try verify(TextApplication.pin, pin, force: credentials.force)
        } else {
            if let a = credentials.verificationNumberA { try verify(TextApplication.verificationA, a, force: credentials.force) }
            if let b = credentials.verificationNumberB { try verify(TextApplication.verificationB, b, force: credentials.force) }
        }
        let myNumberOpen = credentials.textPIN != nil || credentials.verificationNumberA != nil
        let attributesOpen = credentials.textPIN != nil || credentials.verificationNumberB != nil
        guard myNumberOpen || attributesOpen else {
            report.notes.append(
                "text AP: no credential given (--text-pin, --verification-a or --verification-b); My Number and attributes not read")
            return
        }
        var myNumberFile: [UInt8]? = nil
        var attributes: [BERTLV]? = nil
        // EF 0001's digest covers the physical file (the object and its `FF FF` filler): one short
        // READ BINARY returns all 17 bytes.
        if myNumberOpen, try select(file: File.myNumber), case let file = try channel.transmit(.readBinary(offset: 0, length: 256)),
            file.status.isSuccess
        {
            myNumberFile = file.data
            report.myNumber = TextApplication.myNumber(fromFile: file.data)
        }
        if attributesOpen, let file = try selectAndRead(File.attributes), let objects = try? IndexedTemplate.objects(in: file) {
            attributes = objects
            report.attributes = .init(
                name: objects.text(Tag.name), address: objects.text(Tag.address), birthDate: objects.text(Tag.birthDate),
                sex: objects.text(Tag.sex))
        }
        // The integrity record: the CV certificate chains to its root, the certified key signed
        // EF 0003, and EF 0003's digests match what was read.
        let issuer = try certifiedIssuer(.text, file: File.cvCertificate, &report)
        guard let file = try selectAndRead(File.integrity), let record = try? TextApplication.IntegrityRecord(parsing: file) else {
            report.checks.append(.init(what: "text AP integrity record readable", passed: false))
            return
        }
        if let issuer {
            report.checks.append(
                .init(
                    what: "text AP integrity record signed by the certified issuer key",
                    passed: issuer.isValidPKCS1v15(signature: record.signature, sha256Of: record.signedPart)))
        }
        let inputs = TextApplication.digestInputs(myNumberFile: myNumberFile ?? [], attributes: attributes ?? [])
        if myNumberFile != nil {
            report.checks.append(
                .init(what: "My Number digest matches", passed: Array(SHA256.hash(data: inputs.myNumber)) == record.myNumberDigest))
        }
        if attributes != nil {
            report.checks.append(
                .init(what: "attributes digest matches", passed: Array(SHA256.hash(data: inputs.attributes)) == record.attributesDigest))
        }
    }

    /// Reads the current AP's CV certificate, checks it against the CV root its certifier key id
    /// names, and returns the issuing key it certifies.
    mutating func certifiedIssuer(_ application: CardApplicationID, file fid: FileID, _ report: inout CardReport) throws -> RSAPublicKey? {
        let what = application.shortName
        guard let file = try selectAndRead(fid), let certificate = CardVerifiableCertificate(parsing: file) else {
            report.checks.append(.init(what: "\(what) CV certificate readable", passed: false))
            return nil
        }
        if let anchors {
            let root = anchors.cvRoots[certificate.certifier]
            let certifier = CardVerifiableCertificate.keyIDNumber(certificate.certifier)
            report.checks.append(
                .init(
                    what: "\(what) CV certificate signed by CV root \(certifier) from \(anchors.source)"
                        + (root == nil ? " (no such root there)" : ""),
                    passed: root?.isValidPKCS1v15(signature: certificate.signature, sha256Of: certificate.body) ?? false))
        }
        return certificate.key
    }

    /// Card presence (card reference §card-key-signing): GET CHALLENGE, then the AP's card key signs it with no credential;
    /// the signature must verify under the card key the issuer signed.
    mutating func provePresence(_ application: CardApplicationID, cardKey: RSAPublicKey?, _ report: inout CardReport) throws {
        let challenge = try channel.transmit(.getChallenge(length: 16))
        guard challenge.status.isSuccess, let cardKey else { return }
        let signature = try channel.transmit(
            .computeDigitalSignature(keyP2: 0x00, data: DigestInfo.sha256(SHA256.hash(data: challenge.data))))
        report.checks.append(
            .init(
                what: "\(application.shortName) card key signed a fresh challenge (card present)",
                passed: signature.status.isSuccess && cardKey.isValidPKCS1v15(signature: signature.data, sha256Of: challenge.data)))
    }

    mutating func readVisual(_ credentials: ReadCredentials, _ report: inout CardReport) throws {
        typealias File = VisualApplication.File
        typealias Tag = VisualApplication.Tag
        guard try select(.visual) else { return }
        for credential in [VisualApplication.birthDateKey, VisualApplication.verificationB, VisualApplication.verificationA] {
            try recordCounter(.visual, credential, &report)
        }
        let issuer = try certifiedIssuer(.visual, file: File.cvCertificate, &report)
        var face: CardReport.CardFace? = nil
        var cardKey: RSAPublicKey? = nil
        if let a = credentials.verificationNumberA {
            try verify(VisualApplication.verificationA, a, force: credentials.force)
        } else if let b = credentials.verificationNumberB {
            try verify(VisualApplication.verificationB, b, force: credentials.force)
        }
        if credentials.verificationNumberA != nil || credentials.verificationNumberB != nil, let file = try selectAndRead(File.cardFace) {
            let objects = (try? IndexedTemplate.objects(in: file)) ?? []
            var card = CardReport.CardFace(
                birthDate: objects.text(Tag.birthDate), sex: objects.text(Tag.sex), expiry: objects.text(Tag.expiry), images: [:])
            for (tag, name) in [
                (Tag.nameImage, "name"), (Tag.addressImage, "address"), (Tag.photo, "photo"), (Tag.securityCodeImage, "security-code"),
            ] {
                card.imageFiles[name] = objects.value(tag)
                card.images[name] = Self.describeImage(objects.value(tag))
            }
            cardKey = RSAPublicKey(encoded: objects.value(Tag.cardKey))
            if let issuer {
                let digests = VisualApplication.faceSignatureGroups(objects).map { Array(SHA256.hash(data: $0)) }
                report.checks.append(
                    .init(
                        what: "visual AP card face (EF 0002) signed over its three digest groups by the certified issuer key",
                        passed: issuer.isValidPKCS1v15(signature: objects.value(Tag.faceSignature), input: DigestInfo.threeDigests(digests))
                    ))
            }
            if credentials.verificationNumberA != nil, let file = try selectAndRead(File.myNumber),
                let record = try? VisualApplication.SignedRecord(parsing: file), record.objects.count == 2
            {
                card.imageFiles["my-number"] = record.objects[0].value
                card.images["my-number"] = Self.describeImage(record.objects[0].value)
                if let issuer {
                    report.checks.append(
                        .init(
                            what: "visual AP My Number image (EF 0005) signed by the certified issuer key",
                            passed: issuer.isValidPKCS1v15(signature: record.signature, sha256Of: record.signedPart)))
                }
            }
            face = card
        }
        if let birth = credentials.birthDateKey {
            try verify(VisualApplication.birthDateKey, birth, force: credentials.force)
            if let file = try selectAndRead(File.ageRecord), let record = try? VisualApplication.SignedRecord(parsing: file),
                record.objects.count == 2
            {
                let birthDate = String(decoding: record.objects[0].value, as: UTF8.self)
                face = face ?? CardReport.CardFace(birthDate: birthDate, sex: "", expiry: "", images: [:])
                face?.ageRecordBirthDate = birthDate
                cardKey = cardKey ?? RSAPublicKey(encoded: record.objects[1].value)
                if let issuer {
                    report.checks.append(
                        .init(
                            what: "visual AP age record (EF 0001) signed by the certified issuer key",
                            passed: issuer.isValidPKCS1v15(signature: record.signature, sha256Of: record.signedPart)))
                }
            }
        }
        if face == nil {
            report.notes.append(
                "visual AP: no credential given (--verification-a, --verification-b or --birth-date-key); card face not read")
        }
        report.cardFace = face
        try provePresence(.visual, cardKey: cardKey, &report)
    }

    /// "PNG 384×40 1-bit, 1018 bytes" or "JP2 4442 bytes", from the file's own header.
    static func describeImage(_ bytes: [UInt8]) -> String {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), bytes.count > 24 {
            func u32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
            return "PNG \(u32(16))×\(u32(20)) \(bytes[24])-bit, \(bytes.count) bytes"
        }
        if bytes.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) { return "JP2 \(bytes.count) bytes" }
        return "unknown format, \(bytes.count) bytes"
    }

    func summary(_ fid: FileID, _ role: String, _ c: Certificate, _ der: [UInt8]) -> CardReport.CertificateSummary {
        .init(
            ef: fid.hex, role: role, subject: c.subject.description, issuer: c.issuer.description,
            notValidAfter: c.notValidAfter.formatted(.iso8601), der: Hex.encode(der))
    }
}

/// Credentials the user gave to `CardReader` (ASCII); nil ones are not used.
package struct ReadCredentials: Sendable {
    package var textPIN: String?
    package var verificationNumberA: String?
    package var verificationNumberB: String?
    package var signPassword: String?
    /// The visual AP's birth-date key (Japanese-era YYMMDD), to read its age record.
    package var birthDateKey: String?
    /// Send a credential even when only one try is left.
    package var force = false
    package init() {}
}
