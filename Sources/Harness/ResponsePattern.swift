import ISO7816

/// An expected response: hex whose last two bytes are the status word, with `..` any byte,
/// `?` any hex digit, `*` any run of bytes, `[name:N]`/`[name:*]` captures, `$name` a
/// variable's bytes, and `|` between alternatives.
package struct ResponsePattern: Sendable, CustomStringConvertible {
    package enum Element: Sendable, Equatable {
        case byte(value: UInt8, mask: UInt8)  // mask F0/0F/00 for `?` nibbles, FF exact
        case anyByte
        case anyRun
        case capture(name: String, count: Int?)  // nil count: a run
        case variable(String)
    }
    package var alternatives: [[Element]]
    package var text: String
    package var description: String { text }

    /// Matches `response`; on success returns the captures.
    package func match(_ response: [UInt8], variables: [String: [UInt8]]) -> [String: [UInt8]]? {
        for alternative in alternatives {
            var captures: [String: [UInt8]] = [:]
            if Self.match(alternative[...], response[...], variables, &captures) { return captures }
        }
        return nil
    }

    private static func match(
        _ pattern: ArraySlice<Element>, _ bytes: ArraySlice<UInt8>, _ variables: [String: [UInt8]], _ captures: inout [String: [UInt8]]
    ) -> Bool {
        guard let first = pattern.first else { return bytes.isEmpty }
        let rest = pattern.dropFirst()
        switch first {
        case .byte(let value, let mask):
            guard let b = bytes.first, b & mask == value & mask else { return false }
            return match(rest, bytes.dropFirst(), variables, &captures)
        case .anyByte:
            guard !bytes.isEmpty else { return false }
            return match(rest, bytes.dropFirst(), variables, &captures)
        case .variable(let name):
            guard let value = variables[name] ?? captures[name], bytes.starts(with: value) else { return false }
            return match(rest, bytes.dropFirst(value.count), variables, &captures)
        case .capture(let name, let count?):
            guard bytes.count >= count else { return false }
            captures[name] = Array(bytes.prefix(count))
            return match(rest, bytes.dropFirst(count), variables, &captures)
        case .anyRun, .capture(_, nil):
            // Shortest first is as good as any here: the SW at the end anchors the match.
            for n in 0...bytes.count {
                var trial = captures
                if case .capture(let name, nil) = first { trial[name] = Array(bytes.prefix(n)) }
                if match(rest, bytes.dropFirst(n), variables, &trial) {
                    captures = trial
                    return true
                }
            }
            return false
        }
    }

    /// The variables the pattern reads (`$name`; captures are written, not read).
    package var variables: Set<String> {
        Set(alternatives.flatMap { $0.compactMap { if case .variable(let name) = $0 { return name } else { return nil } } })
    }

    /// The variables the pattern's captures set.
    package var captures: Set<String> {
        Set(alternatives.flatMap { $0.compactMap { if case .capture(let name, _) = $0 { return name } else { return nil } } })
    }

    /// The status words this pattern accepts, when they are fixed (for reports).
    package var statusWords: [String] {
        alternatives.compactMap { alt in
            guard alt.count >= 2, case .byte(let a, 0xFF) = alt[alt.count - 2], case .byte(let b, 0xFF) = alt[alt.count - 1] else {
                return nil
            }
            return Hex.encode([a, b])
        }
    }
}
