import Foundation
import VirtualReader

/// The areas a reader check belongs to, in the order they run.
package enum ReaderCheckGroup: String, Codable, Sendable, CaseIterable {
    case identity, atr, transport, timing, presence, robustness

    /// A heading for people.
    package var title: String {
        switch self {
        case .identity: "Identity and capabilities"
        case .atr: "ATR and protocol"
        case .transport: "APDU transport"
        case .timing: "Timing"
        case .presence: "Card presence"
        case .robustness: "Robustness"
        }
    }
}

/// A limit a measured figure must keep: `≤ 100 ms`, `≥ 1 kB/s`.
package struct ReaderThreshold: Codable, Hashable, Sendable, CustomStringConvertible {
    package enum Comparison: String, Codable, Sendable {
        case atMost = "≤"
        case atLeast = "≥"
        case exactly = "="
    }

    package var comparison: Comparison
    package var value: Double
    package var unit: String

    package static func atMost(_ value: Double, _ unit: String) -> ReaderThreshold { .init(comparison: .atMost, value: value, unit: unit) }
    package static func atLeast(_ value: Double, _ unit: String) -> ReaderThreshold {
        .init(comparison: .atLeast, value: value, unit: unit)
    }
    package static func exactly(_ value: Double, _ unit: String) -> ReaderThreshold {
        .init(comparison: .exactly, value: value, unit: unit)
    }

    /// Whether `figure` keeps the limit.
    package func accepts(_ figure: Double) -> Bool {
        switch comparison {
        case .atMost: figure <= value
        case .atLeast: figure >= value
        case .exactly: figure == value
        }
    }

    package var description: String { "\(comparison.rawValue) \(ReaderFigure.format(value)) \(unit)" }
}

/// What a check does on a real card (a reader that is not one of mynasim's), shown in reports.
package enum RealCardHandling: String, Codable, Sendable {
    /// Runs unattended on any reader.
    case automatic
    /// Needs a person at the reader: skipped without `--interactive`.
    case interactive
    /// Needs the card's PIN (`--card-pin`) and a full retry counter; skipped otherwise.
    case needsPIN = "needs PIN"
    /// Only mynasim's virtual card can be made to do it: not applicable on a real card.
    case virtualOnly = "virtual only"
}

/// One reader check, as data: what it is called, what it checks, which requirement it rests on and
/// the thresholds its figures are judged by. The code that measures it is in the `…Checks` files.
package struct ReaderCheckDefinition: Sendable {
    package var id: String
    package var group: ReaderCheckGroup
    package var title: String
    /// The requirement cited: PC/SC Part 3/5/10, CCID 1.1, ISO/IEC 7816-3/4, the card reference.
    package var requirement: String
    /// What passing means, in one or two sentences (reports, docs/reader-check.md).
    package var meaning: String
    /// Limits by figure name; a figure without one is informative.
    package var thresholds: [String: ReaderThreshold]
    package var realCard: RealCardHandling
}

/// A measured number, with the limit it was judged against.
package struct ReaderFigure: Codable, Hashable, Sendable {
    package var name: String
    package var value: Double
    package var unit: String
    package var threshold: ReaderThreshold?

    package init(name: String, value: Double, unit: String, threshold: ReaderThreshold? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
        self.threshold = threshold
    }

    /// Whether the figure keeps its threshold (true for an informative figure).
    package var passed: Bool { threshold?.accepts(value) ?? true }

    /// `12.3 ms`, with the limit when there is one: `12.3 ms (≤ 100 ms)`.
    package var text: String {
        "\(Self.format(value)) \(unit)" + (threshold.map { " (\($0))" } ?? "")
    }

    /// A number without needless decimals: 3, 12.5, 0.125.
    package static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        if abs(value) >= 100 { return String(format: "%.0f", value) }
        if abs(value) >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.3g", value)
    }
}

/// The outcome of one reader check.
package struct ReaderCheckResult: Codable, Sendable {
    package var id: String
    package var group: ReaderCheckGroup
    package var title: String
    package var requirement: String
    package var verdict: Verdict
    /// Why the verdict is not `pass` (the first failure, or the reason for a skip).
    package var message: String?
    package var figures: [ReaderFigure]
    /// What was sent and seen: commands and answers, PC/SC results, events.
    package var evidence: [String]
    package var seconds: Double
}

/// What the reader said about itself.
package struct ReaderIdentityFacts: Codable, Sendable {
    package var name: String
    package var vendor: String?
    package var ifdType: String?
    package var version: String?
    package var serial: String?
    package var channelID: String?
    package var firmware: String?
    package var idVendor: String?
    package var idProduct: String?
    /// Part 10 features the reader lists (names), nil when it answers none.
    package var part10Features: [String]?
    /// `dwMaxAPDUDataSize`, when the reader reports Part 10 properties.
    package var maxAPDUDataSize: Int?

    package init(name: String) { self.name = name }
}

/// The card a run used.
package struct CardFacts: Codable, Sendable {
    /// mynasim's virtual card (a persona) or a real card.
    package var virtual: Bool
    package var description: String
    package var atr: String?
    /// The known ATR it answers with (card reference §atr), when it is one.
    package var atrName: String?
    package var `protocol`: String?
    /// `contact` or `contactless`, told by the ATR.
    package var interface: String?
}

/// A whole reader check: who ran what on which reader with which card, and every result.
package struct ReaderCheckRun: Codable, Sendable {
    package var tool: String
    package var date: String
    package var reader: ReaderIdentityFacts
    package var card: CardFacts
    /// `virtual reader (slot N)` or `real reader`, and whether a person took part.
    package var mode: String
    package var interactive: Bool
    package var results: [ReaderCheckResult]
    /// What the reader was seen to do, as reader quirks: the behaviour of the measured profile.
    package var behaviour: ReaderQuirks

    /// Passed unless a check failed or was inconclusive.
    package var passed: Bool { !results.contains { $0.verdict.isFailure } }

    package var counts: [Verdict: Int] { Dictionary(grouping: results, by: \.verdict).mapValues(\.count) }
}
