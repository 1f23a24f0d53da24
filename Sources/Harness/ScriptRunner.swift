import Foundation
import ISO7816
import VirtualReader

/// Runs scripts over any ``TestChannel`` and turns them into verdicts.
package struct ScriptRunner {
    package struct Options: Sendable {
        /// Profiles that apply (cases with another profile are "not applicable").
        package var profiles: Set<String> = []
        /// Allow cases that can consume PIN tries on a real card.
        package var allowDestructive = false
        /// Values given from outside the scripts (`--card`, `--let`, `--ask`).
        package var variables = ScriptVariables()
        package init() {}
    }

    package var options: Options
    /// Called after each case (live console view).
    package var onCaseFinished: ((CaseResult) -> Void)?
    /// Sees every case start, exchange and reset as it happens (the scriptor-style console).
    package var observer: (any ScriptObserver)?

    package init(options: Options = Options()) { self.options = options }

    /// Runs every case of every script on `channel`.
    package func run<C: TestChannel>(_ scripts: [Script], on channel: inout C) -> [CaseResult] {
        run(scripts, on: &channel, credentials: CredentialLedger())
    }

    /// Runs every case of every script on `channel`; `credentials` learns which given values the
    /// card accepted or refused (a credential refused on first use is reported once, and the
    /// cases that need it are skipped instead of failing one after another).
    package func run<C: TestChannel>(_ scripts: [Script], on channel: inout C, credentials: CredentialLedger) -> [CaseResult] {
        var results: [CaseResult] = []
        for script in scripts {
            for testCase in script.cases {
                let result = run(testCase, of: script, on: &channel, credentials: credentials)
                results.append(result)
                onCaseFinished?(result)
            }
        }
        return results
    }

    /// Why a case stopped early.
    enum Stop: Error {
        case failed(String)
        case inconclusive(String)
        case notApplicable(String)
        case exit
    }

    /// The state of one case while it runs.
    struct Execution<C: TestChannel> {
        var channel: C
        var script: Script
        var testCase: TestCase
        var variables: [String: [UInt8]] = [:]
        var followUp = ResponseFollowUp()
        var steps: [StepRecord] = []
        var budget: Duration?
        var guardCounters: Bool
        var callDepth = 0
        let credentials: CredentialLedger
    }

    func run<C: TestChannel>(_ testCase: TestCase, of script: Script, on channel: inout C, credentials: CredentialLedger) -> CaseResult {
        var result = CaseResult(
            id: testCase.id, title: testCase.title, requirement: testCase.requirement, file: script.path,
            verdict: .pass, message: nil, steps: [], micros: 0)
        if let reason = reasonNotToRun(testCase, of: script, on: channel, credentials: credentials) {
            (result.verdict, result.message) = reason
            return result
        }
        if testCase.disposable {
            do {
                guard try channel.restoreIssuedState() else {
                    result.verdict = .notApplicable
                    result.message = "needs a disposable card (in-process or mynasim's simulator)"
                    return result
                }
            } catch {
                result.verdict = .inconclusive
                result.message = "could not restore the card: \(ChannelWords.describe(error))"
                return result
            }
        }
        observer?.caseStarted(testCase, of: script)
        var execution = Execution(
            channel: channel, script: script, testCase: testCase, variables: options.variables.values, guardCounters: channel.isRealCard,
            credentials: credentials)
        let started = ContinuousClock.now
        do {
            _ = try execution.channel.powerOn()
            try execute(script.setup, &execution)
            try execute(testCase.body, &execution)
        } catch let stop as Stop {
            switch stop {
            case .failed(let message):
                result.verdict = .fail
                result.message = message
            case .inconclusive(let message):
                result.verdict = .inconclusive
                result.message = message
            case .notApplicable(let message):
                result.verdict = .notApplicable
                result.message = message
            case .exit: break
            }
        } catch {
            result.verdict = .inconclusive
            result.message = "the card or reader failed: \(ChannelWords.describe(error))"
        }
        let elapsed = ContinuousClock.now - started
        do {
            try execute(script.teardown, &execution)
        } catch {
            if result.verdict == .pass {
                result.verdict = .inconclusive
                result.message = "teardown: \(ChannelWords.describe(error))"
            }
        }
        if let budget = execution.budget, elapsed > budget, result.verdict == .pass {
            result.verdict = .fail
            result.message = "case took \(Self.format(elapsed)), budget \(Self.format(budget))"
        }
        result.steps = execution.steps
        result.micros = Self.micros(elapsed)
        channel = execution.channel
        // A disposable case may leave the card blocked or changed: the next case starts from
        // the issued state again.
        if testCase.disposable, (try? channel.restoreIssuedState()) != true, result.verdict == .pass {
            result.verdict = .inconclusive
            result.message = "could not restore the card after the case"
        }
        return result
    }

    /// Why a case is not run at all: its profile is off, it needs a value nobody gave, it needs a
    /// credential the card refused, or it could consume tries on a real card.
    func reasonNotToRun<C: TestChannel>(
        _ testCase: TestCase, of script: Script, on channel: C, credentials: CredentialLedger
    ) -> (Verdict, String)? {
        if let profile = testCase.profile, !options.profiles.contains(profile) {
            return (.notApplicable, "profile '\(profile)' is not active (--profile \(profile))")
        }
        let assigned = script.variablesAssignedBeforeCases
        for name in testCase.requires where options.variables.values[name] == nil && !assigned.contains(name) {
            if let why = options.variables.absent[name] { return (.notApplicable, "needs \(name): \(why)") }
            return (
                .notApplicable, "needs \(name), which has no value (give --let \(name)=… or --ask \(name); with --card it is the persona's)"
            )
        }
        if let refused = credentials.refusal(among: script.variablesNeeded(by: testCase)) {
            return (.skipped, "needs \(refused.name), which the card refused in \(refused.caseID) (\(refused.status))")
        }
        if testCase.destructive && channel.isRealCard && !options.allowDestructive {
            return (.skipped, "destructive (can consume PIN tries): refused on a real card without --allow-destructive")
        }
        return nil
    }

    func execute<C: TestChannel>(_ statements: [Statement], _ x: inout Execution<C>) throws {
        for statement in statements {
            switch statement {
            case .exchange(let template, let expected, let within, let location):
                let command = try resolve(template, x.variables, location)
                let response = try exchange(command, expected: expected, within: within, location: location, &x)
                noteCredentials(template, command: command, response: response, location: location, &x)
                if let failed = x.steps.last, !failed.passed { throw Stop.failed("\(location): \(failed.message ?? "failed")") }
            case .assume(let template, let expected, let location):
                let command = try resolve(template, x.variables, location)
                let response = try exchange(command, expected: nil, within: nil, location: location, &x)
                if let captures = expected.match(response, variables: x.variables) {
                    x.variables.merge(captures) { $1 }
                } else {
                    throw Stop.notApplicable(
                        "\(location): this case is for another card: assumed \(expected.text), the card answered \(Hex.encode(response))")
                }
            case .reset(let expected, let location):
                let atr = try x.channel.reset()
                observer?.reset(atr: atr, location: location)
                var step = StepRecord(
                    location: location.description, exchange: nil, atr: Hex.encode(atr), expected: expected?.text,
                    expectedMeaning: nil, passed: true, message: nil)
                if let expected, expected.match(atr, variables: x.variables) == nil {
                    step.passed = false
                    step.message = "ATR \(Hex.encode(atr)) does not match \(expected.text)"
                    x.steps.append(step)
                    throw Stop.failed("\(location): ATR \(Hex.encode(atr)) does not match \(expected.text)")
                }
                x.steps.append(step)
            case .exit:
                throw Stop.exit
            case .assign(let name, let value, let location):
                x.variables[name] = try resolve(value, x.variables, location)
            case .repeatLoop(let count, let body, let location):
                let n = try evaluate(count, x.variables, location)
                for _ in 0..<max(0, n) { try execute(body, &x) }
            case .forLoop(let variable, let from, let to, let width, let body, let location):
                let a = try evaluate(from, x.variables, location)
                let b = try evaluate(to, x.variables, location)
                for bound in [a, b] {
                    if let problem = WidthCheck.problem(value: bound, width: width) {
                        throw Stop.failed("\(location): `for \(variable)` reaches \(bound), which \(problem)")
                    }
                }
                for value in stride(from: a, through: b, by: a <= b ? 1 : -1) {
                    x.variables[variable] = Self.bytes(value, width: width)
                    try execute(body, &x)
                }
            case .call(let name, let location):
                guard let body = x.script.procedures[name] else { throw Stop.failed("\(location): no procedure '\(name)'") }
                guard x.callDepth < 16 else { throw Stop.failed("\(location): procedures call each other more than 16 deep") }
                x.callDepth += 1
                defer { x.callDepth -= 1 }
                try execute(body, &x)
            case .option(let name, let value, _):
                if name == "get-response" { x.followUp.getResponse = value == "on" } else { x.followUp.wrongLe = value == "on" }
            case .readEF(let name, let location):
                x.variables[name] = try readEF(location, &x)
            case .budget(let duration, _):
                x.budget = duration
            case .expectVariable(let name, let pattern, let location):
                let value = try lookup(name, x.variables, location)
                let ok = pattern.match(value, variables: x.variables) != nil
                x.steps.append(
                    StepRecord(
                        location: location.description, exchange: nil, atr: nil, expected: pattern.text, expectedMeaning: nil,
                        passed: ok,
                        message: ok ? "\(name) = \(Hex.encode(value))" : "\(name) = \(Hex.encode(value)) does not match \(pattern.text)"))
                if !ok { throw Stop.failed("\(location): \(name) = \(Hex.encode(value)) does not match \(pattern.text)") }
            }
        }
    }

    /// One exchange: send, time, check, record. A failed check is recorded in the step; the
    /// caller decides what it means.
    @discardableResult
    func exchange<C: TestChannel>(
        _ command: [UInt8], expected: ResponsePattern?, within: Duration?, location: SourceLocation,
        _ x: inout Execution<C>
    ) throws -> [UInt8] {
        if x.guardCounters { try guardRetryCounter(command, location, &x) }
        let started = ContinuousClock.now
        let response = try x.followUp.exchange(command, on: &x.channel)
        let elapsed = ContinuousClock.now - started
        observer?.exchanged(command: command, response: response, location: location)
        guard response.count >= 2 else { throw Stop.inconclusive("\(location): the card answered without a status word") }
        let status = StatusWord(response[response.count - 2], response[response.count - 1])
        let record = ExchangeRecord(
            command: Hex.encode(command), response: Hex.encode(response), status: status.description,
            statusMeaning: status.meaning, micros: Self.micros(elapsed), commandClass: CommandClassName.of(command))
        var step = StepRecord(
            location: location.description, exchange: record, atr: nil, expected: expected?.text,
            expectedMeaning: expected.map {
                $0.statusWords.compactMap { word in UInt16(word, radix: 16).map { "\(word) \(StatusWord($0).meaning)" } }
                    .joined(separator: " | ")
            },
            passed: true, message: nil)
        if let expected {
            if let captures = expected.match(response, variables: x.variables) {
                x.variables.merge(captures) { $1 }
            } else {
                step.passed = false
                step.message = "expected \(expected.text), got \(Hex.encode(response)) (\(status.meaning))"
            }
        }
        if step.passed, let within, elapsed > within {
            step.passed = false
            step.message = "took \(Self.format(elapsed)), limit \(Self.format(within))"
        }
        x.steps.append(step)
        return response
    }

    /// A VERIFY that sends a value given from outside tells the ledger whether the card took it.
    /// Refused on its first use, the value is not this card's: the case fails saying so once,
    /// and later cases that need it are skipped (on a real card, no further try is spent on it).
    func noteCredentials<C: TestChannel>(
        _ template: ByteTemplate, command: [UInt8], response: [UInt8], location: SourceLocation, _ x: inout Execution<C>
    ) {
        guard command.count > 5, command[1] == Instruction.verify, response.count >= 2 else { return }
        // Only values still as given: a script that assigned its own is testing its own.
        let given = template.dataVariables.filter { name in options.variables.values[name].map { $0 == x.variables[name] } ?? false }
        guard !given.isEmpty else { return }
        let status = StatusWord(response[response.count - 2], response[response.count - 1])
        if status.isSuccess {
            x.credentials.accepted(given)
            return
        }
        guard let step = x.steps.last, !step.passed, status.retriesLeft != nil || [0x6983, 0x6984].contains(status.value) else { return }
        for name in given where !x.credentials.wasAccepted(name) {
            let refusal = CredentialRefusal(name: name, status: status, caseID: x.testCase.id, location: location)
            x.credentials.refused(refusal)
            x.steps[x.steps.count - 1].message = refusal.explanation
        }
    }

    /// On a real card, before a VERIFY with data, read the counter and stop while a try is left
    /// to spare (the harness never blocks a real card).
    func guardRetryCounter<C: TestChannel>(_ command: [UInt8], _ location: SourceLocation, _ x: inout Execution<C>) throws {
        guard command.count > 5, command[1] == Instruction.verify else { return }
        let query = try x.channel.transmit(Array(command.prefix(4)))
        guard let response = try? ResponseAPDU(bytes: query), response.data.isEmpty else { return }
        if let refusal = RetryCounter(queryStatus: response.status).refusal(confirmedLastTry: false) {
            throw Stop.inconclusive("\(location): not sent on a real card: \(refusal)")
        }
    }

    /// Reads the current EF to its end (``TransparentFileReader``), every READ BINARY a step of the case.
    func readEF<C: TestChannel>(_ location: SourceLocation, _ x: inout Execution<C>) throws -> [UInt8] {
        do {
            return try TransparentFileReader(limit: 65_535).read { command in
                try ResponseAPDU(bytes: exchange(command.bytes, expected: nil, within: nil, location: location, &x))
            }
        } catch let error as FileReadError {
            throw Stop.failed("\(location): read-ef: \(error)")
        }
    }

    func lookup(_ name: String, _ variables: [String: [UInt8]], _ location: SourceLocation) throws -> [UInt8] {
        guard let value = variables[name] else {
            throw Stop.failed("\(location): '\(name)' has no value yet (it is set by a statement this run did not reach)")
        }
        return value
    }

    func resolve(_ template: ByteTemplate, _ variables: [String: [UInt8]], _ location: SourceLocation) throws -> [UInt8] {
        var out: [UInt8] = []
        for part in template.parts {
            switch part {
            case .literal(let bytes): out += bytes
            case .variable(let name): out += try lookup(name, variables, location)
            case .lowercased(let name):
                out += try lookup(name, variables, location).map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
            case .expression(let expression, let width):
                if width == nil, let name = expression.bareVariable {
                    out += try lookup(name, variables, location)
                } else {
                    let value = try evaluate(expression, variables, location)
                    if let problem = WidthCheck.problem(value: value, width: width) {
                        throw Stop.failed(
                            "\(location): `${\(expression.text)\(width.map { ":\($0)" } ?? "")}` is \(value), which \(problem)")
                    }
                    out += Self.bytes(value, width: width ?? (value > 0xFF ? 2 : 1))
                }
            }
        }
        return out
    }

    func evaluate(_ expression: Expression, _ variables: [String: [UInt8]], _ location: SourceLocation) throws -> Int {
        var total = 0
        for (sign, term) in expression.terms {
            let value: Int
            switch term {
            case .number(let n): value = n
            case .variable(let name):
                let bytes = try lookup(name, variables, location)
                guard bytes.count <= 8 else {
                    throw Stop.failed("\(location): '\(name)' holds \(bytes.count) bytes, too many to use as a number (at most 8)")
                }
                value = bytes.reduce(0) { $0 << 8 | Int($1) }
            case .length(let name):
                value = try lookup(name, variables, location).count
            }
            total += sign * value
        }
        return total
    }

    static func bytes(_ value: Int, width: Int) -> [UInt8] {
        (0..<width).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static func micros(_ d: Duration) -> Int { d.wholeMicroseconds }

    static func format(_ d: Duration) -> String { Reports.formatMicros(d.wholeMicroseconds) }
}
