import ArgumentParser
import Dispatch
import Foundation
import MynaApplications
import MynaCard
import VirtualReader

/// Where `serve`, `card` and `status` meet: `--socket`, else `MYNASIM_SOCKET`, else a per-user default.
struct SimulatorSocketOption: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Simulator socket: a path or tcp:127.0.0.1:PORT (default: $MYNASIM_SOCKET, /run/mynasim/mynasim.sock for root, else $XDG_RUNTIME_DIR/mynasim.sock)."
    )
    var socket: String?

    static var defaultPath: String {
        if let env = ProcessInfo.processInfo.environment["MYNASIM_SOCKET"], !env.isEmpty { return env }
        if getuid() == 0 { return "/run/mynasim/mynasim.sock" }
        if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/mynasim.sock" }
        return "/tmp/mynasim-\(getuid())/mynasim.sock"
    }

    var address: SocketAddress {
        get throws { try SocketAddress(socket ?? Self.defaultPath) }
    }
}

/// `SLOT=DIR` or `DIR` (next free slot).
struct CardAssignment: ExpressibleByArgument {
    var slot: Int?
    var directory: String
    init?(argument: String) {
        if let eq = argument.firstIndex(of: "="), let slot = Int(argument[..<eq]) {
            self.slot = slot
            self.directory = String(argument[argument.index(after: eq)...])
        } else {
            self.slot = nil
            self.directory = argument
        }
    }

    /// Resolves slots: explicit ones first, then the rest in order.
    static func resolve(_ cards: [CardAssignment], slotCount: Int) throws -> [(Int, String)] {
        var used = Set(cards.compactMap(\.slot))
        var next = 0
        return try cards.map { card in
            if let slot = card.slot { return (slot, card.directory) }
            while used.contains(next) { next += 1 }
            guard next < slotCount else { throw CLIError("more cards than slots (\(slotCount)); raise --slots") }
            used.insert(next)
            return (next, card.directory)
        }
    }
}

/// Timing and fault options shared by `serve` and `card configure`.
struct SlotBehaviourOptions: ParsableArguments {
    @Option(name: .long, help: "Timing profile.") var profile: TimingProfile?
    @Option(
        name: .long, parsing: .singleValue,
        help: "Override a delay: CLASS=MICROSECONDS (powerOn, select, read, verify, sign, challenge, other, perByte).")
    var delay: [String] = []

    func timingProfile(default base: TimingProfile?) throws -> TimingProfile? {
        guard profile != nil || !delay.isEmpty else { return base }
        var result = profile ?? base ?? .instant
        for override in delay { try result.apply(override: override) }
        return result
    }
}

extension TimingProfile: ExpressibleByArgument {
    public init?(argument: String) {
        guard let profile = TimingProfile.named(argument) else { return nil }
        self = profile
    }
    public static var allValueStrings: [String] { TimingProfile.all.map(\.name) }
    public var defaultValueDescription: String { name }
}

extension CardATR: ExpressibleByArgument {}
extension HostileFault: ExpressibleByArgument {}

/// `mynasim serve`: the simulator service pcscd's handler talks to.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the virtual reader: N slots served to the IFD handler over a Unix socket.",
        discussion: """
            Point pcscd at it with a reader.conf entry (see `make install` and docs/wire-protocol.md):
              DEVICENAME mynasim:/run/mynasim/mynasim.sock@slots:2
            Stop with Ctrl-C (SIGINT) or SIGTERM; cards are removed and their locks released.
            """
    )
    @OptionGroup var socketOption: SimulatorSocketOption
    @Option(name: .long, help: "Also listen on TCP 127.0.0.1:PORT (loopback only).") var tcp: UInt16?
    @Option(name: .long, help: "Number of slots (1–16).") var slots: Int = 2
    @Option(name: .long, help: "Insert a card at start: [SLOT=]PERSONA_DIR (repeatable).") var card: [CardAssignment] = []
    @OptionGroup var behaviour: SlotBehaviourOptions
    @Option(name: .long, help: "Write every exchange and power event as JSON lines to FILE.") var trace: String?
    @Option(name: .long, help: "Permissions of the Unix socket, octal.") var socketMode: String = "600"
    @Option(name: .long, help: "Write this file once listening (for scripts that wait).") var readyFile: String?

    func run() throws {
        let address = try socketOption.address
        if case .unix(let path) = address {
            try? FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        guard let mode = mode_t(socketMode, radix: 8) else { throw CLIError("--socket-mode: '\(socketMode)' is not octal") }
        var configuration = ReaderSimulator.Configuration(addresses: [address] + (tcp.map { [.tcp(host: "127.0.0.1", port: $0)] } ?? []))
        configuration.slotCount = slots
        configuration.socketMode = mode
        configuration.profile = try behaviour.timingProfile(default: .instant) ?? .instant
        configuration.tracePath = trace
        SignalWaiter.block()
        let simulator = try ReaderSimulator(configuration)
        for (slot, directory) in try CardAssignment.resolve(card, slotCount: slots) {
            do {
                _ = try simulator.handle(.insert(slot: slot, card: directory))
            } catch {
                simulator.stop()
                throw CLIError("--card \(directory): \(error)")
            }
        }
        simulator.start()
        print(
            "mynasim serve: \(slots) slots, listening on \(simulator.addresses.map(\.description).joined(separator: ", ")), profile \(configuration.profile.name)"
        )
        fflush(nil)
        if let readyFile { FileManager.default.createFile(atPath: readyFile, contents: Data("\(getpid())\n".utf8)) }
        SignalWaiter.wait()
        simulator.stop()
    }
}

/// SIGINT/SIGTERM/SIGHUP handled by waiting for them: blocked in every thread (call `block()`
/// before starting any), then taken with `sigwait`. Unlike a handler or a dispatch source, this
/// works even when our parent started us with SIGINT ignored, as shells do for background jobs.
enum SignalWaiter {
    static let signals = [SIGINT, SIGTERM, SIGHUP]

    static func block() {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in signals { sigaddset(&set, sig) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits for one of the signals and returns it.
    @discardableResult
    static func wait() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in signals { sigaddset(&set, sig) }
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        return received
    }
}

/// `mynasim card insert|remove|configure`.
struct CardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Insert, remove or reconfigure a card in a running simulator.",
        subcommands: [Insert.self, Remove.self, Configure.self]
    )

    struct Insert: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Insert a persona's card into a slot.")
        @OptionGroup var socketOption: SimulatorSocketOption
        @Option(name: .long, help: "Slot number.") var slot: Int = 0
        @Argument(help: "Persona directory.") var directory: String
        func run() throws {
            let path = URL(fileURLWithPath: directory).standardizedFileURL.path
            try ControlClient(address: socketOption.address).checked(.insert(slot: slot, card: path))
            print("inserted \(path) into slot \(slot)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the card from a slot.")
        @OptionGroup var socketOption: SimulatorSocketOption
        @Option(name: .long, help: "Slot number.") var slot: Int = 0
        func run() throws {
            try ControlClient(address: socketOption.address).checked(.remove(slot: slot))
            print("removed the card from slot \(slot)")
        }
    }

    struct Configure: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a slot's timing profile and faults.")
        @OptionGroup var socketOption: SimulatorSocketOption
        @Option(name: .long, help: "Slot number.") var slot: Int = 0
        @OptionGroup var behaviour: SlotBehaviourOptions
        @Option(name: .long, help: "Remove the card after N more APDUs.") var removeAfter: Int?
        @Option(name: .long, help: "Remove the card while APDU number N (since insert) is processed.") var removeDuring: Int?
        @Flag(name: .long, help: "The card stops answering.") var mute = false
        @Option(name: .long, help: "Delay the next exchange by MICROSECONDS, once.") var delayNext: Int?
        @Option(name: .long, help: "Answer with this ATR variant.") var atr: CardATR?
        @Flag(name: .long, help: "Refuse extended-length APDUs and do not advertise them.") var shortOnly = false
        @Option(name: .long, help: "Answer wrongly on purpose (repeatable).") var hostile: [HostileFault] = []
        @Flag(name: .long, help: "Clear every fault.") var clear = false

        func run() throws {
            let faults = FaultPlan(
                removeAfterAPDUs: removeAfter, removeDuringAPDU: removeDuring, mute: mute, delayNextMicros: delayNext,
                atr: atr, shortOnly: shortOnly, hostile: hostile.isEmpty ? nil : Set(hostile))
            let anyFault = clear || faults != .none
            try ControlClient(address: socketOption.address).checked(
                .configure(slot: slot, profile: try behaviour.timingProfile(default: nil), faults: anyFault ? faults : nil))
            print("slot \(slot) configured")
        }
    }
}

/// `mynasim status`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the simulator's slots, cards, counters and connections.")
    @OptionGroup var socketOption: SimulatorSocketOption
    @Flag(name: .long, help: "Print JSON for machines.") var json = false

    func run() throws {
        let reply = try ControlClient(address: socketOption.address).checked(.status)
        guard let status = reply.status else { throw CLIError("the simulator sent no status") }
        if json {
            try JSONOutput.print(status)
            return
        }
        print("listening on \(status.listening.joined(separator: ", "))")
        print("connections: " + status.connections.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        for slot in status.slots {
            guard let card = slot.card else {
                print("slot \(slot.slot): empty (profile \(slot.profile), \(slot.watchers) watching)")
                continue
            }
            print("slot \(slot.slot): \(slot.name ?? "?") \(card)")
            print(
                "  \(slot.powered ? "powered" : "unpowered"), ATR \(slot.atr ?? "-"), extended \(slot.extendedLength ? "yes" : "no"), profile \(slot.profile), \(slot.apdus) APDUs, \(slot.watchers) watching"
            )
            print("  tries left: " + slot.triesLeft.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            if slot.faults != .none { print("  faults: \(slot.faults)") }
        }
    }
}

extension ControlClient {
    /// Sends a request and turns a refusal into a one-line error.
    @discardableResult
    func checked(_ request: ControlRequest) throws -> ControlReply {
        let reply = try send(request)
        guard reply.ok else { throw CLIError(reply.error ?? "the simulator refused the request") }
        return reply
    }
}
