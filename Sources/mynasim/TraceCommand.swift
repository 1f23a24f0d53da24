import ArgumentParser
import Foundation
import Harness
import VirtualReader

/// `mynasim trace`: read trace files.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Read trace files (JSON lines from `mynasim serve --trace`, `mynasim record` or client-check).",
        subcommands: [TraceShowCommand.self]
    )
}

/// `mynasim trace show FILE`: a trace as readable exchanges.
struct TraceShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a trace as readable exchanges: command names, status words, power events, faults.",
        discussion: HelpText.paragraphs(
            """
            Each APDU gets its number, the time since the trace began, its name (SELECT JPKI AP,
            READ BINARY 000A @0 Le 256, VERIFY 0018 … [4 bytes hidden]), the bytes sent and the answer
            with its status word's meaning. A command the card never answered because the card was
            removed is marked INTERRUPTED. T=1 blocks, T=0 TPDUs and reader messages are indented under
            the APDU they carried; --level apdu hides them, --level tpdu hides reader messages.

            PIN values and personal data (the My Number, name, address, certificates, serial numbers)
            are masked: personal data shows as its length and BER-TLV tags. --show-secrets shows them.
            """)
    )
    @Argument(help: "The trace file.") var file: String
    @Option(name: .long, help: "The deepest level shown under each APDU: apdu, tpdu or reader (default: every level the trace has).")
    var level: TraceEvent.Level?
    @Option(name: .long, help: "Only this slot's events.") var slot: Int?
    @Option(name: .long, help: "Data bytes shown before the rest is elided (0: all).") var bytes: Int = 16
    @Flag(name: .long, help: "Show PIN values and personal data.") var showSecrets = false

    func validate() throws {
        guard bytes >= 0 else { throw ValidationError("--bytes must be 0 or more") }
    }

    func run() throws {
        let events = try TraceFile.read(file)
        var options = TraceRenderer.Options()
        options.showSecrets = showSecrets
        options.level = level
        options.slot = slot
        options.dataLimit = bytes == 0 ? Int.max : bytes
        if let slot, !events.contains(where: { $0.slot == slot }) {
            let slots = Set(events.map(\.slot)).sorted().map(String.init).joined(separator: ", ")
            throw CLIError(
                "\(file): no events on slot \(slot) (the trace has slot\(slots.contains(",") ? "s" : "") \(slots.isEmpty ? "none" : slots))"
            )
        }
        print(TraceRenderer(options: options).render(events, source: file))
    }
}

extension TraceEvent.Level: ExpressibleByArgument {}
