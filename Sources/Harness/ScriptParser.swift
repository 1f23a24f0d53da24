import Foundation
import ISO7816
import MynaPersona

/// A problem in a script, located to the file, line and column.
package struct ScriptError: Error, Sendable, CustomStringConvertible {
    package var location: SourceLocation
    package var message: String
    package var description: String { "\(location): \(message)" }
}

/// Parses the script language of docs/script-format.md. Besides the grammar it checks what can be
/// known before a card answers: every variable read is set somewhere the case can see it (or
/// given from outside), every procedure called exists, and every number written with a width fits.
package struct ScriptParser {
    /// Parses the file at `path` (includes are resolved relative to it). `variables` are the
    /// values given from outside (`--card`, `--let`, `--ask`): their names count as defined and
    /// their lengths are known to the width checks.
    package static func parse(path: String, variables: [String: [UInt8]] = [:]) throws(ScriptError) -> Script {
        var parser = ScriptParser(path: path, variables: variables)
        return try parser.parseFile()
    }

    /// Parses `text` as if it were the file `path`.
    package static func parse(text: String, path: String, variables: [String: [UInt8]] = [:]) throws(ScriptError) -> Script {
        var parser = ScriptParser(path: path, variables: variables)
        return try parser.parse(text: text)
    }

    let path: String
    let externals: [String: [UInt8]]
    private var includeStack: [String] = []
    var script: Script
    /// Where the statements being parsed belong, for the variable checks.
    var scope: VariableScope = .topLevel
    var references: [VariableReference] = []
    var definitions: [VariableDefinition] = []
    var widthChecks: [WidthCheck] = []
    var calls: [(name: String, location: SourceLocation)] = []

    init(path: String, variables: [String: [UInt8]]) {
        self.path = path
        self.externals = variables
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
        /// The 1-based column of the first occurrence of `piece` in the line (1 if absent).
        func column(of piece: String, after start: Int = 0) -> Int {
            let searched = text.dropFirst(start)
            guard let range = searched.range(of: piece) else { return 1 }
            return start + searched.distance(from: searched.startIndex, to: range.lowerBound) + 1
        }
    }

    mutating func parseFile() throws(ScriptError) -> Script {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ScriptError(location: SourceLocation(file: path, line: 0, column: 0), message: FileProblem.reading(path, error))
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
        try checkVariables()
        return script
    }

    static func logicalLines(_ text: String, file: String) -> [Line] {
        var out: [Line] = []
        var pending: (String, Int, Int)? = nil
        // CR LF is one Character in Swift: split on it (and on a lone CR) as well as on LF. A line of
        // nothing but white space (a vertical tab, a form feed) holds no statement.
        let lineBreaks: Set<Character> = ["\n", "\r\n", "\r"]
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: lineBreaks.contains).enumerated() {
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
                if !text.allSatisfy(\.isWhitespace) {
                    out.append(Line(text: text, number: start, file: file, indent: firstIndent))
                }
                pending = nil
            }
        }
        if let (text, start, firstIndent) = pending, !text.allSatisfy(\.isWhitespace) {
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
            scope = .testCase(script.cases.count)
            defer { scope = .topLevel }
            let body = try parseBlock(&lines, opener: line)
            script.cases.append(try parseCaseHeader(words, line: line, body: body))
        case "setup":
            script.setup += try parseBlock(&lines, opener: line)
        case "teardown":
            scope = .teardown
            defer { scope = .topLevel }
            script.teardown += try parseBlock(&lines, opener: line)
        case "proc":
            guard words.count == 2 else { throw ScriptError(location: line.location(), message: "expected `proc NAME`") }
            scope = .procedure(words[1])
            defer { scope = .topLevel }
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
        let text: String
        do { text = try String(contentsOfFile: target, encoding: .utf8) } catch {
            throw ScriptError(
                location: line.location(9), message: "cannot read included file \(target): \(FileProblem.reading(target, error))")
        }
        includeStack.append(target)
        defer { includeStack.removeLast() }
        var lines = Self.logicalLines(text, file: target)[...]
        while let next = lines.popFirst() { try parseTopLevel(next, &lines, into: &topLevel) }
    }

    private mutating func parseBlock(_ lines: inout ArraySlice<Line>, opener: Line) throws(ScriptError) -> [Statement] {
        var body: [Statement] = []
        while let line = lines.popFirst() {
            let first = line.text.split(separator: " ").first.map { $0.lowercased() } ?? ""
            if first == "end" { return body }
            if ["case", "setup", "teardown", "proc"].contains(first) {
                throw ScriptError(
                    location: line.location(),
                    message: "`\(first)` inside a block; close the block opened at line \(opener.number) with `end` first")
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
        let attributes = ["requirement", "profile", "requires", "destructive", "disposable"]
        while index < words.count {
            let attribute = words[index].lowercased()
            func value(_ what: String) throws(ScriptError) -> String {
                guard index + 1 < words.count else {
                    throw ScriptError(location: line.location(line.column(of: words[index])), message: "`\(attribute)` needs \(what)")
                }
                index += 1
                return words[index]
            }
            switch attribute {
            case "destructive": testCase.destructive = true
            case "disposable":
                testCase.disposable = true
                testCase.destructive = true
            case "requirement", "req": testCase.requirement = try value("a value")
            case "profile": testCase.profile = try value("a name")
            case "requires":
                let names = try value("variable names, e.g. `requires AUTH_PIN,SIGN_PW`")
                for name in names.split(separator: ",").map(String.init) {
                    try Self.checkName(name, line: line)
                    testCase.requires.append(name)
                }
            default:
                let near = NearestName.nearest(to: words[index], in: attributes).map { " (did you mean `\($0)`?)" } ?? ""
                throw ScriptError(
                    location: line.location(line.column(of: words[index])),
                    message: "unknown case attribute '\(words[index])'\(near); case attributes: \(attributes.joined(separator: ", "))")
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
            return .reset(
                expected: try pattern(String(rest.dropFirst(2)), line: line, column: line.column(of: "=>") + 2), location: line.location())
        case "exit", "quit":
            return .exit
        case "let":
            guard words.count >= 4, words[2] == "=" else {
                throw ScriptError(location: line.location(), message: "expected `let NAME = BYTES`")
            }
            try Self.checkName(words[1], line: line)
            let equals = line.column(of: "=")
            let value = try template(String(line.text.dropFirst(equals)), line: line, column: equals + 1)
            define(words[1], length: value.staticLength)
            return .assign(name: words[1], value: value, location: line.location())
        case "repeat":
            guard words.count == 2 else { throw ScriptError(location: line.location(), message: "expected `repeat COUNT`") }
            let count = try expression(words[1], line: line, column: line.column(of: words[1], after: 6))
            return .repeatLoop(count: count, body: try parseBlock(&lines, opener: line), location: line.location())
        case "for":
            return try parseFor(words, line: line, &lines)
        case "call":
            guard words.count == 2 else { throw ScriptError(location: line.location(), message: "expected `call NAME`") }
            calls.append((words[1], line.location(line.column(of: words[1], after: 4))))
            return .call(name: words[1], location: line.location())
        case "option":
            guard words.count == 3, ["get-response", "wrong-le"].contains(words[1]), ["on", "off"].contains(words[2]) else {
                throw ScriptError(location: line.location(), message: "expected `option get-response on|off` or `option wrong-le on|off`")
            }
            return .option(name: words[1], value: words[2], location: line.location())
        case "read-ef":
            guard words.count == 2 else { throw ScriptError(location: line.location(), message: "expected `read-ef NAME`") }
            try Self.checkName(words[1], line: line)
            define(words[1], length: nil)
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
            refer(to: words[1], at: line.location(line.column(of: words[1], after: 6)))
            let equals = line.column(of: "=")
            let expected = try pattern(String(line.text.dropFirst(equals)), line: line, column: equals + 1, requireStatus: false)
            return .expectVariable(name: words[1], pattern: expected, location: line.location())
        case "assume":
            let rest = String(line.text.dropFirst(6))
            guard case .exchange(let command, let expected?, nil, _) = try parseExchange(rest, line: line, column: 7) else {
                throw ScriptError(location: line.location(), message: "expected `assume APDU => RESPONSE` (no `within`)")
            }
            return .assume(command: command, expected: expected, location: line.location())
        case "end":
            throw ScriptError(location: line.location(), message: "`end` without a block")
        default:
            return try parseExchange(line.text, line: line, column: 1)
        }
    }

    /// `for NAME in FROM..TO [width N]`.
    private mutating func parseFor(_ words: [String], line: Line, _ lines: inout ArraySlice<Line>) throws(ScriptError) -> Statement {
        let usage = "expected `for NAME in FROM..TO [width N]`"
        guard words.count >= 4, words[2] == "in", words[3].contains("..") else {
            throw ScriptError(location: line.location(), message: usage)
        }
        try Self.checkName(words[1], line: line)
        let bounds = words[3].components(separatedBy: "..")
        guard bounds.count == 2 else { throw ScriptError(location: line.location(), message: usage) }
        var width = 1
        if words.count == 6, words[4] == "width" {
            guard let w = Int(words[5]), (1...4).contains(w) else {
                throw ScriptError(
                    location: line.location(line.column(of: words[5], after: 4)), message: "the width of a `for` variable is 1–4 bytes")
            }
            width = w
        } else if words.count != 4 {
            throw ScriptError(location: line.location(), message: usage)
        }
        let rangeColumn = line.column(of: words[3], after: 4)
        let from = try expression(bounds[0], line: line, column: rangeColumn)
        let to = try expression(bounds[1], line: line, column: rangeColumn + bounds[0].count + 2)
        widthChecks.append(WidthCheck(expression: from, width: width, location: line.location(rangeColumn), what: "`for \(words[1])`"))
        widthChecks.append(WidthCheck(expression: to, width: width, location: line.location(rangeColumn), what: "`for \(words[1])`"))
        define(words[1], length: width)
        return .forLoop(
            variable: words[1], from: from, to: to, width: width, body: try parseBlock(&lines, opener: line), location: line.location())
    }

    /// `APDU [=> RESPONSE [within DURATION]]`, starting at `column` of the line.
    private mutating func parseExchange(_ text: String, line: Line, column: Int) throws(ScriptError) -> Statement {
        let parts = text.components(separatedBy: "=>")
        guard parts.count <= 2 else { throw ScriptError(location: line.location(), message: "more than one `=>` on a line") }
        let command = try template(parts[0], line: line, column: column)
        var expected: ResponsePattern? = nil
        var within: Duration? = nil
        if parts.count == 2 {
            var response = parts[1]
            if let range = response.range(of: " within ") {
                let value = response[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard let d = Self.duration(value) else {
                    throw ScriptError(
                        location: line.location(column + parts[0].count + 2), message: "'\(value)' is not a duration (e.g. 50ms, 2s, 800us)"
                    )
                }
                within = d
                response = String(response[..<range.lowerBound])
            }
            expected = try pattern(response, line: line, column: column + parts[0].count + 2)
        }
        return .exchange(command: command, expected: expected, within: within, location: line.location(column))
    }

    // MARK: variables

    mutating func define(_ name: String, length: Int?) {
        definitions.append(VariableDefinition(name: name, scope: scope, length: length))
    }

    mutating func refer(to name: String, at location: SourceLocation) {
        references.append(VariableReference(name: name, location: location, scope: scope))
    }
}
