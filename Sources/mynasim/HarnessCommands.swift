import ArgumentParser
import Foundation
import Harness
import MynaApplications
import MynaPersona
import VirtualReader

/// Where scripts run and where reports go: shared by `run`, `suite` and `record`.
struct HarnessOptions: ParsableArguments {
    @OptionGroup var source: CardSourceOptions
    @Option(name: .long, help: "Record every exchange of this run to FILE (trace JSON lines).") var record: String?
    @Option(name: .long, help: "Activate a profile (cases of other profiles are not applicable). Repeatable.") var profile: [String] = []
    @Flag(name: .long, help: "Allow cases that can consume PIN tries on a real card.") var allowDestructive = false
    @Option(name: .long, help: "Directory for the JUnit XML, JSON and HTML reports.") var reportDir: String = "reports"
    @Option(name: .long, help: "Name of the run (report file names).") var name: String?
    @Flag(name: .long, help: "No colours in the console view.") var plain = false
    @OptionGroup var variables: ScriptVariableOptions
    @Flag(
        name: [.short, .long],
        help: "Print every exchange as scriptor does (> command, < response : meaning); scripts without expectations always do.")
    var verbose = false

    func channel() throws -> any TestChannel {
        let base = try source.source.testChannel()
        guard let record else { return base }
        return try Self.recording(base, to: record)
    }

    /// The case profiles asked for, each declared by a case of these scripts. A timing profile's
    /// name is a mistake for `serve --profile` or `sandbox --profile`.
    static func checkedProfiles(_ asked: [String], declaredBy scripts: [Script]) throws -> Set<String> {
        let declared = scripts.reduce(into: Set<String>()) { $0.formUnion($1.profiles) }
        let known =
            declared.isEmpty
            ? "these scripts declare no case profiles" : "their case profiles: \(declared.sorted().joined(separator: ", "))"
        for name in asked where !declared.contains(name) {
            if TimingProfile.named(name) != nil {
                throw CLIError(
                    "--profile \(name): '\(name)' is a timing profile, which belongs to `mynasim serve --profile` or "
                        + "`mynasim sandbox --profile`; here --profile activates the cases of a case profile (\(known))")
            }
            let near = NearestName.nearest(to: name, in: declared).map { " (did you mean `\($0)`?)" } ?? ""
            throw CLIError("--profile \(name): no case of these scripts has profile '\(name)'\(near); \(known)")
        }
        return Set(asked)
    }

    static func recording<C: TestChannel>(_ base: C, to path: String) throws -> any TestChannel {
        try RecordingChannel(base, to: path)
    }

    /// Runs the scripts at `paths` (only `shard`'s cases, keyed by their place under `roots`).
    func run(_ paths: [String], defaultName: String, shard: Shard? = nil, roots: [String] = []) throws {
        let (given, persona) = try variables.variables(for: source.source)
        let parsed = try paths.map { path throws(ScriptError) in try ScriptParser.parse(path: path, variables: given.values) }
        let sharded = SuiteShard(parsed, roots: roots, shard: shard)
        let scripts = sharded.scripts
        var options = ScriptRunner.Options()
        options.profiles = try Self.checkedProfiles(profile, declaredBy: parsed)
        // A persona's card that takes extended-length APDUs runs the `extended` cases by itself.
        if persona?.card.extendedLength == true { options.profiles.insert("extended") }
        options.allowDestructive = allowDestructive
        options.variables = given
        var channel: any TestChannel = try channel()
        var runner = ScriptRunner(options: options)
        let color = !plain && isatty(1) != 0
        runner.onCaseFinished = {
            print(Reports.consoleLine($0, color: color))
            fflush(nil)
        }
        runner.observer = ScriptorConsole(everything: verbose) { print($0) }
        let started = ISO8601DateFormatter().string(from: Date())
        let credentials = CredentialLedger()
        let ran = runner.run(scripts, on: &channel, credentials: credentials)
        let results = shard == nil ? ran : sharded.annotate(ran)
        let result = RunResult(name: name ?? defaultName, channel: channel.name, started: started, cases: results, shard: sharded.info)
        for refusal in credentials.refused {
            let skipped = results.filter {
                $0.verdict == .skipped && $0.message?.hasPrefix("needs \(refusal.name), which the card refused") == true
            }
            print("\n" + refusal.summary(skipped: skipped.count))
        }
        print(Reports.consoleSummary(result))
        let files: [URL]
        do { files = try Reports.write(result, to: URL(fileURLWithPath: reportDir), baseName: name ?? defaultName) } catch {
            throw CLIError("--report-dir \(reportDir): the reports cannot be written: \(FileProblem.describe(error) ?? "\(error)")")
        }
        print("reports: " + files.map { $0.path }.joined(separator: ", "))
        if !result.succeeded { throw ExitCode(1) }
    }
}

/// `mynasim run`: run APDU scripts.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run APDU scripts (docs/script-format.md; scriptor scripts run unchanged).",
        discussion: "Exit status 0 only if no case failed or was inconclusive."
    )
    @OptionGroup var options: HarnessOptions
    @Argument(help: "Script files.") var scripts: [String]

    func run() throws {
        try options.run(scripts, defaultName: URL(fileURLWithPath: scripts.first ?? "run").deletingPathExtension().lastPathComponent)
    }
}

/// `mynasim record`: run scripts on any channel and keep the session as a trace.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Run scripts on a card (e.g. a real one) and record the session as a trace for --replay.",
        discussion:
            "The trace is JSON lines, the format `mynasim serve --trace` writes. Example:\n  mynasim record --reader 0 --out card.trace session.apdu\n  mynasim run --replay card.trace session.apdu"
    )
    @OptionGroup var options: HarnessOptions
    @Option(name: .long, help: "The trace file to write.") var out: String
    @Argument(help: "Script files.") var scripts: [String]

    func run() throws {
        var options = options
        options.record = out
        try options.run(scripts, defaultName: "record")
        print("trace: \(out)")
    }
}

/// `mynasim suite`: run every script of one or more suite directories.
struct SuiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suite",
        abstract: "Run every *.apdu script under the given directories, in name order, and write reports."
    )
    @OptionGroup var options: HarnessOptions
    @OptionGroup var sharding: ShardOptions
    @Argument(help: "Suite directories, or the names of shipped suites (jpki, jpki-kat, kenmen).") var directories: [String]

    func run() throws {
        let resolved = try directories.map(Self.resolve)
        try options.run(
            Suite.scripts(in: resolved), defaultName: URL(fileURLWithPath: resolved.first ?? "suite").lastPathComponent,
            shard: sharding.resolve(), roots: resolved)
    }

    /// A directory as given, else a shipped suite of that name.
    static func resolve(_ directory: String) throws -> String {
        if FileManager.default.fileExists(atPath: directory) { return directory }
        let shipped = try Installation.current.locate(.suites, option: "a suite directory")
        let candidate = shipped.appendingPathComponent(directory)
        guard !directory.contains("/"), FileManager.default.fileExists(atPath: candidate.path) else {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: shipped.path)) ?? []).sorted()
            throw CLIError("\(directory): no such directory, nor a shipped suite in \(shipped.path) (\(names.joined(separator: ", ")))")
        }
        return candidate.path
    }
}
