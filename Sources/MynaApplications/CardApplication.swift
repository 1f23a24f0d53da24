/// The My Number card's five applications, by name; each application's file holds the rest.
public enum CardApplicationID: String, Codable, Hashable, Sendable, CaseIterable {
    case jpki = "JPKI"
    case text = "TEXT"
    case visual = "VISUAL"
    case common = "COMMON"
    case juki = "JUKI"

    /// The application identifier (DF name).
    public var aid: [UInt8] {
        switch self {
        case .jpki: return JPKIApplication.aid
        case .text: return TextApplication.aid
        case .visual: return VisualApplication.aid
        case .common: return CommonApplication.aid
        case .juki: return JukiApplication.aid
        }
    }

    /// The card's name for it, with an English gloss.
    public var title: String {
        switch self {
        case .jpki: return "公的個人認証AP (JPKI AP)"
        case .text: return "券面事項入力補助AP (card-info input support AP)"
        case .visual: return "券面事項確認AP (card-face AP)"
        case .common: return "共通AP (common AP)"
        case .juki: return "住基AP (resident-registry AP)"
        }
    }

    /// A short English name for messages and reports, e.g. `text AP`.
    public var shortName: String {
        switch self {
        case .jpki: return "JPKI AP"
        case .text: return "text AP"
        case .visual: return "visual AP"
        case .common: return "common AP"
        case .juki: return "住基AP"
        }
    }

    /// The application a SELECT by DF name selects: the full AID, or a partial DF name of at least
    /// 5 bytes (the RID) that is a proper prefix of exactly one AID (card reference: SELECT).
    public static func selected(by name: [UInt8]) -> (application: CardApplicationID, fullAID: Bool)? {
        let matches = allCases.filter { DFName.selects(name, aid: $0.aid) }
        guard matches.count == 1 else { return nil }
        return (matches[0], matches[0].aid == name)
    }
}

/// How a SELECT by DF name (`00 A4 04 0C`) finds an application on this card.
public enum DFName {
    /// Whether `name` selects the application `aid`: the full AID, or a partial DF name of at least
    /// 5 bytes (the RID) that is a proper prefix of it. The card selects only when exactly one
    /// application matches.
    public static func selects(_ name: [UInt8], aid: [UInt8]) -> Bool {
        aid == name || (name.count >= 5 && name.count < aid.count && aid.starts(with: name))
    }
}
