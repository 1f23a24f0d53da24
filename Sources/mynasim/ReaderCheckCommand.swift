import ArgumentParser
import Foundation
import Harness
import VirtualReader

/// `mynasim reader-check`: certify a PC/SC reader with a My Number card in it.
struct ReaderCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reader-check",
        abstract: "Check a PC/SC reader with a My Number card in it, and write a reader certificate and a reader profile.",
        discussion: HelpText.paragraphs(
            """
            Runs every reader check (identity, ATR and protocol, APDU transport, timing, card presence,
            robustness) against READER, each with the requirement it rests on, its figures and their
            thresholds (docs/reader-check.md). With one of mynasim's readers (MYNASIM_SOCKET set, as
            `mynasim sandbox` does) the virtual card is driven through the simulator, so every check runs
            unattended. With a real card nothing is sent that can cost a PIN try; the signature check
            signs only with --card-pin and a full retry counter; checks that need a person (removing and
            inserting the card) run only with --interactive, which prints ACTION: lines and reads Enter
            (or skip) from standard input.

            Reports in --report-dir: NAME.junit.xml, NAME.json, NAME.html (the reader certificate) and
            NAME.profile.yaml (what was measured; mynasim sandbox --reader-profile FILE emulates it).

            Example:
              mynasim sandbox --card vectors/personas/yamada-taro -- \\
                mynasim reader-check --reader 0

            Exit status: 0 when no check failed, 1 otherwise.
            """)
    )
    @Option(name: .long, help: "The reader: its name, part of it, or its index.") var reader: String
    @Option(name: .long, help: "The simulator slot behind one of mynasim's readers (default: from the reader name).") var slot: Int?
    @Option(name: .long, help: "Directory for the reports.") var reportDir: String = "reports"
    @Option(name: .long, help: "Base name of the report files.") var name: String = "reader-check"
    @Option(name: .long, help: "The card's 4-digit authentication PIN, for the signature check (sent only with a full counter).")
    var cardPin: String?
    @Flag(name: .long, help: "A person is at the reader: run the checks that need the card removed and inserted.") var interactive = false
    @Option(name: .long, help: "Insertions and removals measured on mynasim's readers.") var presenceTrials: Int = 10
    @Option(name: .long, help: "Removals and insertions asked of a person (--interactive).") var interactiveTrials: Int = 3
    @Option(name: .long, help: "How long the card rests untouched in the idle check, in seconds.") var idleSeconds: Double = 5
    @Option(
        name: .long,
        help: "How long a person has for each action, in seconds (and to get ready for a block of actions, when longer than two minutes)."
    ) var operatorTimeout: Int = 30
    @Flag(name: .long, help: "No colours in the console view.") var plain = false
    @Flag(name: .long, help: .hidden) var shareHelper = false
    @Option(name: .long, help: .hidden) var shareGo: String?

    func validate() throws {
        guard (1...1000).contains(presenceTrials), (1...100).contains(interactiveTrials) else {
            throw ValidationError("--presence-trials must be 1–1000 and --interactive-trials 1–100")
        }
        guard idleSeconds > 0, idleSeconds <= 3600 else { throw ValidationError("--idle-seconds must be more than 0 and at most 3600") }
        guard (1...600).contains(operatorTimeout) else { throw ValidationError("--operator-timeout must be 1–600 seconds") }
    }

    func run() throws {
        if shareHelper { throw ExitCode(SharedAccessHelper.run(reader: reader, go: shareGo ?? "")) }
        var options = ReaderCheckOptions(reader: reader)
        options.slot = slot
        options.simulatorSocket = ProcessInfo.processInfo.environment["MYNASIM_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        options.cardPIN = cardPin
        options.interactive = interactive
        options.presenceTrials = presenceTrials
        options.interactiveTrials = interactiveTrials
        options.idleSeconds = idleSeconds
        options.operatorTimeout = .seconds(operatorTimeout)
        options.helperCommand = [Self.executable, "reader-check", "--share-helper", "--reader"]
        var runner = ReaderCheckRunner(options: options)
        let color = !plain && isatty(1) != 0
        runner.onResult = {
            print(ReaderCheckReport.consoleLine($0, color: color))
            fflush(nil)
        }
        let result: ReaderCheckRun
        do {
            result = try runner.run()
        } catch {
            throw CLIError("\(error)")
        }
        print(ReaderCheckReport.consoleSummary(result))
        let files = try ReaderCheckReport.write(result, to: URL(fileURLWithPath: reportDir), baseName: name)
        print("reports: " + files.map(\.path).joined(separator: ", "))
        if !result.passed { throw ExitCode(1) }
    }

    /// This program, for the second process of the shared-access check.
    static var executable: String { Installation.current.binary?.path ?? CommandLine.arguments[0] }
}
