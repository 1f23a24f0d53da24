import Foundation
import MynaApplications
import MynaCard
import MynaPersona
import VirtualReader

/// The outcome of one scenario: how the client ended, the rules' verdicts and the expectations'.
package struct ScenarioResult: Codable, Sendable {
    package var scenario: String
    package var description: String
    package var exitStatus: Int32?
    package var timedOut: Bool
    package var apduCount: Int
    package var seconds: Double
    package var rules: [RuleVerdict]
    package var expectations: [ExpectationVerdict]
    /// The client's output (last 4 KB) and the trace file kept for this scenario.
    package var output: String
    package var trace: String?
    /// The scenario's position in the whole run, every shard together (0-based).
    package var ordinal: Int? = nil

    package init(
        scenario: String, description: String, exitStatus: Int32?, timedOut: Bool, apduCount: Int, seconds: Double,
        rules: [RuleVerdict], expectations: [ExpectationVerdict], output: String, trace: String?
    ) {
        self.scenario = scenario
        self.description = description
        self.exitStatus = exitStatus
        self.timedOut = timedOut
        self.apduCount = apduCount
        self.seconds = seconds
        self.rules = rules
        self.expectations = expectations
        self.output = output
        self.trace = trace
    }

    /// Passed: every expectation held and no error rule failed.
    package var passed: Bool {
        expectations.allSatisfy(\.passed) && !rules.contains { $0.outcome == .fail && $0.severity == .error }
    }
}

/// Runs a client command once per scenario, each time in a fresh private PC/SC world (our
/// simulator and a pcscd of its own) with the card put into the scenario's condition, and judges
/// the trace the reader wrote. Scenarios can run side by side: each has its own directory,
/// simulator socket, pcscd and trace.
package struct ClientCheckRunner: Sendable {
    package var command: [String]
    package var profile: ClientProfile
    package var facts: ScenarioFacts
    package var personas: URL
    package var handlerPath: String
    /// The reader driver in front of the card in every scenario's sandbox.
    package var readerPath: ReaderPath = .ifdHandler
    /// Where each scenario's trace and output are kept.
    package var workDirectory: URL
    /// Called as each scenario finishes (from the thread that ran it when scenarios run in parallel).
    package var onScenarioFinished: (@Sendable (ScenarioResult) -> Void)?

    /// Scenarios run at once by default: one per core, at most 4 (each runs a pcscd, our
    /// simulator and the client).
    package static var defaultJobs: Int { min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)) }

    package init(command: [String], profile: ClientProfile, facts: ScenarioFacts, personas: URL, handlerPath: String, workDirectory: URL) {
        self.command = command
        self.profile = profile
        self.facts = facts
        self.personas = personas
        self.handlerPath = handlerPath
        self.workDirectory = workDirectory
    }

    /// Runs every scenario, `jobs` at a time, and returns their results in the scenarios' order.
    /// The first scenario that could not be run (in that order) is the error.
    package func run(_ scenarios: [ClientScenario], jobs: Int = 1) throws(ClientCheckError) -> [ScenarioResult] {
        var seen: Set<String> = []
        for scenario in scenarios where !seen.insert(scenario.name).inserted {
            throw .run("two scenarios are named \(scenario.name): give each scenario its own name (it names its work directory)")
        }
        let outcomes = parallelMap(scenarios, width: jobs) { scenario -> Result<ScenarioResult, ClientCheckError> in
            do throws(ClientCheckError) {
                let result = try run(scenario)
                onScenarioFinished?(result)
                return .success(result)
            } catch {
                return .failure(error)
            }
        }
        return try outcomes.map { outcome throws(ClientCheckError) in try outcome.get() }
    }

    /// A private copy of the scenario's persona with its retry counters set, loaded once.
    func prepareCard(_ scenario: ClientScenario, in directory: URL) throws(ClientCheckError) -> PersonaDirectory? {
        guard let name = scenario.persona else { return nil }
        let source = name.contains("/") ? URL(fileURLWithPath: name) : personas.appendingPathComponent(name)
        let copy = directory.appendingPathComponent("card")
        do {
            try FileManager.default.copyItem(at: source, to: copy)
            for leftover in [PersonaDirectory.FileName.state, PersonaDirectory.FileName.lock] {
                try? FileManager.default.removeItem(at: copy.appendingPathComponent(leftover))
            }
            let card = try PersonaDirectory(url: copy)
            guard let triesLeft = scenario.triesLeft, !triesLeft.isEmpty else { return card }
            let known = Set(card.cardImage().credentials.map { "\($0.id)" })
            var state = PersistentCardState()
            for (id, tries) in triesLeft {
                guard known.contains(id) else {
                    throw ClientCheckError.run(
                        "scenario \(scenario.name): tries-left names '\(id)', not one of \(known.sorted().joined(separator: ", "))")
                }
                state.credentials[id] = .init(triesLeft: tries)
            }
            try FileCardStateStore(url: card.stateURL).save(state)
            return card
        } catch let error as ClientCheckError {
            throw error
        } catch {
            throw .run(
                "scenario \(scenario.name): cannot prepare the card from \(source.path): \(FileProblem.describe(error) ?? "\(error)")")
        }
    }

    package func run(_ scenario: ClientScenario) throws(ClientCheckError) -> ScenarioResult {
        let directory = workDirectory.appendingPathComponent(scenario.name)
        try? FileManager.default.removeItem(at: directory)
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw .run("cannot create \(directory.path): \(FileProblem.writing(directory.path, error))")
        }
        let card = try prepareCard(scenario, in: directory)
        let persona = card?.persona
        let tracePath = directory.appendingPathComponent("trace.jsonl").path
        let outputPath = directory.appendingPathComponent("output.txt").path
        var configuration = PCSCSandbox.Configuration(
            directory: directory.appendingPathComponent("pcsc"), handlerPath: handlerPath, slotCount: 1)
        configuration.readerPath = readerPath
        configuration.simulator.profile = scenario.timing.flatMap(TimingProfile.named) ?? .instant
        configuration.simulator.tracePath = tracePath

        let started = ContinuousClock.now
        let sandbox: PCSCSandbox
        do { sandbox = try PCSCSandbox(configuration) } catch { throw .run("scenario \(scenario.name): \(error)") }
        defer { sandbox.shutdown() }
        func insert() throws(ClientCheckError) {
            guard let card else { return }
            do {
                _ = try sandbox.simulator.handle(.insert(slot: 0, card: card.url.path))
                _ = try sandbox.simulator.handle(.configure(slot: 0, profile: nil, faults: scenario.faultPlan))
            } catch { throw .run("scenario \(scenario.name): inserting the card failed: \(error)") }
        }
        if scenario.insertAfterMs == nil { try insert() }

        var environment = ProcessInfo.processInfo.environment.merging(sandbox.environment) { $1 }
        environment["MYNASIM_READER"] = configuration.readerName(slot: 0)
        environment["MYNASIM_SCENARIO"] = scenario.name
        // What the card's holder would type, so one client command serves every persona.
        if let persona {
            environment["MYNASIM_AUTH_PIN"] = persona.credentials.authPIN
            environment["MYNASIM_SIGN_PASSWORD"] = persona.credentials.signPassword
        }
        // A process group of its own, so a timeout or an interrupt stops what the client started too.
        var options = ChildProcess.Options(environment: environment, output: outputPath)
        options.ownProcessGroup = true
        options.parentDeathSignal = SIGTERM
        options.stopOnInterrupt = true
        let process: ChildProcess
        do { process = try ChildProcess(command, options: options) } catch {
            throw .run("cannot start the client: \(error)")
        }
        let clientStart = ContinuousClock.now
        let limit = Duration.milliseconds(Int((scenario.timeoutSeconds ?? 30) * 1000))
        var inserted = scenario.insertAfterMs == nil
        var timedOut = false
        var status: Int32?
        while status == nil {
            status = process.poll()
            guard status == nil else { break }
            if !inserted, ContinuousClock.now - clientStart >= .milliseconds(scenario.insertAfterMs!) {
                try insert()
                inserted = true
            }
            if ContinuousClock.now - clientStart > limit {
                timedOut = true
                status = process.stop(signal: SIGTERM, grace: .seconds(2))
                break
            }
            usleep(2_000)
        }
        process.stop(signal: SIGKILL, grace: .zero)  // what the client left running in its group
        let endedAt = TraceWriter.timestamp()
        let trace: [TraceEvent]
        do { trace = FileManager.default.fileExists(atPath: tracePath) ? try TraceFile.read(tracePath) : [] } catch {
            throw .run(error.description)
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exit = status ?? -1
        let session = ClientSession(
            trace: trace, exitStatus: exit, timedOut: timedOut, signal: process.terminationSignal,
            output: output, endedAt: endedAt)
        var scenarioFacts = facts
        let shortOnly = scenario.faults?.shortOnly == true || persona?.card.extendedLength == false
        scenarioFacts["reader-advertises-extended"] = shortOnly ? "no" : "yes"
        for (key, value) in scenario.facts ?? [:] where facts[key] == nil { scenarioFacts[key] = value }
        return ScenarioResult(
            scenario: scenario.name, description: scenario.description, exitStatus: timedOut ? nil : exit, timedOut: timedOut,
            apduCount: session.exchanges.count, seconds: (ContinuousClock.now - started).seconds,
            rules: RuleEngine(profile: profile).evaluate(session, facts: scenarioFacts),
            expectations: scenario.expectation(for: scenarioFacts).judge(session), output: String(output.suffix(4096)), trace: tracePath)
    }
}
