import ArgumentParser
import VirtualReader

/// The `mynasim` command: a virtual My Number card and a conformance harness.
@main
struct Mynasim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mynasim",
        abstract: "A virtual Japanese My Number card (マイナンバーカード) and a conformance harness.",
        discussion: """
            Test personas carry their own test PKI; nothing here is valid against J-LIS roots.
            Start with `mynasim persona new --out DIR`, then `mynasim apdu --card DIR …`;
            `mynasim doctor` checks what the reader commands need.
            """,
        version: mynasimVersion,
        subcommands: [
            PersonaCommand.self, APDUCommand.self, ServeCommand.self, CardCommand.self, StatusCommand.self, SandboxCommand.self,
            UpCommand.self, DownCommand.self, DoctorCommand.self,
            RunCommand.self, SuiteCommand.self, RecordCommand.self, ReadCommand.self, ClientCheckCommand.self,
            QualificationServiceCommand.self, KakuninCommand.self,
        ]
    )
}
