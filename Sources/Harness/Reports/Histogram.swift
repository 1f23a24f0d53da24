/// Latency histograms as inline SVG with their axes: counts on the left (0 and the tallest bar),
/// bucket bounds underneath (log₂ buckets from µs to seconds). The histograms of one table share
/// their duration axis, so their bars line up.
package enum Histogram {
    static let width = 300
    static let height = 72
    /// Room for the count labels (left) and the bound labels (bottom).
    static let left = 30
    static let bottom = 16
    static let top = 6
    static let widestBar = 24

    /// The duration axis: bucket exponents (bound = 2^exponent µs) from `lowest` to `highest`.
    package struct Scale: Hashable, Sendable {
        package var lowest: Int
        package var highest: Int

        /// The axis that covers every bucket of `summaries`.
        package init(_ summaries: [TimingSummary]) {
            let exponents = summaries.flatMap(\.histogram).map { Histogram.exponent($0.upToMicros) }
            lowest = exponents.min() ?? 0
            highest = max(lowest, exponents.max() ?? 0)
        }

        var count: Int { highest - lowest + 1 }
    }

    /// `2^e` µs → e.
    static func exponent(_ bound: Int) -> Int {
        var e = 0
        while (1 << e) < bound { e += 1 }
        return e
    }

    package static func svg(_ t: TimingSummary, scale: Scale) -> String {
        let plotWidth = width - left - 4
        let plotHeight = height - bottom - top
        let peak = max(1, t.histogram.map(\.count).max() ?? 1)
        let slot = max(3, min(widestBar, plotWidth / scale.count))
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" class=\"hist\">"
        out += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotHeight)\" stroke=\"#888\"/>"
        out +=
            "<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(left + slot * scale.count + 1)\" y2=\"\(top + plotHeight)\" stroke=\"#888\"/>"
        out += label(x: left - 3, y: top + 8, anchor: "end", "\(peak)")
        out += label(x: left - 3, y: top + plotHeight, anchor: "end", "0")
        for bucket in t.histogram where bucket.count > 0 {
            let h = max(1, bucket.count * plotHeight / peak)
            let x = left + 1 + (exponent(bucket.upToMicros) - scale.lowest) * slot
            out +=
                "<rect x=\"\(x)\" y=\"\(top + plotHeight - h)\" width=\"\(slot - 1)\" height=\"\(h)\" fill=\"#47a\">"
                + "<title>\(bucket.count) of at most \(bound(bucket.upToMicros))</title></rect>"
        }
        // Bound labels at the same places on every histogram of the table, about 50 px apart.
        let every = max(1, Int((50.0 / Double(slot)).rounded(.up)))
        for i in stride(from: 0, to: scale.count, by: every) {
            out += label(x: left + 1 + i * slot + slot / 2, y: height - 3, anchor: "middle", "≤\(bound(1 << (scale.lowest + i)))")
        }
        return out + "</svg>"
    }

    static func label(x: Int, y: Int, anchor: String, _ text: String) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" font-size=\"9\" fill=\"#444\" text-anchor=\"\(anchor)\">\(text)</text>"
    }

    /// A bucket bound for an axis: `512µs`, `4.1ms`, `1.0s`.
    package static func bound(_ micros: Int) -> String {
        if micros < 1000 { return "\(micros)µs" }
        if micros < 1_000_000 { return micros % 1000 == 0 ? "\(micros / 1000)ms" : "\(Double(micros / 100) / 10)ms" }
        return "\(Double(micros / 100_000) / 10)s"
    }
}
