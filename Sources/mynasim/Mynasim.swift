import ArgumentParser
import Foundation
import MynaPersona
import VirtualReader

/// The `mynasim` command: a virtual My Number card and a conformance harness.
@main
struct Mynasim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mynasim",
        abstract: "A virtual Japanese My Number card (マイナンバーカード) and a conformance harness.",
        discussion: HelpText.paragraphs(
            """
            Test personas carry their own test PKI; nothing here is valid against J-LIS roots.
            Start with `mynasim persona new --out DIR`, then `mynasim apdu --card DIR …`;
            `mynasim doctor` checks what the reader commands need.
            """),
        version: mynasimVersion,
        subcommands: [
            PersonaCommand.self, APDUCommand.self, ServeCommand.self, CardCommand.self, StatusCommand.self, SandboxCommand.self,
            UpCommand.self, DownCommand.self, DoctorCommand.self,
            RunCommand.self, SuiteCommand.self, RecordCommand.self, ReadCommand.self, ClientCheckCommand.self, ReaderCheckCommand.self,
            QualificationServiceCommand.self, KakuninCommand.self, TraceCommand.self, DiffCommand.self, ReportCommand.self,
        ]
    )

    /// Runs the command; a file error from the system that no command put in words is said with
    /// its path and what went wrong, never as "The operation could not be completed".
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: FileProblem.describe(error).map(CLIError.init) ?? error)
        }
    }
}
