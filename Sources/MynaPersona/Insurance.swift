/// The person's health-insurance qualification (医療保険の資格), as the mock qualification service
/// answers it: not on the card, but in `persona.yaml` so a persona set seeds the service.
public struct Insurance: Codable, Hashable, Sendable {
    /// 保険者番号: 8 digits (6 for 国民健康保険).
    public var insurerNumber: String
    /// 保険者名, e.g. 全国健康保険協会 東京支部.
    public var insurerName: String
    /// 被保険者証の記号 and 番号.
    public var symbol: String
    public var number: String
    /// 枝番: 2 digits.
    public var branch: String
    /// 本人 (the insured person) or 家族 (a dependant).
    public var relationship: Relationship
    /// 一部負担金割合 in percent: 10, 20 or 30.
    public var copayRatio: Int
    /// 資格取得日.
    public var validFrom: CalendarDate
    /// 資格喪失日 (the last day); nil while the qualification lasts.
    public var validTo: CalendarDate?
    /// 限度額適用認定証の区分 (e.g. 区ウ), if any.
    public var limitCategory: String?

    public enum Relationship: String, Codable, Hashable, Sendable, CaseIterable {
        case insured, dependant
        /// As the result screen shows it.
        public var japanese: String { self == .insured ? "本人" : "家族" }
    }

    public init(
        insurerNumber: String, insurerName: String, symbol: String, number: String, branch: String, relationship: Relationship,
        copayRatio: Int, validFrom: CalendarDate, validTo: CalendarDate? = nil, limitCategory: String? = nil
    ) {
        self.insurerNumber = insurerNumber
        self.insurerName = insurerName
        self.symbol = symbol
        self.number = number
        self.branch = branch
        self.relationship = relationship
        self.copayRatio = copayRatio
        self.validFrom = validFrom
        self.validTo = validTo
        self.limitCategory = limitCategory
    }

    /// Problems with the values, by key.
    func problems() -> [(key: String, message: String)] {
        var out: [(key: String, message: String)] = []
        if !(insurerNumber.count == 8 || insurerNumber.count == 6) || !insurerNumber.allSatisfy(\.isASCIIDigit) {
            out.append(("insurerNumber", "保険者番号 must be 8 digits (6 for 国民健康保険), got '\(insurerNumber)'"))
        }
        if branch.count != 2 || !branch.allSatisfy(\.isASCIIDigit) { out.append(("branch", "枝番 must be 2 digits, got '\(branch)'")) }
        if ![10, 20, 30].contains(copayRatio) { out.append(("copayRatio", "一部負担金割合 must be 10, 20 or 30 (percent), got \(copayRatio)")) }
        if let validTo, validTo < validFrom { out.append(("validTo", "資格喪失日 \(validTo) is before 資格取得日 \(validFrom)")) }
        return out
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
