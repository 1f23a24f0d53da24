import ISO7816

/// A place in a script file, for every error and report.
package struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var column: Int
    /// `file:line:column`; just the file when the problem concerns the whole file (line 0).
    package var description: String { line == 0 ? file : "\(file):\(line):\(column)" }
}

/// A parsed script (docs/script-format.md): test cases, set-up and tear-down, procedures.
/// A file without `case` blocks (a scriptor script) is one case named after the file.
package struct Script: Sendable {
    package var path: String
    package var setup: [Statement] = []
    package var teardown: [Statement] = []
    package var procedures: [String: [Statement]] = [:]
    package var cases: [TestCase] = []

    /// Whether any statement checks something (`=>`, `expect`, `assume`): a script without checks
    /// is a scriptor script, whose exchanges are printed by default.
    package var hasExpectations: Bool {
        (setup + teardown + procedures.values.flatMap { $0 } + cases.flatMap(\.body)).contains { $0.checksSomething }
    }

    /// The case profiles the script's cases declare.
    package var profiles: Set<String> { Set(cases.compactMap(\.profile)) }

    /// The variables a case reads (its body, the set-up and tear-down and every procedure they
    /// call) and the ones it declares with `requires`: what it needs from outside.
    package func variablesNeeded(by testCase: TestCase) -> Set<String> {
        var names = Set(testCase.requires)
        var visited: Set<String> = []
        func walk(_ statements: [Statement]) {
            for statement in statements {
                names.formUnion(statement.variablesRead)
                switch statement {
                case .call(let name, _):
                    if visited.insert(name).inserted, let body = procedures[name] { walk(body) }
                case .repeatLoop(_, let body, _), .forLoop(_, _, _, _, let body, _): walk(body)
                default: break
                }
            }
        }
        walk(setup + testCase.body + teardown)
        return names
    }

    /// The variables the file's top level and set-up assign (known before any case statement runs).
    package var variablesAssignedBeforeCases: Set<String> {
        Set(setup.compactMap { if case .assign(let name, _, _) = $0 { return name } else { return nil } })
    }
}

/// One test case: an id, what it checks and the steps.
package struct TestCase: Sendable {
    package var id: String
    package var title: String
    package var requirement: String?
    /// Runs only when this profile is active (otherwise "not applicable").
    package var profile: String?
    /// May consume PIN tries: refused on a PC/SC reader unless `--allow-destructive`.
    package var destructive: Bool
    /// Needs a card whose counters can be restored afterwards (in-process or our simulator).
    package var disposable: Bool
    /// Variables the case needs from outside (`requires AUTH_PIN,SIGN_PW`): without a value for
    /// each, the case is not applicable (a card without a signature certificate has no SIGN_PW).
    package var requires: [String] = []
    package var body: [Statement]
    package var location: SourceLocation
}

/// A statement of the script language.
package indirect enum Statement: Sendable {
    /// Send an APDU; check the response if `expected` is given, and its time if `within` is.
    case exchange(command: ByteTemplate, expected: ResponsePattern?, within: Duration?, location: SourceLocation)
    /// Cold reset (scriptor's `reset`), optionally checking the ATR.
    case reset(expected: ResponsePattern?, location: SourceLocation)
    /// End the current case (scriptor's `exit`).
    case exit
    /// `let NAME = BYTES`.
    case assign(name: String, value: ByteTemplate, location: SourceLocation)
    case repeatLoop(count: Expression, body: [Statement], location: SourceLocation)
    case forLoop(variable: String, from: Expression, to: Expression, width: Int, body: [Statement], location: SourceLocation)
    case call(name: String, location: SourceLocation)
    /// `option get-response on|off`, `option wrong-le on|off`.
    case option(name: String, value: String, location: SourceLocation)
    /// `read-ef NAME`: reads the current EF to its end (BER length in its 8-byte head, else until a
    /// short answer), in 256-byte READ BINARY chunks, into NAME.
    case readEF(into: String, location: SourceLocation)
    /// `budget 500ms`: the case fails if it takes longer.
    case budget(Duration, location: SourceLocation)
    /// `expect NAME = PATTERN`: check a variable.
    case expectVariable(name: String, pattern: ResponsePattern, location: SourceLocation)
    /// `assume APDU => PATTERN`: send an APDU; if the response does not match, the case is not for
    /// this card (verdict *not applicable*), e.g. known-answer vectors of one persona.
    case assume(command: ByteTemplate, expected: ResponsePattern, location: SourceLocation)
}

extension Statement {
    /// Whether the statement checks a response or a variable.
    var checksSomething: Bool {
        switch self {
        case .exchange(_, let expected, let within, _): return expected != nil || within != nil
        case .reset(let expected, _): return expected != nil
        case .expectVariable, .assume, .budget: return true
        default: return false
        }
    }

    /// The variables this statement itself reads (not those of a block it opens).
    var variablesRead: Set<String> {
        switch self {
        case .exchange(let command, let expected, _, _): return command.variables.union(expected?.variables ?? [])
        case .assume(let command, let expected, _): return command.variables.union(expected.variables)
        case .reset(let expected, _): return expected?.variables ?? []
        case .assign(_, let value, _): return value.variables
        case .repeatLoop(let count, _, _): return count.variables
        case .forLoop(_, let from, let to, _, _, _): return from.variables.union(to.variables)
        case .expectVariable(let name, let pattern, _): return pattern.variables.union([name])
        case .exit, .call, .option, .readEF, .budget: return []
        }
    }
}

/// Bytes written with literals, `$name` variables and `${expression:width}`.
package struct ByteTemplate: Sendable, CustomStringConvertible {
    package enum Part: Sendable {
        case literal([UInt8])
        case variable(String)
        case expression(Expression, width: Int?)
        /// `${lower(NAME)}`: the variable's bytes with ASCII A–Z made lower case.
        case lowercased(String)
    }
    package var parts: [Part]
    package var text: String
    package var description: String { text }

    /// The variables the bytes read.
    package var variables: Set<String> {
        Set(
            parts.flatMap { part -> [String] in
                switch part {
                case .literal: return []
                case .variable(let name), .lowercased(let name): return [name]
                case .expression(let expression, _): return Array(expression.variables)
                }
            })
    }

    /// The variables written as the whole data field of a command (`00200098 04 $AUTH_PIN`,
    /// `0020009B ${len(SIGN_PW):1} $SIGN_PW`): the credentials a VERIFY sends.
    package var dataVariables: [String] {
        parts.compactMap { part in
            switch part {
            case .variable(let name): return name
            case .expression(let expression, nil): return expression.bareVariable
            default: return nil
            }
        }
    }
}

/// An integer expression: terms added and subtracted.
package struct Expression: Sendable {
    package enum Term: Sendable {
        case number(Int)
        case variable(String)  // big-endian value of the variable's bytes
        case length(String)  // len(NAME)
    }
    package var terms: [(sign: Int, term: Term)]
    /// As written, for messages.
    package var text: String = ""
    /// The variables the expression reads.
    package var variables: Set<String> {
        Set(
            terms.compactMap { term in
                switch term.term {
                case .number: return nil
                case .variable(let name), .length(let name): return name
                }
            })
    }
    /// A lone variable reference (its bytes are used as they are).
    package var bareVariable: String? {
        if terms.count == 1, terms[0].sign == 1, case .variable(let name) = terms[0].term { return name }
        return nil
    }
}
