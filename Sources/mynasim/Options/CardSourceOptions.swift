import ArgumentParser
import Foundation
import Harness
import ISO7816
import MynaCard
import MynaPersona
import PCSC

/// Where a command's card is: exactly one of `--card` (a persona's card in this process),
/// `--reader` (any PC/SC reader) and `--replay` (a recorded trace).
struct CardSourceOptions: ParsableArguments {
    @Option(name: .long, help: "In-process: this persona directory's card.") var card: String?
    @Option(name: .long, help: "Through PC/SC: this reader (its name, part of it, or its index).") var reader: String?
    @Option(name: .long, help: "Answer from a recorded trace (JSON lines from `mynasim record` or `mynasim serve --trace`).") var replay:
        String?
    @Option(name: .long, help: "Replay mode: strict (commands in recorded order) or skipping.") var replayMode: ReplayChannel.Mode = .strict
    @Option(name: .long, help: "With --replay of a simulator trace: the slot to replay.") var replaySlot: Int?

    func validate() throws {
        let given = [card, reader, replay].compactMap { $0 }
        guard given.count == 1 else {
            throw ValidationError(
                "give exactly one of --card PERSONA_DIR, --reader NAME or --replay TRACE" + (given.isEmpty ? "" : " (got \(given.count))"))
        }
    }

    /// The source as a value.
    var source: CardSource {
        if let card { return .persona(URL(fileURLWithPath: card)) }
        if let reader { return .reader(reader) }
        return .replay(path: replay ?? "", mode: replayMode, slot: replaySlot)
    }
}

extension ReplayChannel.Mode: ExpressibleByArgument {}

/// The card of a client that keeps the card's state (`read`, `kakunin`): a persona's card with its
/// durable state file (locked against other processes), a PC/SC reader (waited for), or a trace.
struct ClientCard {
    var channel: any CardChannel
    /// Held while the persona's card is in use.
    let lock: FileLock?
    /// The PC/SC reader, to disconnect at the end.
    let reader: PCSCChannel?

    /// Opens `source`; a reader without a card is waited for up to `wait` seconds, and `prompt` is
    /// shown once if the card is not there yet.
    init(_ source: CardSource, wait: Double, prompt: ((String) -> Void)? = nil) throws {
        switch source {
        case .persona(let url):
            let directory = try PersonaDirectory(url: url)
            lock = try directory.lock()
            channel = try directory.makeCard()
            reader = nil
        case .reader(let name):
            let pcsc = try PCSCChannel(reader: name)
            if !(try pcsc.waitForCard(milliseconds: 0)) {
                prompt?("カードをリーダーに置いてください (put the card on the reader \(pcsc.readerName))…")
                guard wait > 0, try pcsc.waitForCard(milliseconds: Int(wait * 1000)) else {
                    throw CLIError(
                        "no card in \(pcsc.readerName)" + (wait > 0 ? " after \(wait) s" : " (use --wait SECONDS to wait for one)"))
                }
            }
            channel = pcsc
            lock = nil
            reader = pcsc
        case .replay(let path, let mode, let slot):
            channel = try ReplayChannel(path: path, mode: mode, slot: slot)
            lock = nil
            reader = nil
        }
    }
}
