import Crypto
import Foundation
import ISO7816
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
        public var description: String {
            switch self {
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

    /// Reads the current EF by its BER header (4 bytes, then 256-byte chunks).
    mutating func readEF(_ what: String) throws -> [UInt8] {
        let head = try send("00B0000008") // enough for a two-byte tag and an 82-form length
        guard head.status.isSuccess else { throw ReadError.status(what, head.status) }
        let total = (try? BERTLV.parse((head.data + [UInt8](repeating: 0, count: 0x10000))[...])).map {
            BERTLV.headerLength(tag: $0.0.tag, valueLength: $0.0.value.count, form: .minimal) + $0.0.value.count
        } ?? head.data.count
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
            let der = try readEF("EF \(fid)")
            let certificate = try Certificate(derEncoded: der)
            certificates[role] = certificate
            report.certificates.append(summary(fid, role, certificate, der))
        }
        if let password = credentials.signPassword {
            try verify("9B", password, what: "JPKI 署名用パスワード", force: credentials.force)
            if try selectEF("0001") {
                let der = try readEF("EF 0001")
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
        if let pin = credentials.textPIN { try verify("91", pin, what: "券面事項入力補助用暗証番号", force: credentials.force) }
        else if let a = credentials.verificationNumberA { try verify("94", a, what: "照合番号A", force: credentials.force) }
        else if let b = credentials.verificationNumberB { try verify("95", b, what: "照合番号B", force: credentials.force) }
        else { report.notes.append("text AP: no credential given (--text-pin, --verification-a or --verification-b); My Number and attributes not read"); return }

        var ef1: [UInt8]? = nil, ef2: [UInt8]? = nil
        if try selectEF("0001"), case let r = try send("00B0000011"), r.status.isSuccess {
            ef1 = r.data
            report.myNumber = String(decoding: r.data.dropFirst(3).prefix(12), as: UTF8.self)
        }
        if try selectEF("0002"), case let data = try readEF("EF 0002"), let outer = try? BERTLV(parsing: data) {
            ef2 = data
            let c = (try? outer.children()) ?? []
            func text(_ tag: UInt32) -> String { c.first { $0.tag == tag }.map { String(decoding: $0.value, as: UTF8.self) } ?? "" }
            report.attributes = .init(name: text(0xDF22), address: text(0xDF23), birthDate: text(0xDF24), sex: text(0xDF25))
        }
        // The integrity record: the CV certificate chains to the CV root, its key signed EF 0003,
        // and EF 0003's digests match what was read.
        guard try selectEF("0004"), case let cvc = try readEF("EF 0004"), try selectEF("0003"), case let integrity = try readEF("EF 0003"),
            let body = try? BERTLV(parsing: cvc).child(0x5F4E)?.value, let cvSignature = try? BERTLV(parsing: cvc).child(0x5F37)?.value,
            let record = try? BERTLV(parsing: integrity).children(), record.count == 3
        else { report.checks.append(.init(what: "text AP integrity record readable", passed: false)); return }
        if let root = anchors?.cvRoot {
            report.checks.append(.init(what: "text AP CV certificate signed by the CV root from \(anchors!.source)",
                                       passed: Self.verifyPKCS1(body, cvSignature, root)))
        }
        let keyTLVs = Array(body.dropFirst(32))
        if let n = (try? BERTLV.parseAll(keyTLVs))?.first(where: { $0.tag == 0x91 })?.value,
            let e = (try? BERTLV.parseAll(keyTLVs))?.first(where: { $0.tag == 0x90 })?.value,
            let issuer = try? _RSA.Signing.PublicKey(n: n, e: e) {
            let signed = record[0].encoded(lengthForm: .card) + record[1].encoded(lengthForm: .card)
            report.checks.append(.init(what: "text AP integrity record signed by the certified issuer key", passed: Self.verifyPKCS1(signed, record[2].value, issuer)))
        }
        if let ef1 { report.checks.append(.init(what: "My Number digest matches", passed: Array(SHA256.hash(data: ef1)) == record[0].value)) }
        if let ef2, let outer = try? BERTLV(parsing: ef2), let children = try? outer.children() {
            let attributes = children.filter { $0.tag != 0xDF21 }.flatMap { $0.encoded(lengthForm: .card) }
            report.checks.append(.init(what: "attributes digest matches", passed: Array(SHA256.hash(data: attributes)) == record[1].value))
        }
    }

    static func verifyPKCS1(_ message: [UInt8], _ signature: [UInt8], _ key: _RSA.Signing.PublicKey) -> Bool {
        key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
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
    /// Send a credential even when only one try is left.
    public var force = false
    public init() {}
}

/// The applications `CardReader` reads, by AID.
enum AID {
    static let jpki = "D392F000260100000001"
    static let text = "D3921000310001010408"
    static let common = "D3921000310001010100"
    static let juki = "D3921000310001010401"
}
