import ISO7816

/// What one check collects while it runs: its figures (judged against the catalog's thresholds),
/// the evidence, and the failures found.
struct CheckRecord {
    let definition: ReaderCheckDefinition
    var figures: [ReaderFigure] = []
    var evidence: [String] = []
    var failures: [String] = []

    init(_ definition: ReaderCheckDefinition) { self.definition = definition }

    /// Records a figure; the catalog's threshold of that name (or `threshold`) judges it.
    mutating func figure(_ name: String, _ value: Double, _ unit: String, threshold: ReaderThreshold? = nil) {
        figures.append(ReaderFigure(name: name, value: value, unit: unit, threshold: threshold ?? definition.thresholds[name]))
    }

    mutating func note(_ line: String) { evidence.append(line) }

    mutating func fail(_ reason: String) { failures.append(reason) }

    /// The verdict and its message: failed when a figure broke its limit or a failure was found;
    /// the failures found say more than the figures, so they are the message when there are any.
    var outcome: (Verdict, String?) {
        let broken = figures.compactMap { figure in
            figure.threshold.flatMap {
                $0.accepts(figure.value) ? nil : "\(figure.name) \(ReaderFigure.format(figure.value)) \(figure.unit), limit \($0)"
            }
        }
        let reasons = failures.isEmpty ? broken : failures
        return reasons.isEmpty ? (.pass, nil) : (.fail, reasons.joined(separator: "; "))
    }
}

/// Why a check did not run to a verdict of its own.
enum CheckStop: Error {
    case skipped(String)
    case notApplicable(String)
    case inconclusive(String)
}

/// Percentiles of a set of durations, nearest-rank.
struct Percentiles {
    let sorted: [Double]

    init(_ values: [Double]) { sorted = values.sorted() }

    /// The `p`-th percentile (0…1), or 0 for no values.
    func callAsFunction(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Swift.max(1, Int((Double(sorted.count) * p).rounded(.up)))
        return sorted[Swift.min(sorted.count, rank) - 1]
    }

    var maximum: Double { sorted.last ?? 0 }
}

/// Short, readable hex for evidence lines: long byte strings are cut with their length.
enum EvidenceText {
    static func hex(_ bytes: [UInt8], limit: Int = 24) -> String {
        bytes.count <= limit ? Hex.encode(bytes) : Hex.encode(bytes.prefix(limit)) + "… (\(bytes.count) bytes)"
    }

    static func millis(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
