import Foundation
import ISO7816
import MynaApplications
import MynaPersona

/// A named set of rules a client session is judged by (`vectors/client-profiles/*.yaml`). The
/// rules are data: each names one of the engine's checks (`RuleCheck`) with its parameters, so a
/// user can write a profile of their own. docs/client-rules.md describes every check.
package struct ClientProfile: Codable, Sendable {
    package var profile: String
    package var description: String
    /// The facts the profile's rules understand and their values (`purpose: [authentication,
    /// signature]`), besides those its rules' `when` name: `--fact` is checked against them.
    package var facts: [String: [String]]?
    package var rules: [Rule]

    /// Severity of a broken rule.
    package enum Severity: String, Codable, Sendable, Comparable, CaseIterable {
        case error, warning, info
        package static func < (a: Severity, b: Severity) -> Bool {
            let order: [Severity] = [.info, .warning, .error]
            return order.firstIndex(of: a)! < order.firstIndex(of: b)!
        }
    }

    /// One rule: an id, a severity, a one-line rationale and the check that decides it.
    package struct Rule: Codable, Sendable {
        package var id: String
        package var severity: Severity
        package var rationale: String
        package var check: RuleCheck
        /// Scenario facts that must all hold for the rule to apply (e.g. `method: pin`).
        package var when: [String: String]?
        /// The application the check concerns (default JPKI).
        package var application: CardApplicationID?
        /// Files the check concerns, as 4 hex digits.
        package var files: [String]?
        /// A status word, as 4 hex digits (`no-repeat-after-status`).
        package var status: String?
        /// How often the same command may be repeated (`no-repeat-after-status`).
        package var maxRepeats: Int?
        /// The exchanges a `forbid` rule forbids: any one of these patterns.
        package var matchAny: [ExchangePattern]?

        enum CodingKeys: String, CodingKey {
            case id, severity, rationale, check, when, application, files, status
            case maxRepeats = "max-repeats"
            case matchAny = "match-any"
        }
    }

    /// Loads a profile file, naming the file, line and problem on any mistake.
    package static func load(_ path: String) throws(ClientCheckError) -> ClientProfile {
        let document: YAMLDocument<ClientProfile>
        do { document = try YAMLDocument(url: URL(fileURLWithPath: path)) } catch { throw ClientCheckError(error) }
        let declared = document.value.facts ?? [:]
        let known = declared.merging(FactCatalog.engine) { $0 + $1 }
        for (i, rule) in document.value.rules.enumerated() {
            func problem(_ key: String, _ message: String) -> ClientCheckError {
                ClientCheckError(document.problem(at: ["rules", "\(i)", key], "rule \(rule.id): \(message)"))
            }
            if rule.check == .forbid, rule.matchAny?.isEmpty ?? true { throw problem("check", "a forbid rule needs match-any") }
            if rule.check == .noRepeatAfterStatus, rule.status.flatMap({ UInt16($0, radix: 16) }) == nil {
                throw problem("check", "no-repeat-after-status needs status: 4 hex digits")
            }
            for file in rule.files ?? [] where UInt16(file, radix: 16) == nil || file.count != 4 {
                throw problem("files", "'\(file)' is not a file id of 4 hex digits")
            }
            // With facts declared, a `when` must use them: a misspelt fact would turn the rule off.
            for (fact, value) in rule.when ?? [:] where !declared.isEmpty {
                guard let values = known[fact] else {
                    let near = NearestName.nearest(to: fact, in: known.keys).map { " (did you mean `\($0)`?)" } ?? ""
                    throw problem(
                        "when",
                        "'\(fact)' is not a fact this profile declares\(near); facts: \(known.keys.sorted().joined(separator: ", "))")
                }
                guard values.contains(value) else {
                    throw problem("when", "'\(value)' is not a value of \(fact); its values: \(values.joined(separator: ", "))")
                }
            }
            for (j, pattern) in (rule.matchAny ?? []).enumerated() {
                if let message = pattern.problem {
                    throw ClientCheckError(document.problem(at: ["rules", "\(i)", "match-any", "\(j)"], "rule \(rule.id): \(message)"))
                }
            }
        }
        if let duplicate = Dictionary(grouping: document.value.rules, by: \.id).first(where: { $0.value.count > 1 })?.key {
            throw .file(path, "rule id \(duplicate) is used twice")
        }
        return document.value
    }

    /// Finds a shipped or user profile: a path, or a name under `vectors/client-profiles/`.
    package static func locate(_ nameOrPath: String, searchDirectories: [URL]) throws(ClientCheckError) -> ClientProfile {
        if FileManager.default.fileExists(atPath: nameOrPath) { return try load(nameOrPath) }
        for directory in searchDirectories {
            let url = directory.appendingPathComponent("\(nameOrPath).yaml")
            if FileManager.default.fileExists(atPath: url.path) { return try load(url.path) }
        }
        let known = searchDirectories.flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".yaml") }
                .map { String($0.dropLast(5)) }
        }
        let near = NearestName.nearest(to: nameOrPath, in: known).map { " (did you mean `\($0)`?)" } ?? ""
        throw .file(
            nameOrPath,
            "no such profile file or shipped profile\(near); shipped: \(Set(known).sorted().joined(separator: ", ")) "
                + "(looked in \(searchDirectories.map(\.path).joined(separator: ", ")))")
    }
}

extension ClientCheckError {
    /// A YAML file's problem, placed at its `file:line:column`.
    init(_ error: PersonaError) {
        switch error {
        case .invalid(let file, let line, let column, let message):
            self = .file(file + [line, column].compactMap { $0.map { ":\($0)" } }.joined(), message)
        default:
            self = .run(error.description)
        }
    }
}

/// The checks the rule engine knows. Each is general; profiles parameterise them.
package enum RuleCheck: String, Codable, Sendable, CaseIterable {
    /// Commands to the application's files only after selecting it by its full AID.
    case fullAIDBeforeUse = "full-aid-before-use"
    /// Certificate files read by the length in their DER header, never past it.
    case readsWithinDeclaredLength = "reads-within-declared-length"
    /// Every VERIFY with a value is preceded by an empty VERIFY (retry query) of the same key.
    case queryBeforeVerify = "query-before-verify"
    /// No VERIFY with a value when the last query said one try is left, unless the scenario's
    /// `user-confirmed-last-try` fact is `yes`.
    case noVerifyOnLastTry = "no-verify-on-last-try"
    /// No VERIFY with a value of a key after it answered `63C0` or `6984`.
    case noVerifyAfterBlocked = "no-verify-after-blocked"
    /// The same command, answered with `status`, is not sent more than `max-repeats` more times.
    case noRepeatAfterStatus = "no-repeat-after-status"
    /// None of the `match-any` patterns occurs.
    case forbid
    /// After the last successful VERIFY the client clears the security state before it ends: an
    /// application SELECT, a reset, or a power-off.
    case clearSecurityStateAtEnd = "clear-security-state-at-end"
    /// Extended-length APDUs only when the reader advertises them (fact `reader-advertises-extended`).
    case extendedOnlyWhenAdvertised = "extended-only-when-advertised"
    /// The same READ BINARY (application, file, offset, length) is not sent twice in one card session.
    case noRepeatedReads = "no-repeated-reads"
}

/// A pattern over one exchange in its context; every field given must hold.
package struct ExchangePattern: Codable, Sendable {
    /// Instruction: a name (`SELECT`, `READ BINARY`, `VERIFY`, `COMPUTE DIGITAL SIGNATURE`,
    /// `INTERNAL AUTHENTICATE`, `GET CHALLENGE`, `CHANGE REFERENCE DATA`, `READ RECORD`) or 2 hex digits.
    package var ins: String?
    /// The application selected when the command was sent.
    package var application: CardApplicationID?
    /// The file the command concerns (4 hex digits): the one a SELECT by FID selects, else the current EF.
    package var file: String?
    /// The key referred to (P2 SFI or current EF), and a key it must not be.
    package var key: String?
    package var notKey: String?
    /// Command data `present` or `empty`.
    package var data: String?
    /// A SELECT by DF name of this application, or of any of the card's applications but these.
    package var selects: CardApplicationID?
    package var selectsOtherThan: [CardApplicationID]?

    enum CodingKeys: String, CodingKey {
        case ins, application, file, key, data, selects
        case notKey = "not-key"
        case selectsOtherThan = "selects-other-than"
    }

    static let instructions: [String: UInt8] = [
        "SELECT": 0xA4, "READ BINARY": 0xB0, "READ RECORD": 0xB2, "VERIFY": 0x20, "COMPUTE DIGITAL SIGNATURE": 0x2A,
        "INTERNAL AUTHENTICATE": 0x88, "GET CHALLENGE": 0x84, "CHANGE REFERENCE DATA": 0x24, "GET RESPONSE": 0xC0, "GET DATA": 0xCA,
    ]

    var instruction: UInt8? { ins.flatMap { Self.instructions[$0.uppercased()] ?? UInt8($0, radix: 16) } }

    /// What is wrong with the pattern, if anything.
    var problem: String? {
        if ins != nil, instruction == nil { return "ins '\(ins!)' is neither a known instruction name nor 2 hex digits" }
        for (name, value) in [("file", file), ("key", key), ("not-key", notKey)] {
            if let value, value.count != 4 || UInt16(value, radix: 16) == nil { return "\(name) '\(value)' is not 4 hex digits" }
        }
        if let data, data != "present", data != "empty" { return "data must be present or empty, not '\(data)'" }
        return nil
    }

    func matches(_ exchange: ClientExchange) -> Bool {
        if let instruction, exchange.ins != instruction { return false }
        if let application, exchange.application != application { return false }
        if let file, exchange.concernedFile != UInt16(file, radix: 16) { return false }
        if let key, exchange.keyReference != UInt16(key, radix: 16) { return false }
        if let notKey, exchange.keyReference == UInt16(notKey, radix: 16) { return false }
        if let data, (data == "present") != exchange.hasCommandData { return false }
        if let selects, exchange.selectsApplication?.0 != selects { return false }
        if let others = selectsOtherThan {
            // Only the card's own applications count: other cards' AIDs (drivers probing) do not.
            guard let application = exchange.selectsApplication?.0, !others.contains(application) else { return false }
        }
        return true
    }
}
