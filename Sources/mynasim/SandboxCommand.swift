import ArgumentParser
import Foundation
import PCSC
import VirtualReader

/// `mynasim sandbox`: run a command in a private PC/SC world with virtual cards.
struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run COMMAND against virtual cards through a private pcscd, then tear it all down.",
        discussion: """
            Starts the simulator with the given cards, a pcscd of its own loading our IFD handler on a
            private socket, runs COMMAND with PCSCLITE_CSOCK_NAME and MYNASIM_SOCKET set, and exits with
            COMMAND's status. Nothing on the system changes; a system pcscd may keep running.
            Example: mynasim sandbox --card vectors/personas/yamada-taro -- opensc-tool -n
            Non-root users need unprivileged user namespaces (`unshare -rm` must work).
            """
    )
    @Option(name: .long, help: "A card: [SLOT=]PERSONA_DIR (repeatable).") var card: [CardAssignment] = []
    @Option(name: .long, help: "Number of slots (1–16).") var slots: Int = 2
    @OptionGroup var behaviour: SlotBehaviourOptions
    @Option(name: .long, help: "Write the simulator's trace (JSON lines) to FILE.") var trace: String?
    @Option(name: .long, help: "The IFD handler .so (default: the build tree, then the installed driver).") var handler: String?
    @Option(
        name: .long,
        help:
            "The reader driver in front of the cards: handler (ours, the default), ccid:MODEL (pcsc-lite's CCID driver before an emulated GemPCTwin, GemPCPinPad or SEC1210) or vpcd (vsmartcard)."
    )
    var reader: ReaderPath = .ifdHandler
    @Flag(name: .long, help: "Run pcscd with --debug --apdu and keep the sandbox directory.") var debug = false
    @Argument(parsing: .postTerminator, help: "The command to run.") var command: [String] = []

    func run() throws {
        guard !command.isEmpty else { throw CLIError("give the command after --, e.g. mynasim sandbox --card DIR -- opensc-tool -l") }
        var template = Array("/tmp/mynasim-sandbox.XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw CLIError("cannot create a sandbox directory in /tmp") }
        let directory = URL(fileURLWithPath: String(cString: template))
        var configuration = PCSCSandbox.Configuration(
            directory: directory,
            handlerPath: PCSCSandbox.locateHandler(explicit: handler, executable: CommandLine.arguments[0]),
            slotCount: slots
        )
        configuration.readerPath = reader
        configuration.simulator.slotCount = min(slots, reader.maximumSlots(slots))
        configuration.simulator.profile = try behaviour.timingProfile(default: .instant) ?? .instant
        configuration.simulator.tracePath = trace
        configuration.pcscdDebug = debug
        SignalWaiter.block()
        let sandbox: PCSCSandbox
        do {
            sandbox = try PCSCSandbox(configuration)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw CLIError("\(error)")
        }
        defer {
            sandbox.shutdown()
            if debug {
                FileHandle.standardError.write(Data("mynasim sandbox: kept \(directory.path) (pcscd.log)\n".utf8))
            } else {
                try? FileManager.default.removeItem(at: directory)
            }
        }
        let assigned = try CardAssignment.resolve(card, slotCount: configuration.simulator.slotCount)
        for (slot, path) in assigned {
            _ = try sandbox.simulator.handle(.insert(slot: slot, card: URL(fileURLWithPath: path).standardizedFileURL.path))
        }
        // A driver that polls (CCID every 400 ms, vpcd at its next presence check) sees a card a
        // little later than our handler: the command starts once pcscd shows every card.
        setenv("PCSCLITE_CSOCK_NAME", sandbox.pcscSocket, 1)
        for (slot, _) in assigned {
            let name = sandbox.readerName(slot: slot)
            guard (try? PCSCChannel(reader: name).waitForCard(milliseconds: 10_000)) == true else {
                throw CLIError("pcscd did not show the card in \(name) within 10 s (run with --debug and read pcscd.log)")
            }
        }
        let process = try ChildProcess(
            command, environment: ProcessInfo.processInfo.environment.merging(sandbox.environment) { $1 }, inheritStdin: true)
        // Ctrl-C or a timeout's SIGTERM goes to the command; the world is torn down after it exits.
        let forwarder = Thread {
            while true { kill(process.pid, SignalWaiter.wait()) }
        }
        forwarder.start()
        let status = process.wait()
        if status != 0 { throw ExitCode(status) }
    }
}
