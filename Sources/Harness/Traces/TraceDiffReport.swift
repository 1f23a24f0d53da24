/// A ``TraceDiff`` for people: the exchanges that differ (or all of them), each with both
/// answers as status word, length and BER-TLV tags, and a count at the end.
extension TraceDiff {
    /// Every exchange with `all`, else the ones that differ; `strict` counts lengths of personal data as differences.
    package func text(all: Bool, strict: Bool = false) -> String {
        var lines = [
            "\(trace) (slot \(slot), \(exchanges.count) exchanges) against the virtual card of \(card)",
            "Personal data is masked: answers show status words, lengths and BER-TLV tags, never values.",
            "",
        ]
        if let recordedATR {
            lines.append(
                atrDiffers
                    ? "ATR differs: recorded \(recordedATR), virtual \(virtualATR)"
                    : "ATR the same: \(virtualATR)")
        }
        for exchange in exchanges where all || !exchange.differences.isEmpty || exchange.recorded == nil {
            lines.append(contentsOf: Self.lines(exchange))
        }
        lines.append("")
        lines.append(summary(strict: strict))
        return lines.joined(separator: "\n")
    }

    static func lines(_ exchange: Exchange) -> [String] {
        let head = "#\(exchange.number)".padding(toLength: 6, withPad: " ", startingAt: 0) + exchange.command
        guard let recorded = exchange.recorded else {
            return [head, "      " + (exchange.note ?? "not compared"), "      virtual   " + answer(exchange.virtual)]
        }
        if exchange.differences.isEmpty {
            return [head + "  — same: " + answer(recorded) + (exchange.note.map { " (\($0))" } ?? "")]
        }
        var out = [head]
        if let note = exchange.note { out.append("      (\(note))") }
        out.append("      recorded  " + answer(recorded))
        out.append("      virtual   " + answer(exchange.virtual))
        for difference in exchange.differences {
            let expected = difference.personal ? " (personal data: differs between any two cards)" : ""
            out.append("      differs   \(difference.kind.rawValue): \(difference.detail)\(expected)")
        }
        return out
    }

    static func answer(_ answer: Answer) -> String {
        "\(answer.status) \(answer.meaning) · \(answer.length) bytes" + (answer.shape.map { " · \($0)" } ?? "")
    }

    /// `42 exchanges: 38 the same, 3 differ (status 1, length 2, structure 0), 1 only in the length of personal data; 1 not compared`.
    package func summary(strict: Bool = false) -> String {
        let compared = exchanges.filter { $0.recorded != nil }
        let differing = compared.filter { $0.differs(strict: strict) }
        let personalOnly = compared.filter { !$0.differences.isEmpty && !$0.differs(strict: strict) }
        let kinds = Difference.Kind.allCases.map { kind in
            "\(kind.rawValue) \(differing.filter { $0.differences.contains { $0.kind == kind && (strict || !$0.personal) } }.count)"
        }
        var text =
            "\(exchanges.count) exchanges: \(compared.count - differing.count - personalOnly.count) the same, \(differing.count) differ"
        if !differing.isEmpty { text += " (\(kinds.joined(separator: ", ")))" }
        if !personalOnly.isEmpty {
            text += ", \(personalOnly.count) only in the length of personal data (expected between two cards; --strict counts them)"
        }
        if compared.count < exchanges.count { text += "; \(exchanges.count - compared.count) not compared" }
        if atrDiffers { text += "; the ATR differs" }
        return text
    }
}
