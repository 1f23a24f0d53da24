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
        package init() {}
    }

    package var options: Options
    /// Called after each case (live console view).
    package var onCaseFinished: ((CaseResult) -> Void)?

    package init(options: Options = Options()) { self.options = options }

    /// Runs every case of every script on `channel`.
    package func run<C: TestChannel>(_ scripts: [Script], on channel: inout C) -> [CaseResult] {
        var results: [CaseResult] = []
        for script in scripts {
            for testCase in script.cases {
                let result = run(testCase, of: script, on: &channel)
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
        case exit
    }

    /// The state of one case while it runs.
    struct Execution<C: TestChannel> {
        var channel: C
        var script: Script
        var variables: [String: [UInt8]] = [:]
        var followUp = ResponseFollowUp()
        var steps: [StepRecord] = []
        var budget: Duration?
        var guardCounters: Bool
        var callDepth = 0
    }

    func run<C: TestChannel>(_ testCase: TestCase, of script: Script, on channel: inout C) -> CaseResult {
        var result = CaseResult(
            id: testCase.id, title: testCase.title, requirement: testCase.requirement, file: script.path,
            verdict: .pass, message: nil, steps: [], micros: 0)
        if let profile = testCase.profile, !options.profiles.contains(profile) {
            result.verdict = .notApplicable
            result.message = "profile '\(profile)' is not active (--profile \(profile))"
            return result
        }
        if testCase.destructive && channel.isRealCard && !options.allowDestructive {
            result.verdict = .skipped
            result.message = "destructive (can consume PIN tries): refused on a real card without --allow-destructive"
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
                result.message = "could not restore the card: \(error)"
                return result
            }
        }
        var execution = Execution(channel: channel, script: script, guardCounters: channel.isRealCard)
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
            case .exit: break
            }
        } catch {
            result.verdict = .inconclusive
            result.message = "channel error: \(error)"
        }
        let elapsed = ContinuousClock.now - started
        do {
            try execute(script.teardown, &execution)
        } catch {
            if result.verdict == .pass {
                result.verdict = .inconclusive
                result.message = "teardown: \(error)"
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

    func execute<C: TestChannel>(_ statements: [Statement], _ x: inout Execution<C>) throws {
        for statement in statements {
            switch statement {
            case .exchange(let template, let expected, let within, let location):
                let command = try resolve(template, x.variables, location)
                try exchange(command, expected: expected, within: within, location: location, &x)
            case .reset(let expected, let location):
                let atr = try x.channel.reset()
                var step = StepRecord(
                    location: location.description, exchange: nil, atr: Hex.encode(atr), expected: expected?.text,
                    expectedMeaning: nil, passed: true, message: nil)
                if let expected, expected.match(atr, variables: x.variables) == nil {
                    step.passed = false
                    step.message = "ATR \(Hex.encode(atr)) does not match \(expected.text)"
                    x.steps.append(step)
                    throw Stop.failed("\(location): \(step.message!)")
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
                for value in stride(from: a, through: b, by: a <= b ? 1 : -1) {
                    x.variables[variable] = Self.bytes(value, width: width)
                    try execute(body, &x)
                }
            case .call(let name, let location):
                guard let body = x.script.procedures[name] else { throw Stop.inconclusive("\(location): no procedure '\(name)'") }
                guard x.callDepth < 16 else { throw Stop.inconclusive("\(location): procedures nested deeper than 16") }
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
                guard let value = x.variables[name] else { throw Stop.inconclusive("\(location): no variable '\(name)'") }
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

    /// One exchange: send, time, check, record.
    @discardableResult
    func exchange<C: TestChannel>(
        _ command: [UInt8], expected: ResponsePattern?, within: Duration?, location: SourceLocation,
        _ x: inout Execution<C>
    ) throws -> [UInt8] {
        if x.guardCounters { try guardRetryCounter(command, location, &x) }
        let started = ContinuousClock.now
        let response = try x.followUp.exchange(command, on: &x.channel)
        let elapsed = ContinuousClock.now - started
        guard response.count >= 2 else { throw Stop.inconclusive("\(location): a response without a status word") }
        let status = StatusWord(response[response.count - 2], response[response.count - 1])
        let record = ExchangeRecord(
            command: Hex.encode(command), response: Hex.encode(response), status: status.description,
            statusMeaning: status.meaning, micros: Self.micros(elapsed), commandClass: CommandClassName.of(command))
        var step = StepRecord(
            location: location.description, exchange: record, atr: nil, expected: expected?.text,
            expectedMeaning: expected.map {
                $0.statusWords.map { "\($0) \(StatusWord(UInt16($0, radix: 16)!).meaning)" }.joined(separator: " | ")
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
        if !step.passed { throw Stop.failed("\(location): \(step.message!)") }
        return response
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

    func resolve(_ template: ByteTemplate, _ variables: [String: [UInt8]], _ location: SourceLocation) throws -> [UInt8] {
        var out: [UInt8] = []
        for part in template.parts {
            switch part {
            case .literal(let bytes): out += bytes
            case .variable(let name):
                guard let value = variables[name] else { throw Stop.inconclusive("\(location): no variable '\(name)'") }
                out += value
            case .expression(let expression, let width):
                if width == nil, let name = expression.bareVariable {
                    guard let value = variables[name] else { throw Stop.inconclusive("\(location): no variable '\(name)'") }
                    out += value
                } else {
                    let value = try evaluate(expression, variables, location)
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
                guard let bytes = variables[name], bytes.count <= 8 else {
                    throw Stop.inconclusive("\(location): no numeric variable '\(name)'")
                }
                value = bytes.reduce(0) { $0 << 8 | Int($1) }
            case .length(let name):
                guard let bytes = variables[name] else { throw Stop.inconclusive("\(location): no variable '\(name)'") }
                value = bytes.count
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
