import Crypto
import Foundation
import ISO7816
import MynaCard
import MynaPersona
import X509
import _CryptoExtras

/// The reference client behind `mynasim read`: reads what a card offers over any `CardChannel`
/// (in-process or PC/SC), without consuming PIN tries unless it was given a credential, and never
/// sends one when a single try is left unless forced.
public struct CardReader<Channel: CardChannel> {
    public var channel: Channel
    public var anchors: TrustAnchors?

    public init(channel: Channel, anchors: TrustAnchors?) {
        self.channel = channel
        self.anchors = anchors
    }


    /// Why reading stopped.
    public enum ReadError: Error, CustomStringConvertible {
        case status(String, StatusWord)
        case refusedLastTry(String)
        case implausibleLength(String, Int, limit: Int)
        public var description: String {
            switch self {
            case .implausibleLength(let what, let n, let limit):
                return "\(what): its header claims \(n) bytes (more than \(limit)); not reading past what the card can hold"
            case .status(let what, let sw): return "\(what): the card answered \(sw) (\(sw.meaning))"
            case .refusedLastTry(let what): return "\(what): only one try left; not sending it without --force (a wrong value would block it)"
            }
        }
    }

    mutating func send(_ hex: String) throws -> ResponseAPDU { try channel.transmit(CommandAPDU(bytes: Hex.decode(hex))) }

    mutating func select(_ aid: String) throws -> Bool {
        try send("00A4040C" + Hex.encode([UInt8(aid.count / 2)]) + aid).status.isSuccess
    }

    mutating func selectEF(_ fid: String) throws -> Bool { try send("00A4020C02" + fid).status.isSuccess }

    /// Reads the current EF by its BER header (8 bytes, then 256-byte chunks), refusing a header
    /// that claims more than `limit` bytes (a hostile or broken card) instead of reading past the end.
    mutating func readEF(_ what: String, limit: Int = 16_384) throws -> [UInt8] {
        let head = try send("00B0000008") // enough for a two-byte tag and an 82-form length
        guard head.status.isSuccess else { throw ReadError.status(what, head.status) }
        let total = (try? BERTLV.parse((head.data + [UInt8](repeating: 0, count: 0x10000))[...])).map {
            BERTLV.headerLength(tag: $0.0.tag, valueLength: $0.0.value.count, form: .minimal) + $0.0.value.count
        } ?? head.data.count
        guard total <= limit else { throw ReadError.implausibleLength(what, total, limit: limit) }
        var data = head.data
        while data.count < total {
            let n = min(256, total - data.count)
            let chunk = try send(Hex.encode([0x00, 0xB0, UInt8(data.count >> 8), UInt8(data.count & 0xFF), UInt8(n & 0xFF)]))
            guard chunk.status.isSuccess, !chunk.data.isEmpty else { throw ReadError.status(what, chunk.status) }
            data += chunk.data
        }
        return data
    }

    /// The retry counter of a credential by short EF id, without using a try.
    mutating func tries(_ p2: String) throws -> Int? { try send("002000" + p2).status.retriesLeft }

    /// VERIFY, guarded: refuses when one try is left unless forced.
    mutating func verify(_ p2: String, _ value: String, what: String, force: Bool) throws {
        if let left = try tries(p2), left <= 1, !force { throw ReadError.refusedLastTry(what) }
        let r = try send("002000" + p2 + Hex.encode([UInt8(value.utf8.count)]) + Hex.encode(Array(value.utf8)))
        guard r.status.isSuccess else { throw ReadError.status("VERIFY \(what)", r.status) }
    }

    public mutating func read(_ credentials: ReadCredentials) throws -> CardReport {
        var report = CardReport(atr: Hex.encode(try channel.powerOn()))
        try readJPKI(credentials, &report)
        try readText(credentials, &report)
        try readVisual(credentials, &report)
        if try select(AID.common) {
            let record = try send("00B2010C00")
            if record.status.isSuccess, record.data.count == 30 {
                let text = String(decoding: record.data.dropFirst(2), as: UTF8.self)
                report.commonRecord = .init(serialNumber: String(text.prefix(15)), municipalityCode: String(text.dropFirst(15).prefix(5)), expiry: String(text.suffix(8)))
            }
            report.triesLeft["common 001C (住民基本台帳用暗証番号)"] = try tries("9C")
        }
        if try select(AID.juki) { report.triesLeft["住基AP 001C"] = try tries("9C") }
        try? channel.powerOff()
        return report
    }

    mutating func readJPKI(_ credentials: ReadCredentials, _ report: inout CardReport) throws {
        guard try select(AID.jpki) else { report.notes.append("no JPKI AP"); return }
        if try selectEF("0006") {
            let token = try send("00B0000020")
            report.tokenLabel = String(decoding: token.data, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
        report.triesLeft["JPKI 0018 (利用者証明用暗証番号)"] = try tries("98")
        report.triesLeft["JPKI 001B (署名用パスワード)"] = try tries("9B")
        var certificates: [String: Certificate] = [:]
        for (fid, role) in [("000A", "authentication"), ("000B", "authentication CA"), ("0002", "signature CA")] where try selectEF(fid) {
            let der = try readEF("EF \(fid)", limit: 4096)
            let certificate = try Certificate(derEncoded: der)
            certificates[role] = certificate
            report.certificates.append(summary(fid, role, certificate, der))
        }
        if let password = credentials.signPassword {
            try verify("9B", password, what: "JPKI 署名用パスワード", force: credentials.force)
            if try selectEF("0001") {
                let der = try readEF("EF 0001", limit: 4096)
                let certificate = try Certificate(derEncoded: der)
                certificates["signature"] = certificate
                report.certificates.append(summary("0001", "signature", certificate, der))
            }
        }
        for (leaf, ca, anchor) in [("authentication", "authentication CA", anchors?.authCA), ("signature", "signature CA", anchors?.signCA)] {
            guard let certificate = certificates[leaf] else { continue }
            let issuer = anchor ?? certificates[ca]
            guard let issuer else { continue }
            let source = anchor != nil ? "the trust anchor from \(anchors!.source)" : "the CA certificate on the card (not a trust anchor)"
            report.checks.append(.init(what: "\(leaf) certificate signed by \(source)",
                                       passed: issuer.publicKey.isValidSignature(certificate.signature, for: certificate)))
        }
    }

    mutating func readText(_ credentials: ReadCredentials, _ report: inout CardReport) throws {
        guard try select(AID.text) else { return }
        report.triesLeft["text 0011 (券面事項入力補助用暗証番号)"] = try tries("91")
        report.triesLeft["text 0014 (照合番号A)"] = try tries("94")
        report.triesLeft["text 0015 (照合番号B)"] = try tries("95")
        // The PIN opens both files; 照合番号A only the My Number, 照合番号B only the attributes (spec §4.1).
        if let pin = credentials.textPIN { try verify("91", pin, what: "券面事項入力補助用暗証番号", force: credentials.force) } else {
            if let a = credentials.verificationNumberA { try verify("94", a, what: "照合番号A", force: credentials.force) }
            if let b = credentials.verificationNumberB { try verify("95", b, what: "照合番号B", force: credentials.force) }
        }
        let myNumberOpen = credentials.textPIN != nil || credentials.verificationNumberA != nil
        let attributesOpen = credentials.textPIN != nil || credentials.verificationNumberB != nil
        guard myNumberOpen || attributesOpen else {
            report.notes.append("text AP: no credential given (--text-pin, --verification-a or --verification-b); My Number and attributes not read")
            return
        }

        var ef1: [UInt8]? = nil, ef2: [UInt8]? = nil
        if myNumberOpen, try selectEF("0001"), case let r = try send("00B0000011"), r.status.isSuccess {
            ef1 = r.data
            report.myNumber = String(decoding: r.data.dropFirst(3).prefix(12), as: UTF8.self)
        }
        if attributesOpen, try selectEF("0002"), case let data = try readEF("EF 0002"), let outer = try? BERTLV(parsing: data) {
            ef2 = data
            let c = (try? outer.children()) ?? []
            func text(_ tag: UInt32) -> String { c.first { $0.tag == tag }.map { String(decoding: $0.value, as: UTF8.self) } ?? "" }
            report.attributes = .init(name: text(0xDF22), address: text(0xDF23), birthDate: text(0xDF24), sex: text(0xDF25))
        }
        // The integrity record: the CV certificate chains to its root, the certified key signed
        // EF 0003, and EF 0003's digests match what was read.
        let issuer = try certifiedIssuer("text AP", &report)
        guard try selectEF("0003"), case let integrity = try readEF("EF 0003"), let record = try? BERTLV(parsing: integrity).children(), record.count == 3
        else { report.checks.append(.init(what: "text AP integrity record readable", passed: false)); return }
        if let issuer {
            let signed = record[0].encoded(lengthForm: .card) + record[1].encoded(lengthForm: .card)
            report.checks.append(.init(what: "text AP integrity record signed by the certified issuer key",
                                       passed: issuer.isValidPKCS1v15(signature: record[2].value, sha256Of: signed)))
        }
        if let ef1 { report.checks.append(.init(what: "My Number digest matches", passed: Array(SHA256.hash(data: ef1)) == record[0].value)) }
        if let ef2, let outer = try? BERTLV(parsing: ef2), let children = try? outer.children() {
            let attributes = children.filter { $0.tag != 0xDF21 }.flatMap { $0.encoded(lengthForm: .card) }
            report.checks.append(.init(what: "attributes digest matches", passed: Array(SHA256.hash(data: attributes)) == record[1].value))
        }
    }

    /// Reads the current AP's CV certificate (EF 0004), checks it against the CV root its
    /// certifier key id names, and returns the issuing key it certifies.
    mutating func certifiedIssuer(_ ap: String, _ report: inout CardReport) throws -> RSAPublicKey? {
        guard try selectEF("0004"), let certificate = CardVerifiableCertificates.parse(try readEF("EF 0004")) else {
            report.checks.append(.init(what: "\(ap) CV certificate readable", passed: false))
            return nil
        }
        if let anchors {
            let certifier = String(decoding: certificate.certifier.prefix(7), as: UTF8.self)
            let root = anchors.cvRoots[certificate.certifier]
            report.checks.append(.init(
                what: "\(ap) CV certificate signed by CV root \(certifier) from \(anchors.source)" + (root == nil ? " (no such root there)" : ""),
                passed: root?.isValidPKCS1v15(signature: certificate.signature, sha256Of: certificate.body) ?? false))
        }
        return certificate.key
    }

    /// Card presence (spec §5.2): GET CHALLENGE, then the AP's card key signs it with no credential;
    /// the signature must verify under the card key the issuer signed.
    mutating func provePresence(_ ap: String, cardKey: RSAPublicKey?, _ report: inout CardReport) throws {
        let challenge = try send("0084000010")
        guard challenge.status.isSuccess, let cardKey else { return }
        let digestInfo = VirtualCard.sha256DigestInfoPrefix + SHA256.hash(data: challenge.data)
        let signature = try channel.transmit(CommandAPDU(cla: 0x80, ins: 0x2A, p1: 0x00, p2: 0x00, data: digestInfo, ne: 256))
        report.checks.append(.init(what: "\(ap) card key signed a fresh challenge (card present)",
                                   passed: signature.status.isSuccess && cardKey.isValidPKCS1v15(signature: signature.data, sha256Of: challenge.data)))
    }

    mutating func readVisual(_ credentials: ReadCredentials, _ report: inout CardReport) throws {
        guard try select(AID.visual) else { return }
        report.triesLeft["visual 0011 (生年月日)"] = try tries("91")
        report.triesLeft["visual 0012 (照合番号B)"] = try tries("92")
        report.triesLeft["visual 0013 (照合番号A)"] = try tries("93")
        let issuer = try certifiedIssuer("visual AP", &report)
        var face: CardReport.CardFace? = nil
        var cardKey: RSAPublicKey? = nil
        if let a = credentials.verificationNumberA { try verify("93", a, what: "券面事項確認AP 照合番号A", force: credentials.force) }
        else if let b = credentials.verificationNumberB { try verify("92", b, what: "券面事項確認AP 照合番号B", force: credentials.force) }
        if credentials.verificationNumberA != nil || credentials.verificationNumberB != nil, try selectEF("0002") {
            let objects = (try? BERTLV(parsing: try readEF("EF 0002")).children()) ?? []
            func value(_ tag: UInt32) -> [UInt8] { objects.first { $0.tag == tag }?.value ?? [] }
            func text(_ tag: UInt32) -> String { String(decoding: value(tag), as: UTF8.self) }
            var card = CardReport.CardFace(birthDate: text(0xDF22), sex: text(0xDF23), expiry: text(0xDF29), images: [:])
            for (tag, name) in [(0xDF25, "name"), (0xDF26, "address"), (0xDF27, "photo"), (0xDF2A, "security-code")] as [(UInt32, String)] {
                card.imageFiles[name] = value(tag)
                card.images[name] = Self.describeImage(value(tag))
            }
            cardKey = CardVerifiableCertificates.publicKey(fromTLVs: value(0xDF24))
            if let issuer {
                let digestInfo = CardVerifiableCertificates.threeGroupDigestInfo(VisualApplication.faceSignatureGroups(objects))
                report.checks.append(.init(what: "visual AP card face (EF 0002) signed over its three digest groups by the certified issuer key",
                                           passed: issuer.isValidPKCS1v15(signature: value(0xDF28), input: digestInfo)))
            }
            if credentials.verificationNumberA != nil, try selectEF("0005"), let number = try? BERTLV(parsing: try readEF("EF 0005")).children(), number.count == 3 {
                card.imageFiles["my-number"] = number[0].value
                card.images["my-number"] = Self.describeImage(number[0].value)
                if let issuer {
                    report.checks.append(.init(what: "visual AP My Number image (EF 0005) signed by the certified issuer key",
                                               passed: issuer.isValidPKCS1v15(signature: number[2].value, sha256Of: number[0].encoded(lengthForm: .card) + number[1].encoded(lengthForm: .card))))
                }
            }
            face = card
        }
        if let birth = credentials.birthDateKey {
            try verify("91", birth, what: "券面事項確認AP 生年月日", force: credentials.force)
            if try selectEF("0001"), let age = try? BERTLV(parsing: try readEF("EF 0001")).children(), age.count == 3 {
                let birthDate = String(decoding: age[0].value, as: UTF8.self)
                face = face ?? CardReport.CardFace(birthDate: birthDate, sex: "", expiry: "", images: [:])
                face?.ageRecordBirthDate = birthDate
                cardKey = cardKey ?? CardVerifiableCertificates.publicKey(fromTLVs: age[1].value)
                if let issuer {
                    report.checks.append(.init(what: "visual AP age record (EF 0001) signed by the certified issuer key",
                                               passed: issuer.isValidPKCS1v15(signature: age[2].value, sha256Of: age[0].encoded(lengthForm: .card) + age[1].encoded(lengthForm: .card))))
                }
            }
        }
        if face == nil {
            report.notes.append("visual AP: no credential given (--verification-a, --verification-b or --birth-date-key); card face not read")
        }
        report.cardFace = face
        try provePresence("visual AP", cardKey: cardKey, &report)
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

    func summary(_ fid: String, _ role: String, _ c: Certificate, _ der: [UInt8]) -> CardReport.CertificateSummary {
        .init(ef: fid, role: role, subject: c.subject.description, issuer: c.issuer.description,
              notValidAfter: ISO8601DateFormatter().string(from: c.notValidAfter), der: Hex.encode(der))
    }
}

/// Credentials the user gave to `CardReader` (ASCII); nil ones are not used.
public struct ReadCredentials: Sendable {
    public var textPIN: String?
    public var verificationNumberA: String?
    public var verificationNumberB: String?
    public var signPassword: String?
    /// The visual AP's birth-date key (Japanese-era YYMMDD), to read its age record.
    public var birthDateKey: String?
    /// Send a credential even when only one try is left.
    public var force = false
    public init() {}
}

/// The applications `CardReader` reads, by AID.
enum AID {
    static let jpki = Hex.encode(JPKIApplication.aid)
    static let text = Hex.encode(TextApplication.aid)
    static let visual = Hex.encode(VisualApplication.aid)
    static let common = Hex.encode(ResidentApplications.commonAID)
    static let juki = Hex.encode(ResidentApplications.jukiAID)
}
