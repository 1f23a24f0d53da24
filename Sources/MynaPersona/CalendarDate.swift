import Foundation

/// A calendar date without time or zone (birth dates, expiry dates), written `YYYY-MM-DD`.
public struct CalendarDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...Self.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = CalendarDate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a date YYYY-MM-DD"))
        }
        self = date
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// `YYYY-MM-DD`.
    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }
    /// `YYYYMMDD`, as the card stores dates.
    public var compact: String { String(format: "%04d%02d%02d", year, month, day) }

    /// This month and day in `year`; 29 February becomes 28 February in a common year (the
    /// day a person born on 29 February gains a year of age in Japan).
    public func anniversary(in year: Int) -> CalendarDate {
        CalendarDate(year: year, month: month, day: min(day, Self.daysIn(month: month, year: year)))!
    }

    /// The `n`th birthday strictly after `date`.
    public func nthBirthday(_ n: Int, after date: CalendarDate) -> CalendarDate {
        let first = anniversary(in: date.year) > date ? date.year : date.year + 1
        return anniversary(in: first + n - 1)
    }

    /// Age in whole years on `date`.
    public func age(on date: CalendarDate) -> Int {
        date.year - year - (anniversary(in: date.year) > date ? 1 : 0)
    }

    /// Today in Japan (UTC+9).
    public static func todayInJapan(now: Date = Date()) -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 9 * 3600)!
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        return CalendarDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    /// 23:59:59 JST (14:59:59Z) on this day: when J-LIS certificates expire.
    public var endOfDayInJapan: Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 14, minute: 59, second: 59))!
    }

    /// 00:00:00 JST on this day.
    public var startOfDayInJapan: Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 9 * 3600)!
        return calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    /// The Japanese era and year, for 照合番号B and the signature certificate's birth date.
    public var japaneseEra: (era: JapaneseEra, year: Int) {
        for era in JapaneseEra.allCases.reversed() where self >= era.start {
            return (era, year - era.start.year + 1)
        }
        return (.meiji, year - 1867)
    }
}

/// The modern Japanese eras (和暦), with the era code digits J-LIS uses.
public enum JapaneseEra: Int, CaseIterable, Sendable {
    case meiji = 1
    case taisho = 2
    case showa = 3
    case heisei = 4
    case reiwa = 5

    public var start: CalendarDate {
        switch self {
        case .meiji: return CalendarDate(year: 1868, month: 10, day: 23)!
        case .taisho: return CalendarDate(year: 1912, month: 7, day: 30)!
        case .showa: return CalendarDate(year: 1926, month: 12, day: 25)!
        case .heisei: return CalendarDate(year: 1989, month: 1, day: 8)!
        case .reiwa: return CalendarDate(year: 2019, month: 5, day: 1)!
        }
    }

    public var kanji: String {
        switch self {
        case .meiji: return "明治"
        case .taisho: return "大正"
        case .showa: return "昭和"
        case .heisei: return "平成"
        case .reiwa: return "令和"
        }
    }
}
