import ISO7816

/// The outcome of a test case.
package enum Verdict: String, Codable, Sendable, CaseIterable {
    case pass, fail, skipped
    case notApplicable = "not applicable"
    case inconclusive

    /// A failure for the run: failed, or could not be judged.
    package var isFailure: Bool { self == .fail || self == .inconclusive }
}

/// One command and its response, timed.
package struct ExchangeRecord: Codable, Sendable {
    package var command: String
    package var response: String
    package var status: String
    package var statusMeaning: String
    /// Wall time of the exchange, including GET RESPONSE / 6Cxx follow-ups.
    package var micros: Int
    package var commandClass: String
}

/// A step of a case: an exchange (or reset) and, when it was checked, what was expected.
package struct StepRecord: Codable, Sendable {
    package var location: String
    package var exchange: ExchangeRecord?
    package var atr: String?
    package var expected: String?
    package var expectedMeaning: String?
    package var passed: Bool
    package var message: String?
}

/// The result of one test case.
package struct CaseResult: Codable, Sendable {
    package var id: String
    package var title: String
    package var requirement: String?
    package var file: String
    package var verdict: Verdict
    /// Why the verdict is not `pass` (the first failure, or the reason for a skip).
    package var message: String?
    package var steps: [StepRecord]
    package var micros: Int
    /// The case's position in the whole run, every shard together (0-based), so merged shards
    /// come back in the unsharded order.
    package var ordinal: Int? = nil
}

/// Which part of a sharded run a report covers (`--shard INDEX/TOTAL`).
package struct ShardInfo: Codable, Sendable, Hashable {
    /// 1-based.
    package var index: Int
    package var total: Int
    /// Cases (or scenarios) of the whole run, every shard together.
    package var totalCases: Int

    package init(index: Int, total: Int, totalCases: Int) {
        self.index = index
        self.total = total
        self.totalCases = totalCases
    }

    /// `shard 2 of 3`.
    package var label: String { "shard \(index) of \(total)" }
    /// The report file name suffix: `shard-2-of-3`.
    package var fileSuffix: String { "shard-\(index)-of-\(total)" }
}

/// Count, min, p50, p95, max of a set of durations (µs).
package struct TimingSummary: Codable, Sendable {
    package var count: Int
    package var min: Int
    package var p50: Int
    package var p95: Int
    package var max: Int
    /// Bucket upper bounds (µs) and counts, log-spaced, for the HTML histograms.
    package var histogram: [Bucket]

    package struct Bucket: Codable, Sendable {
        package var upToMicros: Int
        package var count: Int
    }

    package init?(_ values: [Int]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func percentile(_ p: Double) -> Int { sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)] }
        count = sorted.count
        min = sorted[0]
        p50 = percentile(0.5)
        p95 = percentile(0.95)
        max = sorted[sorted.count - 1]
        var bounds: [Int] = []
        var bound = 1
        while bound < max * 2 || bounds.isEmpty {
            bounds.append(bound)
            bound *= 2
        }
        var counts = [Int](repeating: 0, count: bounds.count)
        for v in sorted { counts[bounds.firstIndex { v <= $0 } ?? bounds.count - 1] += 1 }
        let first = counts.firstIndex { $0 > 0 } ?? 0
        let last = counts.lastIndex { $0 > 0 } ?? 0
        histogram = (first...last).map { Bucket(upToMicros: bounds[$0], count: counts[$0]) }
    }
}

/// A whole run: every case, with timing per command class and per case.
package struct RunResult: Codable, Sendable {
    package var name: String
    package var channel: String
    package var started: String
    package var cases: [CaseResult]
    package var timingByCommandClass: [String: TimingSummary]
    package var timingByCase: TimingSummary?
    /// The part of a sharded run this is; nil for a whole run.
    package var shard: ShardInfo?
    /// How many shard reports `mynasim report merge` made this from; nil if not merged.
    package var mergedShards: Int?

    package var counts: [Verdict: Int] {
        Dictionary(grouping: cases, by: \.verdict).mapValues(\.count)
    }

    /// Passed unless something failed or was inconclusive.
    package var succeeded: Bool { !cases.contains { $0.verdict.isFailure } }

    package init(
        name: String, channel: String, started: String, cases: [CaseResult], shard: ShardInfo? = nil, mergedShards: Int? = nil
    ) {
        self.name = name
        self.channel = channel
        self.started = started
        self.cases = cases
        self.shard = shard
        self.mergedShards = mergedShards
        var byClass: [String: [Int]] = [:]
        for step in cases.flatMap(\.steps) {
            if let exchange = step.exchange { byClass[exchange.commandClass, default: []].append(exchange.micros) }
        }
        timingByCommandClass = byClass.compactMapValues(TimingSummary.init)
        timingByCase = TimingSummary(cases.filter { $0.verdict == .pass || $0.verdict == .fail }.map(\.micros))
    }
}

/// Command classes for timing, named for people.
enum CommandClassName {
    static func of(_ command: [UInt8]) -> String {
        guard command.count >= 2 else { return "other" }
        switch command[1] {
        case 0xA4: return "SELECT"
        case 0xB0, 0xB1: return "READ BINARY"
        case 0xB2: return "READ RECORD"
        case 0x20: return command.count <= 4 ? "VERIFY (query)" : "VERIFY"
        case 0x24: return "CHANGE REFERENCE DATA"
        case 0x2A: return "COMPUTE DIGITAL SIGNATURE"
        case 0x84: return "GET CHALLENGE"
        case 0x88: return "INTERNAL AUTHENTICATE"
        case 0xC0: return "GET RESPONSE"
        case 0xCA, 0xCB: return "GET DATA"
        default: return "INS " + Hex.encode([command[1]])
        }
    }
}
