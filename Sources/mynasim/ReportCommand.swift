import ArgumentParser
import Foundation
import Harness

/// `mynasim report`: work with written reports.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Work with the harness's reports.",
        subcommands: [ReportMergeCommand.self]
    )
}

/// `mynasim report merge DIR…`: one report from the shards of a run.
struct ReportMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the JUnit, JSON and HTML reports of a sharded run's jobs into one.",
        discussion: HelpText.paragraphs(
            """
            Reads every *.json report in the given directories (or the given files): the reports of
            `mynasim suite … --shard I/N` and `mynasim client-check … --shard I/N`, one per job. Each run
            (by its name) must have every shard exactly once; the merged run holds the cases in the
            unsharded order and is written as NAME.junit.xml, NAME.json and NAME.html.

            Example (CI):
              mynasim report merge shard-1 shard-2 shard-3 --out reports
            """)
    )
    @Argument(help: "Report directories (or report files) of the shards.") var paths: [String]
    @Option(name: .long, help: "Where to write the merged reports.") var out: String = "reports"

    func run() throws {
        let merged: (files: [URL], runs: [String])
        do { merged = try ReportMerge.run(paths, into: URL(fileURLWithPath: out)) } catch let error as MergeError {
            throw CLIError(error.description)
        }
        for line in merged.runs { print(line) }
        print("reports: " + merged.files.map(\.path).joined(separator: ", "))
    }
}
