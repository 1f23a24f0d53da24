import ArgumentParser
import Dispatch
import Foundation
import MynaApplications
import MynaCard
import VirtualReader

/// `mynasim serve`: the simulator service pcscd's handler talks to.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the virtual reader: N slots served to pcscd through our IFD handler, an emulated CCID reader or vpcd.",
        discussion: HelpText.paragraphs(
            """
            Our IFD handler: point pcscd at the socket with a reader.conf entry (`make install-system`
            writes one; docs/wire-protocol.md):
              DEVICENAME mynasim:/run/mynasim/mynasim.sock@slots:2

            pcsc-lite's own CCID driver: --ccid GemPCTwin exposes a slot as an emulated serial GemPC
            Twin on a pty and prints the reader.conf entry for libccidtwin.so (docs/ccid-reader.md).

            vsmartcard's vpcd (Linux, macOS, Windows): --vpcd HOST:PORT makes a slot's card connect out
            to vpcd there (docs/platforms.md). The vpcd protocol has no authentication: whoever reaches
            the port is the reader and sees every APDU, PINs included, so only loopback is allowed
            unless --vpcd-allow-remote.

            Each slot is served through one path. Stop with Ctrl-C (SIGINT) or SIGTERM; cards are
            removed and their locks released.
            """)
    )
    @OptionGroup var socketOption: SimulatorSocketOption
    @Option(name: .long, help: "Also listen on TCP 127.0.0.1:PORT (loopback only).") var tcp: UInt16?
    @Option(name: .long, help: "Number of slots (1–16).") var slots: Int = 2
    @Option(name: .long, help: "Insert a card at start: [SLOT=]PERSONA_DIR (repeatable).") var card: [CardAssignment] = []
    @OptionGroup var behaviour: SlotBehaviourOptions
    @Option(name: .long, help: "Write every exchange and power event as JSON lines to FILE.") var trace: String?
    @Option(name: .long, help: "Permissions of the Unix socket, octal.") var socketMode: String = "600"
    @Option(name: .long, help: "Write this file once listening (for scripts that wait).") var readyFile: String?
    @Option(name: .long, help: "Expose slots as an emulated serial CCID reader: MODEL[@SLOT[,SLOT]] (repeatable).")
    var ccid: [CCIDExposure] = []
    @Option(name: .long, help: "Directory for the CCID readers' device links (default: beside the socket).") var ccidLinks: String?
    @Option(name: .long, help: "Connect a slot's card out to vsmartcard's vpcd: [SLOT=]HOST:PORT (repeatable).")
    var vpcd: [VPCDAssignment] = []
    @Flag(name: .long, help: "Allow --vpcd to a non-loopback host (the protocol has no authentication).") var vpcdAllowRemote = false
    @Option(
        name: .long,
        help: "A reader quirk profile in front of the slots: [SLOT=]NAME|FILE (vectors/reader-profiles, or a measured profile; repeatable)."
    )
    var readerProfile: [ReaderProfileAssignment] = []
    @Option(
        name: .long,
        help:
            "Microseconds our IFD handler's connections poll for the next command after each answer before they sleep (0–10000; 0: never; docs/performance.md)."
    )
    var busyPoll: Int = 100

    func validate() throws {
        guard (0...10_000).contains(busyPoll) else { throw ValidationError("--busy-poll must be 0–10000 microseconds, not \(busyPoll)") }
    }

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
        configuration.readerProfiles = try ReaderProfileAssignment.resolve(readerProfile, slotCount: slots)
        configuration.busyPoll = .microseconds(busyPoll)
        SignalWaiter.takeOver()
        let simulator = try ReaderSimulator(configuration)
        for (slot, directory) in try CardAssignment.resolve(card, slotCount: slots) {
            do {
                _ = try simulator.handle(.insert(slot: slot, card: directory))
            } catch {
                simulator.stop()
                throw CLIError("--card \(directory): \(error)")
            }
        }
        let vpcdSlots: [(slot: Int, endpoint: String)]
        do {
            vpcdSlots = try exposeReaders(simulator, linkDirectory: ccidLinks ?? Self.linkDirectory(for: address))
        } catch {
            simulator.stop()
            throw error
        }
        simulator.start()
        print(
            "mynasim serve: \(slots) slots, listening on \(simulator.addresses.map(\.description).joined(separator: ", ")), profile \(configuration.profile.name)"
        )
        for reader in simulator.ccidServices {
            print(
                "\(reader.model.name) reader on \(reader.devicePath) (slots \(reader.slots.map { "\($0.index)" }.joined(separator: ", "))); reader.conf:"
            )
            print(
                reader.readerConfiguration(friendlyName: "mynasim \(reader.model.name)", driver: SystemDrivers.ccidSerial), terminator: "")
        }
        for assignment in vpcdSlots { print("slot \(assignment.slot): card connects out to vpcd at \(assignment.endpoint)") }
        fflush(nil)
        if let readyFile { FileManager.default.createFile(atPath: readyFile, contents: Data("\(getpid())\n".utf8)) }
        SignalWaiter.wait()
        simulator.stop()
    }

    /// Where the device links go when --ccid-links is not given: beside a Unix socket, else /tmp.
    static func linkDirectory(for address: SocketAddress) -> String {
        if case .unix(let path) = address { return (path as NSString).deletingLastPathComponent }
        return NSTemporaryDirectory()
    }

    /// The slots of each --ccid reader and each --vpcd link: explicit ones first, then the lowest free.
    func allocateSlots() throws -> (ccid: [(model: ReaderModel, slots: [Int])], vpcd: [(slot: Int, endpoint: String)]) {
        var allocator = try SlotAllocator(count: slots, reserved: vpcd.compactMap(\.slot) + ccid.flatMap { $0.slots ?? [] })
        let readers = try ccid.map { exposure in
            (exposure.model, try exposure.slots ?? allocator.take(exposure.model.slotCount, for: "--ccid \(exposure.model.name)"))
        }
        let links = try vpcd.map { assignment in
            (try assignment.slot ?? allocator.take(1, for: "--vpcd \(assignment.endpoint)")[0], assignment.endpoint)
        }
        return (readers, links)
    }

    /// Starts the CCID readers and vpcd links the options ask for.
    func exposeReaders(_ simulator: ReaderSimulator, linkDirectory: String) throws -> [(slot: Int, endpoint: String)] {
        let plan = try allocateSlots()
        for (model, chosen) in plan.ccid {
            let link = (linkDirectory as NSString).appendingPathComponent("ccid-\(model.name.lowercased())-\(chosen[0])")
            try simulator.exposeCCID(model: model, slots: chosen, linkPath: link)
        }
        for (slot, endpoint) in plan.vpcd {
            try simulator.handle(.connectVPCD(slot: slot, endpoint: endpoint, allowRemote: vpcdAllowRemote))
        }
        return plan.vpcd
    }
}
