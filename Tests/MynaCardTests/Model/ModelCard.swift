import Foundation
import MynaCard
import MynaPersona

// The reference model's static knowledge of the card: applications, files, credentials and keys,
// written from docs/card-reference.md and docs/fidelity.md (not from the card's code). Only the
// issued bytes of data files come from the card image; which files exist, what guards them and
// how the credentials behave is the model's own.

/// The five applications (card reference §applications).
enum ModelApp: String, CaseIterable, Hashable, Sendable {
    case jpki, text, visual, common, juki

    var aid: [UInt8] {
        switch self {
        case .jpki: return [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]
        case .text: return [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08]
        case .visual: return [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02]
        case .common: return [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00]
        case .juki: return [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01]
        }
    }

    /// The GlobalPlatform Issuer Security Domain: selecting it returns the card to its power-on
    /// (MF-level) state (card reference §applications).
    static let issuerSecurityDomain: [UInt8] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00]
}

/// Every credential (card reference §credentials, §jpki-files, §text-files, §visual-files,
/// §common-ap, §juki-ap; limits of the unknown ones: §decision-retry-limits).
enum ModelCredential: String, CaseIterable, Hashable, Sendable, Comparable {
    case authPIN, signPassword, textPIN, textA, textB, textBlocked, birthKey, visualB, visualA, commonPIN, jukiPIN

    static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    var app: ModelApp {
        switch self {
        case .authPIN, .signPassword: return .jpki
        case .textPIN, .textA, .textB, .textBlocked: return .text
        case .birthKey, .visualB, .visualA: return .visual
        case .commonPIN: return .common
        case .jukiPIN: return .juki
        }
    }

    var fid: UInt16 {
        switch self {
        case .authPIN: return 0x0018
        case .signPassword: return 0x001B
        case .textPIN: return 0x0011
        case .textBlocked: return 0x0012
        case .textA: return 0x0014
        case .textB: return 0x0015
        case .birthKey: return 0x0011
        case .visualB: return 0x0012
        case .visualA: return 0x0013
        case .commonPIN, .jukiPIN: return 0x001C
        }
    }

    /// Tries allowed: 3 for the 4-digit PINs, 5 for the signature password, 10 for 照合番号A/B and
    /// the birth-date key (assumed, §decision-retry-limits). The key blocked on every card has none.
    var limit: Int {
        switch self {
        case .authPIN, .textPIN, .commonPIN, .jukiPIN: return 3
        case .signPassword: return 5
        case .textA, .textB, .birthKey, .visualB, .visualA: return 10
        case .textBlocked: return 0
        }
    }

    /// How a host changes the value: CHANGE REFERENCE DATA for the JPKI AP and the text AP
    /// (§change-reference-data), CHANGE KEY for the resident PINs (§change-key); the
    /// verification numbers and the birth-date key cannot be changed.
    enum Change { case referenceData, key, none }

    var change: Change {
        switch self {
        case .authPIN, .signPassword, .textPIN: return .referenceData
        case .commonPIN, .jukiPIN: return .key
        case .textA, .textB, .textBlocked, .birthKey, .visualB, .visualA: return .none
        }
    }

    /// Whether `value` is a valid new value (fidelity.md, credentials: 4 digits; the password 6–16 of
    /// A–Z and 0–9 with a letter and a digit).
    func accepts(_ value: [UInt8]) -> Bool {
        let digits = value.allSatisfy { (0x30...0x39).contains($0) }
        switch self {
        case .signPassword:
            let allowed = value.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }
            return (6...16).contains(value.count) && allowed && value.contains { (0x41...0x5A).contains($0) }
                && value.contains { (0x30...0x39).contains($0) }
        default:
            return value.count == 4 && digits
        }
    }
}

/// Private keys (card reference §jpki-sign, §card-key-signing, §internal-authenticate).
enum ModelKey: Hashable, Sendable {
    case jpkiAuth, jpkiSign, textCard, visualCard, common

    /// The credential that must be verified before the key signs.
    var guardedBy: ModelCredential? {
        switch self {
        case .jpkiAuth: return .authPIN
        case .jpkiSign: return .signPassword
        case .textCard, .visualCard, .common: return nil
        }
    }
}

/// What an EF is to the model.
enum ModelFile: Hashable, Sendable {
    /// A transparent EF readable when `access` is met (nil: free).
    case data(access: Set<ModelCredential>?)
    /// A record EF (the 共通AP's EF 0001).
    case records
    case credential(ModelCredential)
    case key(ModelKey)
    /// Selectable; READ answers 6981 (internal EFs of unknown purpose, fidelity.md).
    case opaque
    /// Present; every READ answers 6982 (JPKI EF 0009, fidelity.md).
    case protected
}

/// The model's view of one persona's card: its files, credential values and issued bytes.
struct ModelCard: Sendable {
    let name: String
    let files: [ModelApp: [UInt16: ModelFile]]
    /// EFs directly under the MF (card reference §mf): 001E is internal.
    let masterFiles: [UInt16: ModelFile] = [0x001E: .opaque]
    let initialValues: [ModelCredential: [UInt8]]
    let blockedAtIssue: Set<ModelCredential>
    let shortOnly: Bool
    /// Issued bytes of the data files and records, by application and FID.
    let contents: [ModelApp: [UInt16: [UInt8]]]
    let records: [UInt16: [[UInt8]]]
    let atr: [UInt8]
    /// The card-level data objects issued (card reference §get-data), by tag.
    let dataObjects: [UInt16: [UInt8]]

    var credentials: [ModelCredential] { files.values.flatMap(\.values).compactMap { if case .credential(let c) = $0 { c } else { nil } } }

    init(name: String, persona directory: PersonaDirectory) throws {
        self.name = name
        let persona = directory.persona
        let withSignature = persona.card.signatureCertificate && !persona.card.faceAuthentication
        let pin: Set<ModelCredential>? = [.textPIN, .textA, .textB]
        var jpki: [UInt16: ModelFile] = [
            0x0002: .data(access: nil), 0x0006: .data(access: nil), 0x0008: .data(access: nil), 0x0009: .protected,
            0x000A: .data(access: nil), 0x000B: .data(access: nil), 0x0017: .key(.jpkiAuth), 0x0018: .credential(.authPIN),
        ]
        for fid: UInt16 in [0x0005, 0x0010, 0x0016, 0x0019, 0x001C, 0x001E] { jpki[fid] = .opaque }
        if withSignature {
            jpki[0x0001] = .data(access: [.signPassword])
            jpki[0x001A] = .key(.jpkiSign)
            jpki[0x001B] = .credential(.signPassword)
        }
        // §text-files: 0010, 001C and 001E are selectable, of unknown purpose.
        let text: [UInt16: ModelFile] = [
            0x0001: .data(access: [.textPIN, .textA]), 0x0002: .data(access: [.textPIN, .textB]), 0x0003: .data(access: pin),
            0x0004: .data(access: nil), 0x0005: .data(access: nil), 0x0006: .data(access: pin), 0x0007: .data(access: pin),
            0x0008: .data(access: pin), 0x0011: .credential(.textPIN), 0x0012: .credential(.textBlocked), 0x0013: .key(.textCard),
            0x0014: .credential(.textA), 0x0015: .credential(.textB), 0x0010: .opaque, 0x001C: .opaque, 0x001E: .opaque,
        ]
        let visual: [UInt16: ModelFile] = [
            0x0001: .data(access: [.birthKey]), 0x0002: .data(access: [.visualA, .visualB]), 0x0003: .data(access: nil),
            0x0004: .data(access: nil), 0x0005: .data(access: [.visualA]), 0x0006: .data(access: [.visualA, .visualB]),
            0x0011: .credential(.birthKey), 0x0012: .credential(.visualB), 0x0013: .credential(.visualA), 0x001A: .key(.visualCard),
            0x001C: .opaque, 0x001E: .opaque,
        ]
        let common: [UInt16: ModelFile] = [
            0x0001: .records, 0x0002: .data(access: nil), 0x0019: .key(.common), 0x001C: .credential(.commonPIN),
        ]
        let juki: [UInt16: ModelFile] = [0x0002: .data(access: nil), 0x001C: .credential(.jukiPIN)]
        files = [.jpki: jpki, .text: text, .visual: visual, .common: common, .juki: juki]

        let b = Self.verificationNumberB(persona)
        let resident = Array(persona.credentials.residentPIN.utf8)
        initialValues = [
            .authPIN: Array(persona.credentials.authPIN.utf8), .signPassword: Array(persona.credentials.signPassword.utf8),
            .textPIN: Array(persona.credentials.textPIN.utf8), .textA: Array(persona.myNumber.utf8), .textB: b,
            .birthKey: Array(b.prefix(6)), .visualB: b, .visualA: Array(persona.myNumber.utf8), .commonPIN: resident,
            .jukiPIN: resident, .textBlocked: [],
        ]
        blockedAtIssue = persona.card.faceAuthentication ? [.textBlocked, .authPIN, .textPIN] : [.textBlocked]
        shortOnly = !persona.card.extendedLength

        // The issued bytes (what the persona put on the card, not how the card guards them).
        let image = directory.cardImage()
        atr = image.atr
        dataObjects = image.dataObjects
        var contents: [ModelApp: [UInt16: [UInt8]]] = [:]
        var records: [UInt16: [[UInt8]]] = [:]
        for app in ModelApp.allCases {
            guard let issued = image.applications.first(where: { $0.aid == app.aid }) else { throw ModelError.missingApplication(app) }
            for file in issued.files {
                switch file.content {
                case .transparent(let bytes): contents[app, default: [:]][file.fid] = bytes
                case .records(let list) where app == .common: records[file.fid] = list
                default: break
                }
            }
            for (fid, kind) in files[app]! {
                if case .data = kind, contents[app]?[fid] == nil { throw ModelError.missingContent(app, fid) }
            }
        }
        self.contents = contents
        self.records = records
    }

    /// 照合番号B: the birth date as Japanese-era YYMMDD, the expiry year, the security code
    /// (card reference §verification-number-b).
    static func verificationNumberB(_ persona: Persona) -> [UInt8] {
        let date = persona.birthDate
        let key = date.year * 10_000 + date.month * 100 + date.day
        let eraStart = [(20_190_501, 2018), (19_890_108, 1988), (19_261_225, 1925), (19_120_730, 1911), (0, 1867)]
        let base = eraStart.first { key >= $0.0 }!.1
        let era = String(format: "%02d%02d%02d", date.year - base, date.month, date.day)
        return Array((era + String(persona.card.expiry.year) + persona.card.securityCode).utf8)
    }

    /// The files of the current DF.
    func directory(_ app: ModelApp?) -> [UInt16: ModelFile] { app.map { files[$0]! } ?? masterFiles }

    /// The EF an SFI names in the current DF.
    func file(sfi: UInt8, in app: ModelApp?) -> UInt16? {
        directory(app).keys.first { $0 <= 0x1E && UInt8($0) == sfi }
    }
}

enum ModelError: Error, CustomStringConvertible {
    case missingApplication(ModelApp)
    case missingContent(ModelApp, UInt16)

    var description: String {
        switch self {
        case .missingApplication(let app): return "the card image has no \(app) application"
        case .missingContent(let app, let fid): return "the card image has no bytes for \(app) EF \(String(format: "%04X", fid))"
        }
    }
}
