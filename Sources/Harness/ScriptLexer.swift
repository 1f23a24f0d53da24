import ISO7816

/// The lexical pieces of the script language: words, APDU templates, expressions and expected
/// responses. Each records the variables it reads and sets, with their columns.
extension ScriptParser {
    /// Splits on white space, keeping "quoted strings" together (without quotes).
    static func words(_ line: Line) throws(ScriptError) -> [String] {
        var out: [String] = []
        var current = ""
        var inQuote = false
        var quoted = false
        for c in line.text {
            if c == "\"" {
                inQuote.toggle()
                quoted = true
                continue
            }
            if c.isWhitespace && !inQuote {
                if !current.isEmpty || quoted { out.append(current) }
                current = ""
                quoted = false
            } else {
                current.append(c)
            }
        }
        guard !inQuote else { throw ScriptError(location: line.location(), message: "unterminated quoted string") }
        if !current.isEmpty || quoted { out.append(current) }
        return out
    }

    static func isName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    static func checkName(_ name: String, line: Line) throws(ScriptError) {
        guard isName(name) else {
            throw ScriptError(location: line.location(line.column(of: name)), message: "'\(name)' is not a name (letters, digits, _)")
        }
    }

    static func duration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("s", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value >= 0 else { return nil }
            return .nanoseconds(Int64(value * scale * 1e9))
        }
        return nil
    }

    static func isHex(_ c: Character) -> Bool { c.isHexDigit && c.isASCII }

    /// The name after the `$` at `index`, and the index after it.
    static func variableName(_ chars: [Character], at index: Int, line: Line, column: Int) throws(ScriptError) -> (String, Int) {
        var name = ""
        var j = index + 1
        while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" {
            name.append(chars[j])
            j += 1
        }
        guard !name.isEmpty else { throw ScriptError(location: line.location(column + index), message: "`$` needs a name") }
        return (name, j)
    }

    /// Parses command bytes: hex (spaces optional), `$name`, `${expr[:width]}`, `${lower(NAME)}`.
    mutating func template(_ text: String, line: Line, column: Int) throws(ScriptError) -> ByteTemplate {
        var parts: [ByteTemplate.Part] = []
        var hex = ""
        var hexStart = 0
        let chars = Array(text)
        var i = 0
        func flushHex() throws(ScriptError) {
            guard !hex.isEmpty else { return }
            guard hex.count % 2 == 0, let bytes = try? Hex.decode(hex) else {
                throw ScriptError(location: line.location(column + hexStart), message: "odd number of hex digits in '\(hex)'")
            }
            parts.append(.literal(bytes))
            hex = ""
        }
        while i < chars.count {
            let c = chars[i]
            if Self.isHex(c) {
                if hex.isEmpty { hexStart = i }
                hex.append(c)
                i += 1
            } else if c == " " || c == "\t" {
                // Every space-separated group is whole bytes: "00 A4" and "00A4", never "0 0".
                try flushHex()
                i += 1
            } else if c == "$" {
                try flushHex()
                if i + 1 < chars.count, chars[i + 1] == "{" {
                    guard let close = chars[(i + 2)...].firstIndex(of: "}") else {
                        throw ScriptError(location: line.location(column + i), message: "`${` without `}`")
                    }
                    parts.append(try braced(String(chars[(i + 2)..<close]), line: line, column: column + i))
                    i = close + 1
                } else {
                    let (name, end) = try Self.variableName(chars, at: i, line: line, column: column)
                    refer(to: name, at: line.location(column + i))
                    parts.append(.variable(name))
                    i = end
                }
            } else {
                throw ScriptError(
                    location: line.location(column + i), message: "unexpected '\(c)' in an APDU (hex, $name or ${expression})")
            }
        }
        try flushHex()
        guard !parts.isEmpty else { throw ScriptError(location: line.location(column), message: "empty APDU") }
        return ByteTemplate(parts: parts, text: text.trimmingCharacters(in: .whitespaces))
    }

    /// The inside of `${…}` at `column` (the `$`): `lower(NAME)`, or an expression with an optional width.
    private mutating func braced(_ inner: String, line: Line, column: Int) throws(ScriptError) -> ByteTemplate.Part {
        let trimmed = inner.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("lower("), trimmed.hasSuffix(")") {
            let name = String(trimmed.dropFirst(6).dropLast())
            guard Self.isName(name) else {
                throw ScriptError(location: line.location(column + 2), message: "`lower(NAME)` takes one variable name, not '\(name)'")
            }
            refer(to: name, at: line.location(column + 8))
            return .lowercased(name)
        }
        let pieces = inner.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var width: Int? = nil
        if pieces.count == 2 {
            guard let w = Int(pieces[1].trimmingCharacters(in: .whitespaces)), (1...4).contains(w) else {
                throw ScriptError(location: line.location(column + 3 + pieces[0].count), message: "width in `${…:N}` must be 1–4")
            }
            width = w
        }
        let expression = try expression(pieces[0], line: line, column: column + 2)
        if width != nil || expression.bareVariable == nil {
            widthChecks.append(WidthCheck(expression: expression, width: width, location: line.location(column), what: "`${\(inner)}`"))
        }
        return .expression(expression, width: width)
    }

    /// Parses an expression that starts at `column`: numbers, variables and `len(NAME)`, added and subtracted.
    mutating func expression(_ text: String, line: Line, column: Int) throws(ScriptError) -> Expression {
        var terms: [(sign: Int, term: Expression.Term)] = []
        var sign = 1
        var token = ""
        var tokenStart = 0
        func flush() throws(ScriptError) {
            let lead = token.prefix { $0 == " " }.count
            let t = token.trimmingCharacters(in: .whitespaces)
            let at = line.location(column + tokenStart + lead)
            token = ""
            guard !t.isEmpty else { throw ScriptError(location: at, message: "incomplete expression '\(text)'") }
            if let n = Int(t) {
                terms.append((sign, .number(n)))
            } else if t.hasPrefix("0x"), let n = Int(t.dropFirst(2), radix: 16) {
                terms.append((sign, .number(n)))
            } else if t.hasPrefix("len("), t.hasSuffix(")") {
                let name = String(t.dropFirst(4).dropLast())
                guard Self.isName(name) else {
                    throw ScriptError(location: at, message: "`len(NAME)` takes one variable name, not '\(name)'")
                }
                refer(to: name, at: SourceLocation(file: at.file, line: at.line, column: at.column + 4))
                terms.append((sign, .length(name)))
            } else {
                guard Self.isName(t) else {
                    throw ScriptError(location: at, message: "'\(t)' is not a number (decimal or 0x…), a variable name or len(NAME)")
                }
                refer(to: t, at: at)
                terms.append((sign, .variable(t)))
            }
        }
        for (offset, c) in text.enumerated() {
            if c == "+" || c == "-" {
                try flush()
                sign = c == "+" ? 1 : -1
                tokenStart = offset + 1
            } else {
                token.append(c)
            }
        }
        try flush()
        return Expression(terms: terms, text: text.trimmingCharacters(in: .whitespaces))
    }

    /// Parses an expected response starting at `column`.
    mutating func pattern(_ text: String, line: Line, column: Int, requireStatus: Bool = true) throws(ScriptError) -> ResponsePattern {
        var alternatives: [[ResponsePattern.Element]] = []
        var offset = 0
        for alternative in text.components(separatedBy: "|") {
            defer { offset += alternative.count + 1 }
            let column = column + offset
            alternatives.append(try patternAlternative(alternative, line: line, column: column, requireStatus: requireStatus))
        }
        return ResponsePattern(alternatives: alternatives, text: text.trimmingCharacters(in: .whitespaces))
    }

    private mutating func patternAlternative(
        _ alternative: String, line: Line, column: Int, requireStatus: Bool
    ) throws(ScriptError) -> [ResponsePattern.Element] {
        var elements: [ResponsePattern.Element] = []
        let chars = Array(alternative)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" {
                i += 1
            } else if c == "*" {
                elements.append(.anyRun)
                i += 1
            } else if c == ".", i + 1 < chars.count, chars[i + 1] == "." {
                elements.append(.anyByte)
                i += 2
            } else if c == "[" {
                guard let close = chars[i...].firstIndex(of: "]") else {
                    throw ScriptError(location: line.location(column + i), message: "`[` without `]`")
                }
                let inner = String(chars[(i + 1)..<close]).split(separator: ":").map(String.init)
                guard inner.count == 2 else {
                    throw ScriptError(location: line.location(column + i), message: "a capture is [NAME:COUNT] or [NAME:*]")
                }
                guard Self.isName(inner[0]) else {
                    throw ScriptError(location: line.location(column + i + 1), message: "'\(inner[0])' is not a name (letters, digits, _)")
                }
                if inner[1] == "*" {
                    elements.append(.capture(name: inner[0], count: nil))
                    define(inner[0], length: nil)
                } else if let n = Int(inner[1]), n >= 0 {
                    elements.append(.capture(name: inner[0], count: n))
                    define(inner[0], length: n)
                } else {
                    throw ScriptError(location: line.location(column + i), message: "capture count '\(inner[1])' is not a number or *")
                }
                i = close + 1
            } else if c == "$" {
                let (name, end) = try Self.variableName(chars, at: i, line: line, column: column)
                refer(to: name, at: line.location(column + i))
                elements.append(.variable(name))
                i = end
            } else {
                guard i + 1 < chars.count, Self.isHex(c) || c == "?", Self.isHex(chars[i + 1]) || chars[i + 1] == "?" else {
                    throw ScriptError(
                        location: line.location(column + i),
                        message: "unexpected '\(c)' in an expected response (hex, .., ?, *, [name:N], $name, |)")
                }
                var value: UInt8 = 0
                var mask: UInt8 = 0
                for (shift, digit) in [(4, chars[i]), (0, chars[i + 1])] {
                    guard let nibble = digit.hexDigitValue else { continue }
                    value |= UInt8(nibble) << UInt8(shift)
                    mask |= 0x0F << UInt8(shift)
                }
                elements.append(.byte(value: value, mask: mask))
                i += 2
            }
        }
        if requireStatus {
            let fixedTail = elements.suffix(2).allSatisfy {
                if case .byte = $0 { return true }
                if case .anyByte = $0 { return true }
                return false
            }
            guard elements.count >= 2, fixedTail else {
                let lead = alternative.prefix { $0 == " " || $0 == "\t" }.count
                let written = alternative.trimmingCharacters(in: .whitespaces)
                throw ScriptError(
                    location: line.location(column + lead),
                    message: "an expected response ends in a 2-byte status word (e.g. `* 9000`, `63C?`), got '\(written)'")
            }
        }
        return elements
    }
}

extension ByteTemplate {
    /// The byte count when the template is only literals.
    var staticLength: Int? {
        var total = 0
        for part in parts {
            guard case .literal(let bytes) = part else { return nil }
            total += bytes.count
        }
        return total
    }
}
