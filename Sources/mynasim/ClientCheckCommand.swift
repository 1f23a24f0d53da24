import ArgumentParser
import Foundation
import Harness
import VirtualReader

/// `mynasim client-check`: judge what a client application does to the card.
struct ClientCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client-check",
        abstract: "Check a client application's use of the card against a rule profile, under normal and hostile scenarios.",
        discussion: HelpText.paragraphs(
            """
            Runs COMMAND once per scenario, each time in a private PC/SC world (its own pcscd, our
            reader, a copy of the scenario's persona in the scenario's condition), then judges the
            reader's trace with the profile's rules and the scenario's expectations. The client finds
            the reader through PCSCLITE_CSOCK_NAME (set for it) and gets MYNASIM_READER,
            MYNASIM_SCENARIO, and the persona's MYNASIM_AUTH_PIN and MYNASIM_SIGN_PASSWORD (what the
            card's holder would type; use them through `sh -c`). With --trace, judges an existing trace (`mynasim serve --trace`) instead.

            Profiles: the shipped ones (jpki-generic, qualification-check) or a file. Scenarios: the shipped
            client-scenarios/*.yaml (or --scenarios FILE), with the shipped personas (or --personas DIR);
            shipped data is found through MYNASIM_DATA, <prefix>/share/mynasim or the source tree
            (`mynasim doctor` shows where). docs/client-rules.md.

            Scenarios run side by side (-j, default one per core, at most 4), each in its own world.
            For CI matrices, --shard INDEX/TOTAL runs one part of the scenarios (by a hash of each
            scenario's name) and `mynasim report merge` joins the parts' reports.

            SIGINT, SIGTERM or SIGHUP stops the client and its private pcscd and removes the temporary files.

            Example:
              mynasim client-check --profile jpki-generic -- pkcs15-tool -D

            Exit status: 0 when every scenario passed, 1 when one failed.
            """)
    )
    @Option(name: .long, help: "Rule profile: a shipped profile's name or a YAML file.") var profile: String
    @Option(name: .long, help: "Run only this scenario (repeatable; default: every scenario).") var scenario: [String] = []
    @Option(name: .long, help: "Scenario file (repeatable; default: the shipped client-scenarios/*.yaml).") var scenarios: [String] = []
    @Option(name: .long, help: "The personas the scenarios name (default: the shipped personas).") var personas: String?
    @Option(name: .long, help: "A fact for the rules: KEY=VALUE, e.g. method=pin (repeatable).") var fact: [String] = []
    @Option(name: .long, help: "Judge this trace (JSON lines) instead of running a client.") var trace: String?
    @Option(name: .long, help: "Slot of the trace to judge (with --trace).") var slot: Int = 0
    @Option(name: .long, help: "Write JUnit, JSON and HTML reports here.") var reportDir: String = "reports"
    @Option(name: .long, help: "Keep each scenario's trace and client output here (default: a temporary directory).") var workDir: String?
    @Option(name: .long, help: "The IFD handler .so (default: as `mynasim doctor` shows).") var handler: String?
    @Option(name: .long, help: "The reader driver in every scenario's sandbox: handler (default), ccid:MODEL or vpcd.")
    var reader: ReaderPath = .ifdHandler
    @Flag(name: .long, help: "Print JSON instead of the console matrix.") var json = false
    @Option(name: [.customShort("j"), .long], help: "Scenarios run at once (default: one per core, at most 4).") var jobs: Int?
    @OptionGroup var sharding: ShardOptions

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("-j must be 1 or more, not \(jobs)") }
    }
    @Argument(parsing: .postTerminator, help: "The client command.") var command: [String] = []

    func run() throws {
        SignalWaiter.cleanUpOnSignal()
        let installation = Installation.current
        // A profile file needs no shipped ones; a name does, and says where it looked when they are missing.
        let shippedProfiles =
            FileManager.default.fileExists(atPath: profile) ? [] : [try installation.locate(.clientProfiles, option: "--profile FILE")]
        let rules = try ClientProfile.locate(profile, searchDirectories: shippedProfiles)
        var facts: ScenarioFacts = [:]
        for item in fact {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw CLIError("--fact: '\(item)' is not KEY=VALUE") }
            facts[parts[0]] = parts[1]
        }
        let result: ClientCheckRun
        if let trace {
            guard command.isEmpty else { throw CLIError("give either --trace FILE or a client command after --, not both") }
            guard sharding.shard == nil else {
                throw CLIError("--shard splits scenarios; --trace judges one trace, so give one or the other")
            }
            try FactCatalog(profile: rules, scenarios: []).check(facts)
            let session = ClientSession(trace: try TraceFile.read(trace), slot: slot)
            let verdicts = RuleEngine(profile: rules).evaluate(session, facts: facts)
            result = ClientCheckRun(
                client: ["trace " + trace], profile: rules.profile, facts: facts,
                scenarios: [
                    ScenarioResult(
                        scenario: "trace", description: "\(session.exchanges.count) exchanges from \(trace)", exitStatus: nil,
                        timedOut: false,
                        apduCount: session.exchanges.count, seconds: 0, rules: verdicts, expectations: [], output: "", trace: trace)
                ])
        } else {
            guard !command.isEmpty else {
                throw CLIError("give the client command after --, e.g. mynasim client-check --profile jpki-generic -- pkcs15-tool -D")
            }
            let scenarioDirectory = scenarios.isEmpty ? try installation.locate(.clientScenarios, option: "--scenarios FILE") : nil
            let all = try ClientScenario.select(files: scenarios, directory: scenarioDirectory, names: scenario)
            try FactCatalog(profile: rules, scenarios: all).check(facts)
            let selection = ShardSelection(all, shard: try sharding.resolve(), key: \.name)
            let personaDirectory = try installation.locate(.personas, explicit: personas, option: "--personas DIR")
            let handlerPath = reader == .ifdHandler ? try PCSCSandbox.locateHandler(explicit: handler) : ""
            let work = try workDir.map { URL(fileURLWithPath: $0) } ?? TemporaryDirectory.make("mynasim-client-check")
            if workDir == nil { InterruptCleanup.shared.register { TemporaryDirectory.remove(work) } }
            var runner = ClientCheckRunner(
                command: command, profile: rules, facts: facts, personas: personaDirectory, handlerPath: handlerPath, workDirectory: work)
            runner.readerPath = reader
            if !json {
                runner.onScenarioFinished = { r in
                    FileHandle.standardError.write(
                        Data(
                            "\(r.passed ? "pass" : "FAIL") \(r.scenario) (\(r.apduCount) APDUs, \(String(format: "%.1f", r.seconds)) s)\n"
                                .utf8))
                }
            }
            var results = try runner.run(selection.items, jobs: jobs ?? ClientCheckRunner.defaultJobs)
            if selection.shard != nil {
                for index in results.indices { results[index].ordinal = selection.ordinals[index] }
            }
            result = ClientCheckRun(client: command, profile: rules.profile, facts: facts, scenarios: results, shard: selection.info)
            if workDir == nil { TemporaryDirectory.remove(work) }
        }
        if json {
            print(String(decoding: try Reports.json(result), as: UTF8.self))
        } else {
            print(ClientCheckReport.console(result))
        }
        let written = try ClientCheckReport.write(result, to: URL(fileURLWithPath: reportDir), baseName: result.name)
        if !json { print("reports: \(written.map(\.path).joined(separator: ", "))") }
        if !result.passed { throw ExitCode(1) }
    }
}
