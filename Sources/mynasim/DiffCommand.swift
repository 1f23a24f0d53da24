import ArgumentParser
import Foundation
import Harness
import MynaPersona
import VirtualReader

/// `mynasim diff TRACE --card DIR`: how our virtual card answers a recorded session.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Replay a recorded session against a virtual card and show where the answers differ.",
        discussion: HelpText.paragraphs(
            """
            Sends the commands of TRACE (one slot; e.g. recorded on a real card with `mynasim record
            --reader 0 --out card.trace session.apdu`) to the persona's card, in this process and from
            its issued state (its state file is never written), and compares each answer with the
            recorded one: status word, data length, and the BER-TLV tags and lengths of data that
            starts at an object (offset 0 of a file, a record, a data object). Values are never shown
            or compared: they are the holder's personal data. A VERIFY the recorded card accepted is
            sent with the persona's own value for that credential (--keep-credentials sends the
            recorded value).

            The length of personal data (a name, an address, a certificate) differs between any two
            cards: such a difference is shown but does not count unless --strict.

            Exit status: 0 when nothing differs, 1 when something does, 2 when the comparison could not be made.
            """)
    )
    @Argument(help: "The recorded trace (JSON lines).") var trace: String
    @Option(name: .long, help: "The persona directory whose virtual card answers.") var card: String
    @Option(name: .long, help: "The trace's slot (default: the first slot with an exchange).") var slot: Int?
    @Flag(name: .long, help: "Show every exchange, not only those that differ.") var all = false
    @Flag(name: .long, help: "Send VERIFY values as recorded.") var keepCredentials = false
    @Flag(name: .long, help: "Count differing lengths of personal data as differences too.") var strict = false
    @Flag(name: .long, help: "Print the comparison as JSON.") var json = false

    func run() throws {
        let result: TraceDiff
        do {
            let events = try TraceFile.read(trace)
            guard events.contains(where: { $0.event == .transmit && (slot == nil || $0.slot == slot) }) else {
                throw CLIError("\(trace): no exchanges\(slot.map { " on slot \($0)" } ?? "") to replay")
            }
            let persona = try PersonaDirectory(url: URL(fileURLWithPath: card))
            result = try TraceDiff(events: events, trace: trace, persona: persona, slot: slot, keepCredentials: keepCredentials)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if json { try JSONOutput.print(result) } else { print(result.text(all: all, strict: strict)) }
        if result.differs(strict: strict) { throw ExitCode(1) }
    }
}
