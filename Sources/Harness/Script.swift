import ISO7816

/// A place in a script file, for every error and report.
package struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var column: Int
    package var description: String { "\(file):\(line):\(column)" }
}

/// A parsed script (docs/script-format.md): test cases, set-up and tear-down, procedures.
/// A file without `case` blocks (a scriptor script) is one case named after the file.
package struct Script: Sendable {
    package var path: String
    package var setup: [Statement] = []
    package var teardown: [Statement] = []
    package var procedures: [String: [Statement]] = [:]
    package var cases: [TestCase] = []
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
}

/// Bytes written with literals, `$name` variables and `${expression:width}`.
package struct ByteTemplate: Sendable, CustomStringConvertible {
    package enum Part: Sendable {
        case literal([UInt8])
        case variable(String)
        case expression(Expression, width: Int?)
    }
    package var parts: [Part]
    package var text: String
    package var description: String { text }
}

/// An integer expression: terms added and subtracted.
package struct Expression: Sendable {
    package enum Term: Sendable {
        case number(Int)
        case variable(String)  // big-endian value of the variable's bytes
        case length(String)  // len(NAME)
    }
    package var terms: [(sign: Int, term: Term)]
    /// A lone variable reference (its bytes are used as they are).
    package var bareVariable: String? {
        if terms.count == 1, terms[0].sign == 1, case .variable(let name) = terms[0].term { return name }
        return nil
    }
}
