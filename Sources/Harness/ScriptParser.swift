import Foundation
import ISO7816

/// A problem in a script, located to the file, line and column.
package struct ScriptError: Error, Sendable, CustomStringConvertible {
    package var location: SourceLocation
    package var message: String
    package var description: String { "\(location): \(message)" }
}

/// Parses the script language of docs/script-format.md.
package struct ScriptParser {
    /// Parses the file at `path` (includes are resolved relative to it).
    package static func parse(path: String) throws(ScriptError) -> Script {
        var parser = ScriptParser(path: path)
        return try parser.parseFile()
    }

    /// Parses `text` as if it were the file `path`.
    package static func parse(text: String, path: String) throws(ScriptError) -> Script {
        var parser = ScriptParser(path: path)
        return try parser.parse(text: text)
    }

    let path: String
    private var includeStack: [String] = []
    private var script: Script

    init(path: String) {
        self.path = path
        self.script = Script(path: path)
    }

    /// A logical line: continuation lines joined, comment removed.
    struct Line {
        var text: String
        var number: Int
        var file: String
        /// Leading white space removed from `text`, so columns point into the file.
        var indent: Int = 0
        func location(_ column: Int = 1) -> SourceLocation { SourceLocation(file: file, line: number, column: column + indent) }
    }

    mutating func parseFile() throws(ScriptError) -> Script {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ScriptError(
                location: SourceLocation(file: path, line: 0, column: 0), message: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text: text)
    }

    mutating func parse(text: String) throws(ScriptError) -> Script {
        includeStack = [path]
        var lines = Self.logicalLines(text, file: path)[...]
        var topLevel: [Statement] = []
        while let line = lines.popFirst() {
            try parseTopLevel(line, &lines, into: &topLevel)
        }
        if script.cases.isEmpty {
            // A plain (scriptor) script: one case named after the file.
            let id = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            script.cases = [
                TestCase(
                    id: id, title: id, requirement: nil, profile: nil, destructive: false, disposable: false,
                    body: topLevel, location: SourceLocation(file: path, line: 1, column: 1))
            ]
        } else {
            // In a file with cases, statements outside them (e.g. an included `let`) run before
            // every case, ahead of `setup`.
            script.setup = topLevel + script.setup
        }
        return script
    }

    static func logicalLines(_ text: String, file: String) -> [Line] {
        var out: [Line] = []
        var pending: (String, Int, Int)? = nil
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let stripped = stripComment(String(raw))
            let indent = stripped.prefix { $0 == " " || $0 == "\t" }.count
            var body = stripped.trimmingCharacters(in: .whitespaces)
            let continues = body.hasSuffix("\\")
            if continues { body.removeLast() }
            if let (text, start, firstIndent) = pending {
                pending = (text + " " + body, start, firstIndent)
            } else {
                pending = (body, index + 1, indent)
            }
            if !continues, let (text, start, firstIndent) = pending {
                if !text.trimmingCharacters(in: .whitespaces).isEmpty {
                    out.append(Line(text: text, number: start, file: file, indent: firstIndent))
                }
                pending = nil
            }
        }
        if let (text, start, firstIndent) = pending, !text.isEmpty {
            out.append(Line(text: text, number: start, file: file, indent: firstIndent))
        }
        return out
    }

    /// Removes a `#` comment (a `#` at the start or after white space, outside quotes).
    static func stripComment(_ line: String) -> String {
        var inQuote = false
        var previous: Character = " "
        for (offset, c) in line.enumerated() {
            if c == "\"" { inQuote.toggle() }
            if c == "#" && !inQuote && previous.isWhitespace { return String(line.prefix(offset)) }
            previous = c
        }
        return line
    }

    // MARK: blocks

    private mutating func parseTopLevel(_ line: Line, _ lines: inout ArraySlice<Line>, into topLevel: inout [Statement]) throws(ScriptError)
    {
        let words = try Self.words(line)
        switch words.first?.lowercased() {
        case "case":
            script.cases.append(try parseCaseHeader(words, line: line, body: try parseBlock(&lines, opener: line)))
        case "setup":
            script.setup += try parseBlock(&lines, opener: line)
        case "teardown":
            script.teardown += try parseBlock(&lines, opener: line)
        case "proc":
            guard words.count == 2 else { throw ScriptError(location: line.location(), message: "expected `proc NAME`") }
            script.procedures[words[1]] = try parseBlock(&lines, opener: line)
        case "include":
            try include(words, line: line, into: &topLevel)
        default:
            topLevel.append(try parseStatement(line, &lines))
        }
    }

    private mutating func include(_ words: [String], line: Line, into topLevel: inout [Statement]) throws(ScriptError) {
        guard words.count == 2 else { throw ScriptError(location: line.location(), message: "expected `include \"FILE\"`") }
        let target = URL(fileURLWithPath: words[1], relativeTo: URL(fileURLWithPath: line.file).deletingLastPathComponent())
            .standardizedFileURL.path
        guard !includeStack.contains(target) else { throw ScriptError(location: line.location(), message: "include cycle: \(target)") }
        guard let text = try? String(contentsOfFile: target, encoding: .utf8) else {
            throw ScriptError(location: line.location(8), message: "cannot read included file \(target)")
        }
        includeStack.append(target)
        defer { includeStack.removeLast() }
        var lines = Self.logicalLines(text, file: target)[...]
        while let next = lines.popFirst() { try parseTopLevel(next, &lines, into: &topLevel) }
    }

    private mutating func parseBlock(_ lines: inout ArraySlice<Line>, opener: Line) throws(ScriptError) -> [Statement] {
        var body: [Statement] = []
        while let line = lines.popFirst() {
            let first = line.text.split(separator: " ").first.map { $0.lowercased() }
            if first == "end" { return body }
            if first == "case" || first == "setup" || first == "teardown" || first == "proc" {
                throw ScriptError(
                    location: line.location(),
                    message: "`\(first!)` inside a block; close the block opened at line \(opener.number) with `end` first")
            }
            body.append(try parseStatement(line, &lines))
        }
        throw ScriptError(location: opener.location(), message: "this block has no `end`")
    }

    private func parseCaseHeader(_ words: [String], line: Line, body: [Statement]) throws(ScriptError) -> TestCase {
        guard words.count >= 2 else { throw ScriptError(location: line.location(), message: "expected `case ID \"title\" …`") }
        var testCase = TestCase(
            id: words[1], title: words[1], requirement: nil, profile: nil, destructive: false, disposable: false,
            body: body, location: line.location())
        var index = 2
        if index < words.count, line.text.contains("\"") {
            testCase.title = words[index]
            index += 1
        }
        while index < words.count {
            switch words[index].lowercased() {
            case "destructive": testCase.destructive = true
            case "disposable":
                testCase.disposable = true
                testCase.destructive = true
            case "requirement", "req":
                guard index + 1 < words.count else { throw ScriptError(location: line.location(), message: "`requirement` needs a value") }
                index += 1
                testCase.requirement = words[index]
            case "profile":
                guard index + 1 < words.count else { throw ScriptError(location: line.location(), message: "`profile` needs a name") }
                index += 1
                testCase.profile = words[index]
            default:
                throw ScriptError(
                    location: line.location(),
                    message: "unknown case attribute '\(words[index])' (requirement, profile, destructive, disposable)")
            }
            index += 1
        }
        return testCase
    }

    // MARK: statements

    private mutating func parseStatement(_ line: Line, _ lines: inout ArraySlice<Line>) throws(ScriptError) -> Statement {
        let words = try Self.words(line)
        let keyword = words[0].lowercased()
        switch keyword {
        case "reset":
            let rest = line.text.dropFirst(5).trimmingCharacters(in: .whitespaces)
            if rest.isEmpty { return .reset(expected: nil, location: line.location()) }
            guard rest.hasPrefix("=>") else { throw ScriptError(location: line.location(7), message: "expected `reset` or `reset => ATR`") }
            return .reset(expected: try Self.pattern(String(rest.dropFirst(2)), line: line, column: 9), location: line.location())
        case "exit", "quit":
            return .exit
        case "let":
            guard words.count >= 4, words[2] == "=" else {
                throw ScriptError(location: line.location(), message: "expected `let NAME = BYTES`")
            }
            try Self.checkName(words[1], line: line)
            let value = line.text.components(separatedBy: "=").dropFirst().joined(separator: "=")
            return .assign(name: words[1], value: try Self.template(value, line: line, column: 1), location: line.location())
        case "repeat":
            guard words.count == 2 else { throw ScriptError(location: line.location(), message: "expected `repeat COUNT`") }
            return .repeatLoop(
                count: try Self.expression(words[1], line: line), body: try parseBlock(&lines, opener: line), location: line.location())
        case "for":
            // for NAME in FROM..TO [width N]
            guard words.count >= 4, words[2] == "in", words[3].contains("..") else {
                throw ScriptError(location: line.location(), message: "expected `for NAME in FROM..TO [width N]`")
            }
            try Self.checkName(words[1], line: line)
            let bounds = words[3].components(separatedBy: "..")
            var width = 1
            if words.count == 6, words[4] == "width", let w = Int(words[5]), (1...4).contains(w) {
                width = w
            } else if words.count != 4 {
                throw ScriptError(location: line.location(), message: "expected `for NAME in FROM..TO [width N]`")
            }
            return .forLoop(
                variable: words[1], from: try Self.expression(bounds[0], line: line), to: try Self.expression(bounds[1], line: line),
                width: width, body: try parseBlock(&lines, opener: line), location: line.location())
        case "call":
            guard words.count == 2 else { throw ScriptError(location: line.location(), message: "expected `call NAME`") }
            return .call(name: words[1], location: line.location())
        case "option":
            guard words.count == 3, ["get-response", "wrong-le"].contains(words[1]), ["on", "off"].contains(words[2]) else {
                throw ScriptError(location: line.location(), message: "expected `option get-response on|off` or `option wrong-le on|off`")
            }
            return .option(name: words[1], value: words[2], location: line.location())
        case "read-ef":
            guard words.count == 2 else { throw ScriptError(location: line.location(), message: "expected `read-ef NAME`") }
            try Self.checkName(words[1], line: line)
            return .readEF(into: words[1], location: line.location())
        case "budget":
            guard words.count == 2, let duration = Self.duration(words[1]) else {
                throw ScriptError(location: line.location(), message: "expected `budget DURATION` (e.g. 500ms, 2s)")
            }
            return .budget(duration, location: line.location())
        case "expect":
            guard words.count >= 4, words[2] == "=" else {
                throw ScriptError(location: line.location(), message: "expected `expect NAME = PATTERN`")
            }
            let pattern = line.text.components(separatedBy: "=").dropFirst().joined(separator: "=")
            return .expectVariable(
                name: words[1], pattern: try Self.pattern(pattern, line: line, column: 1, requireStatus: false), location: line.location())
        case "end":
            throw ScriptError(location: line.location(), message: "`end` without a block")
        default:
            return try parseExchange(line)
        }
    }

    private func parseExchange(_ line: Line) throws(ScriptError) -> Statement {
        let parts = line.text.components(separatedBy: "=>")
        guard parts.count <= 2 else { throw ScriptError(location: line.location(), message: "more than one `=>` on a line") }
        let command = try Self.template(parts[0], line: line, column: 1)
        var expected: ResponsePattern? = nil
        var within: Duration? = nil
        if parts.count == 2 {
            var text = parts[1]
            if let range = text.range(of: " within ") {
                let value = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard let d = Self.duration(value) else {
                    throw ScriptError(
                        location: line.location(parts[0].count + 3), message: "'\(value)' is not a duration (e.g. 50ms, 2s, 800us)")
                }
                within = d
                text = String(text[..<range.lowerBound])
            }
            expected = try Self.pattern(text, line: line, column: parts[0].count + 3)
        }
        return .exchange(command: command, expected: expected, within: within, location: line.location())
    }

    // MARK: lexical pieces

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

    static func checkName(_ name: String, line: Line) throws(ScriptError) {
        guard let first = name.first, first.isLetter || first == "_", name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ScriptError(location: line.location(), message: "'\(name)' is not a name (letters, digits, _)")
        }
    }

    static func duration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("s", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)) else { return nil }
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

    /// Parses command bytes: hex (spaces optional), `$name`, `${expr[:width]}`.
    static func template(_ text: String, line: Line, column: Int) throws(ScriptError) -> ByteTemplate {
        var parts: [ByteTemplate.Part] = []
        var hex = ""
        var hexStart = 0
        let chars = Array(text)
        var i = 0
        func flushHex() throws(ScriptError) {
            guard !hex.isEmpty else { return }
            guard hex.count % 2 == 0 else {
                throw ScriptError(location: line.location(column + hexStart), message: "odd number of hex digits in '\(hex)'")
            }
            parts.append(.literal(try! Hex.decode(hex)))
            hex = ""
        }
        while i < chars.count {
            let c = chars[i]
            if isHex(c) {
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
                    let inner = String(chars[(i + 2)..<close])
                    let pieces = inner.split(separator: ":", maxSplits: 1).map(String.init)
                    var width: Int? = nil
                    if pieces.count == 2 {
                        guard let w = Int(pieces[1]), (1...4).contains(w) else {
                            throw ScriptError(location: line.location(column + i), message: "width in `${…:N}` must be 1–4")
                        }
                        width = w
                    }
                    parts.append(.expression(try expression(pieces.first ?? "", line: line), width: width))
                    i = close + 1
                } else {
                    let (name, end) = try variableName(chars, at: i, line: line, column: column)
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

    static func expression(_ text: String, line: Line) throws(ScriptError) -> Expression {
        var terms: [(Int, Expression.Term)] = []
        var sign = 1
        var token = ""
        func flush() throws(ScriptError) {
            let t = token.trimmingCharacters(in: .whitespaces)
            token = ""
            guard !t.isEmpty else { throw ScriptError(location: line.location(), message: "incomplete expression '\(text)'") }
            if let n = Int(t) {
                terms.append((sign, .number(n)))
            } else if t.hasPrefix("0x"), let n = Int(t.dropFirst(2), radix: 16) {
                terms.append((sign, .number(n)))
            } else if t.hasPrefix("len("), t.hasSuffix(")") {
                terms.append((sign, .length(String(t.dropFirst(4).dropLast()))))
            } else {
                try checkName(t, line: line)
                terms.append((sign, .variable(t)))
            }
        }
        for c in text {
            if c == "+" || c == "-" {
                try flush()
                sign = c == "+" ? 1 : -1
            } else {
                token.append(c)
            }
        }
        try flush()
        return Expression(terms: terms)
    }

    /// Parses an expected response.
    static func pattern(_ text: String, line: Line, column: Int, requireStatus: Bool = true) throws(ScriptError) -> ResponsePattern {
        var alternatives: [[ResponsePattern.Element]] = []
        var offset = 0
        for alternative in text.components(separatedBy: "|") {
            defer { offset += alternative.count + 1 }
            let column = column + offset
            var elements: [ResponsePattern.Element] = []
            let chars = Array(alternative)
            var i = 0
            while i < chars.count {
                let c = chars[i]
                if c == " " || c == "\t" {
                    i += 1
                    continue
                }
                if c == "*" {
                    elements.append(.anyRun)
                    i += 1
                    continue
                }
                if c == ".", i + 1 < chars.count, chars[i + 1] == "." {
                    elements.append(.anyByte)
                    i += 2
                    continue
                }
                if c == "[" {
                    guard let close = chars[i...].firstIndex(of: "]") else {
                        throw ScriptError(location: line.location(column + i), message: "`[` without `]`")
                    }
                    let inner = String(chars[(i + 1)..<close]).split(separator: ":").map(String.init)
                    guard inner.count == 2 else {
                        throw ScriptError(location: line.location(column + i), message: "a capture is [NAME:COUNT] or [NAME:*]")
                    }
                    try checkName(inner[0], line: line)
                    if inner[1] == "*" {
                        elements.append(.capture(name: inner[0], count: nil))
                    } else if let n = Int(inner[1]), n >= 0 {
                        elements.append(.capture(name: inner[0], count: n))
                    } else {
                        throw ScriptError(location: line.location(column + i), message: "capture count '\(inner[1])' is not a number or *")
                    }
                    i = close + 1
                    continue
                }
                if c == "$" {
                    let (name, end) = try variableName(chars, at: i, line: line, column: column)
                    elements.append(.variable(name))
                    i = end
                    continue
                }
                guard i + 1 < chars.count, isHex(c) || c == "?", isHex(chars[i + 1]) || chars[i + 1] == "?" else {
                    throw ScriptError(
                        location: line.location(column + i),
                        message: "unexpected '\(c)' in an expected response (hex, .., ?, *, [name:N], $name, |)")
                }
                var value: UInt8 = 0
                var mask: UInt8 = 0
                for (shift, digit) in [(4, chars[i]), (0, chars[i + 1])] where digit != "?" {
                    value |= UInt8(digit.hexDigitValue!) << UInt8(shift)
                    mask |= 0x0F << UInt8(shift)
                }
                elements.append(.byte(value: value, mask: mask))
                i += 2
            }
            if requireStatus {
                let fixedTail = elements.suffix(2).allSatisfy {
                    if case .byte = $0 { return true }
                    if case .anyByte = $0 { return true }
                    return false
                }
                guard elements.count >= 2, fixedTail else {
                    let lead = alternative.prefix { $0 == " " || $0 == "\t" }.count
                    throw ScriptError(
                        location: line.location(column + lead),
                        message:
                            "an expected response ends in a 2-byte status word (e.g. `* 9000`, `63C?`), got '\(alternative.trimmingCharacters(in: .whitespaces))'"
                    )
                }
            }
            alternatives.append(elements)
        }
        return ResponsePattern(alternatives: alternatives, text: text.trimmingCharacters(in: .whitespaces))
    }
}
