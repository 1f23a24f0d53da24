import MynaPersona

/// Where a statement belongs, for deciding which variables it can see.
enum VariableScope: Hashable {
    /// Outside any block, or in `setup` (runs before every case).
    case topLevel
    case teardown
    case procedure(String)
    /// The case with this index in the file.
    case testCase(Int)
}

/// A variable read at a place.
struct VariableReference {
    var name: String
    var location: SourceLocation
    var scope: VariableScope
}

/// A variable set (`let`, a capture, a `for` variable, `read-ef`), with its byte count when it is
/// known before the card answers.
struct VariableDefinition {
    var name: String
    var scope: VariableScope
    var length: Int?
}

/// A number that will be written in a fixed width (`${…:N}`, a `for` variable).
struct WidthCheck {
    var expression: Expression
    /// nil: 1 byte below 256, else 2.
    var width: Int?
    var location: SourceLocation
    /// How the script wrote it, for messages.
    var what: String
}

extension ScriptParser {
    /// The checks that need the whole file: variables read are set where the reader can see them,
    /// procedures called exist, and numbers known before the run fit their widths.
    func checkVariables() throws(ScriptError) {
        let procedureDefinitions = definitions.filter { if case .procedure = $0.scope { return true } else { return false } }
        let base = Set(externals.keys).union(definitions.filter { $0.scope == .topLevel }.map(\.name)).union(
            procedureDefinitions.map(\.name))
        let everything = base.union(definitions.map(\.name)).union(script.cases.flatMap(\.requires))
        for reference in references {
            let visible: Set<String>
            switch reference.scope {
            case .testCase(let index):
                let own = definitions.filter { $0.scope == reference.scope }.map(\.name)
                visible = base.union(own).union(script.cases.indices.contains(index) ? script.cases[index].requires : [])
            case .topLevel, .teardown, .procedure:
                visible = everything
            }
            guard !visible.contains(reference.name) else { continue }
            throw ScriptError(location: reference.location, message: undefinedMessage(reference.name, visible: visible))
        }
        for call in calls where script.procedures[call.name] == nil {
            let near = NearestName.nearest(to: call.name, in: script.procedures.keys).map { " (did you mean `\($0)`?)" } ?? ""
            throw ScriptError(location: call.location, message: "no procedure '\(call.name)'\(near)")
        }
        for check in widthChecks {
            guard let value = staticValue(check.expression) else { continue }
            if let problem = WidthCheck.problem(value: value, width: check.width) {
                throw ScriptError(location: check.location, message: "\(check.what) is \(value), which \(problem)")
            }
        }
    }

    func undefinedMessage(_ name: String, visible: Set<String>) -> String {
        if let known = ScriptVariables.catalog[name] {
            return "'\(name)' (\(known.meaning)) has no value here: run with --card DIR (the persona's), --let \(name)=… or "
                + "--ask \(name), or declare `requires \(name)` on the case"
        }
        let candidates = visible.union(ScriptVariables.catalog.keys)
        let near = NearestName.nearest(to: name, in: candidates).map { " (did you mean `\($0)`?)" } ?? ""
        return "undefined variable '\(name)'\(near): set it with `let`, a capture [\(name):N], `for` or `read-ef` before use"
    }

    /// The value of an expression when it is known before the run: numbers, and lengths of
    /// variables whose every definition has the same known length.
    func staticValue(_ expression: Expression) -> Int? {
        var total = 0
        for (sign, term) in expression.terms {
            switch term {
            case .number(let n): total += sign * n
            case .length(let name):
                guard let length = staticLength(of: name) else { return nil }
                total += sign * length
            case .variable(let name):
                guard let bytes = externals[name], bytes.count <= 8 else { return nil }
                total += sign * bytes.reduce(0) { $0 << 8 | Int($1) }
            }
        }
        return total
    }

    func staticLength(of name: String) -> Int? {
        let lengths = definitions.filter { $0.name == name }.map(\.length) + (externals[name].map { [$0.count] } ?? [])
        guard let first = lengths.first, let known = first, lengths.allSatisfy({ $0 == known }) else { return nil }
        return known
    }
}

extension WidthCheck {
    /// Why `value` cannot be written in `width` bytes (nil: it fits).
    static func problem(value: Int, width: Int?) -> String? {
        if value < 0 { return "is negative and cannot be written as bytes" }
        let bytes = width ?? 2
        let limit = bytes >= 8 ? Int.max : (1 << (8 * bytes)) - 1
        guard value > limit else { return nil }
        if width == nil { return "does not fit in 2 bytes (at most 65535); give a width, e.g. `:3`" }
        return "does not fit in \(bytes) byte\(bytes == 1 ? "" : "s") (at most \(limit))"
    }
}
