import ArgumentParser
import Foundation
import Harness
import VirtualReader

/// `mynasim client-check`: judge what a client application does to the card.
struct ClientCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client-check",
        abstract: "Check a client application's use of the card against a rule profile, under normal and hostile scenarios.",
        discussion: """
            Runs COMMAND once per scenario, each time in a private PC/SC world (its own pcscd, our
            reader, a copy of the scenario's persona in the scenario's condition), then judges the
            reader's trace with the profile's rules and the scenario's expectations. The client finds
            the reader through PCSCLITE_CSOCK_NAME (set for it) and gets MYNASIM_READER,
            MYNASIM_SCENARIO, and the persona's MYNASIM_AUTH_PIN and MYNASIM_SIGN_PASSWORD (what the
            card's holder would type; use them through `sh -c`). With --trace, judges an existing trace (`mynasim serve --trace`) instead.
            Profiles: vectors/client-profiles (jpki-generic, qualification-check) or a file.
            Scenarios: vectors/client-scenarios/*.yaml (or --scenarios FILE). docs/client-rules.md.
            Scenarios run side by side (-j, default one per core, at most 4), each in its own world.
            For CI matrices, --shard INDEX/TOTAL runs one part of the scenarios (by a hash of each
            scenario's name) and `mynasim report merge` joins the parts' reports.
            Example: mynasim client-check --profile jpki-generic --scenario normal -- pkcs15-tool -D
            Exit status: 0 when every scenario passed, 1 when one failed.
            """
    )
    @Option(name: .long, help: "Rule profile: a name in vectors/client-profiles or a YAML file.") var profile: String
    @Option(name: .long, help: "Run only this scenario (repeatable; default: every scenario).") var scenario: [String] = []
    @Option(name: .long, help: "Scenario file (repeatable; default: vectors/client-scenarios/*.yaml).") var scenarios: [String] = []
    @Option(name: .long, help: "A fact for the rules: KEY=VALUE, e.g. method=pin (repeatable).") var fact: [String] = []
    @Option(name: .long, help: "Judge this trace (JSON lines) instead of running a client.") var trace: String?
    @Option(name: .long, help: "Slot of the trace to judge (with --trace).") var slot: Int = 0
    @Option(name: .long, help: "Write JUnit, JSON and HTML reports here.") var reportDir: String = "reports"
    @Option(name: .long, help: "Keep each scenario's trace and client output here (default: a temporary directory).") var workDir: String?
    @Option(name: .long, help: "The IFD handler .so (default: the build tree, then the installed driver).") var handler: String?
    @Option(name: .long, help: "The reader driver in every scenario's sandbox: handler (default), ccid:MODEL or vpcd.")
    var reader: ReaderPath = .ifdHandler
    @Flag(name: .long, help: "Print JSON instead of the console matrix.") var json = false
    @Option(name: [.customShort("j"), .long], help: "Scenarios run at once (default: one per core, at most 4).") var jobs: Int?
    @OptionGroup var sharding: ShardOptions

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("-j must be 1 or more, not \(jobs)") }
    }
    @Argument(parsing: .postTerminator, help: "The client command.") var command: [String] = []

    /// `vectors/SUBDIR` beside the current directory, the build tree or the installation.
    static func shipped(_ subdirectory: String) -> [URL] {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("vectors/\(subdirectory)")]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("vectors/\(subdirectory)"))
            dir.deleteLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: "/usr/local/share/mynasim/\(subdirectory)"))
        return candidates.filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    func run() throws {
        let rules = try ClientProfile.locate(profile, searchDirectories: Self.shipped("client-profiles"))
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
            let all = try ClientScenario.select(files: scenarios, directory: Self.shipped("client-scenarios").first, names: scenario)
            try FactCatalog(profile: rules, scenarios: all).check(facts)
            let selection = ShardSelection(all, shard: try sharding.resolve(), key: \.name)
            let work =
                workDir.map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("mynasim-client-check-\(getpid())")
            guard let personas = Self.shipped("personas").first else {
                throw CLIError("vectors/personas not found; run from the repository")
            }
            var runner = ClientCheckRunner(
                command: command, profile: rules, facts: facts, personas: personas,
                handlerPath: PCSCSandbox.locateHandler(explicit: handler, executable: CommandLine.arguments[0]),
                workDirectory: work)
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
            if workDir == nil { try? FileManager.default.removeItem(at: work) }
        }
        if json {
            print(String(decoding: try ClientCheckReport.json(result), as: UTF8.self))
        } else {
            print(ClientCheckReport.console(result))
        }
        let written = try ClientCheckReport.write(result, to: URL(fileURLWithPath: reportDir), baseName: result.name)
        if !json { print("reports: \(written.map(\.path).joined(separator: ", "))") }
        if !result.passed { throw ExitCode(1) }
    }
}
