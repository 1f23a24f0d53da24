import ArgumentParser
import Foundation
import VirtualReader

/// A private PC/SC world as `sandbox` and `up` describe it: cards, slots, timing, the reader driver.
struct WorldOptions: ParsableArguments {
    @Option(name: .long, help: "A card: [SLOT=]PERSONA_DIR (repeatable).") var card: [CardAssignment] = []
    @Option(name: .long, help: "Number of slots (1–16).") var slots: Int = 2
    @OptionGroup var behaviour: SlotBehaviourOptions
    @Option(name: .long, help: "Write the simulator's trace (JSON lines) to FILE.") var trace: String?
    @Option(
        name: .long,
        help: "The IFD handler .so (default: $MYNASIM_HANDLER, <prefix>/lib/mynasim, the source tree, the system driver directory).")
    var handler: String?
    @Option(
        name: .long,
        help:
            "The reader driver in front of the cards: handler (ours, the default), ccid:MODEL (pcsc-lite's CCID driver before an emulated GemPCTwin, GemPCPinPad or SEC1210) or vpcd (vsmartcard)."
    )
    var reader: ReaderPath = .ifdHandler
    @Option(
        name: .long,
        help: "A reader quirk profile in front of the slots: [SLOT=]NAME|FILE (vectors/reader-profiles, or a measured profile; repeatable)."
    )
    var readerProfile: [ReaderProfileAssignment] = []
    @Option(name: .long, help: "How long our IFD handler waits for a card's answer before it reports an error, in ms (default 15000).")
    var readerTimeout: Int?
    @Flag(name: .long, help: "Run pcscd with --debug --apdu and keep its log (pcscd.log in the world's directory).") var debug = false

    /// The simulator and pcscd configuration for a world in `directory`.
    func configuration(directory: URL) throws -> PCSCSandbox.Configuration {
        let handlerPath = reader == .ifdHandler ? try PCSCSandbox.locateHandler(explicit: handler) : (handler ?? "")
        var configuration = PCSCSandbox.Configuration(directory: directory, handlerPath: handlerPath, slotCount: slots)
        configuration.readerPath = reader
        configuration.simulator.slotCount = min(slots, reader.maximumSlots(slots))
        configuration.simulator.profile = try behaviour.timingProfile(default: .instant) ?? .instant
        configuration.simulator.tracePath = trace.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        configuration.simulator.readerProfiles = try ReaderProfileAssignment.resolve(
            readerProfile, slotCount: configuration.simulator.slotCount)
        if let readerTimeout {
            guard (1...600_000).contains(readerTimeout) else {
                throw CLIError("--reader-timeout must be 1–600000 ms, got \(readerTimeout)")
            }
            configuration.handlerTimeoutMillis = readerTimeout
        }
        configuration.pcscdDebug = debug
        return configuration
    }

    /// The cards by slot, with absolute paths.
    func assignedCards(slotCount: Int) throws -> [(slot: Int, path: String)] {
        try CardAssignment.resolve(card, slotCount: slotCount).map { ($0.0, URL(fileURLWithPath: $0.1).standardizedFileURL.path) }
    }
}
