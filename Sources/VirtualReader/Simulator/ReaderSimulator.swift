import Foundation
import MynaPersona

/// The simulator: N slots of virtual cards, served through its front doors (the IFD handler's
/// wire protocol on Unix or loopback TCP sockets; emulated CCID readers and vpcd links where
/// configured), with a control interface (`mynasim card`, `mynasim status`).
public final class ReaderSimulator: @unchecked Sendable {
    /// How a simulator is set up.
    public struct Configuration: Sendable {
        public var slotCount: Int = 2
        public var addresses: [SocketAddress]
        public var socketMode: mode_t = 0o600
        public var profile: TimingProfile = .instant
        public var tracePath: String?
        /// Who may connect for what (default: control requests from the owner or root, Unix socket only).
        public var policy: any ConnectionPolicy = OwnerControlPolicy()
        /// Reader quirk profiles in front of slots from the start, by slot.
        public var readerProfiles: [Int: ReaderProfile] = [:]
        /// How long a connection of our IFD handler polls for the next command after each answer
        /// before its thread sleeps: an application's next APDU within the window is served
        /// without a wake-up, for a little processor time while the application is busy
        /// (docs/performance.md). Zero turns it off.
        public var busyPoll: Duration = .microseconds(100)

        public init(addresses: [SocketAddress]) { self.addresses = addresses }
    }

    public let slots: [ReaderSlot]
    private var wire: WireServer!
    private let lock = NSLock()
    /// Slots whose card connects out to a vpcd reader driver.
    private var vpcdLinks: [Int: (card: SlotVPCDCard, link: VPCDLink)] = [:]
    /// Emulated CCID readers, and which of them serves each slot.
    private var ccidReaders: [CCIDReaderService] = []
    private let trace: TraceWriter?
    /// Personas loaded once and kept while their files do not change.
    private let personas = PersonaCache()

    public init(_ configuration: Configuration) throws {
        guard (1...16).contains(configuration.slotCount) else {
            throw ReaderError.badArgument("--slots must be 1–16 (pcscd handles at most 16 readers), got \(configuration.slotCount)")
        }
        let trace = try configuration.tracePath.map { path throws(ReaderError) in try TraceWriter(path: path) }
        self.trace = trace
        slots = (0..<configuration.slotCount).map { ReaderSlot(index: $0, profile: configuration.profile, trace: trace) }
        for (index, profile) in configuration.readerProfiles {
            guard slots.indices.contains(index) else { throw ReaderError.noSuchSlot(index, count: slots.count) }
            slots[index].configure(readerProfile: profile)
        }
        wire = try WireServer(
            addresses: configuration.addresses, socketMode: configuration.socketMode, policy: configuration.policy,
            busyPoll: configuration.busyPoll, simulator: self)
    }

    /// Starts accepting connections on every address.
    public func start() { wire.start() }

    /// Stops listening, closes every connection and link and removes the cards (releasing their locks).
    public func stop() {
        wire.stop()
        for index in lock.withLock({ Array(vpcdLinks.keys) }) { disconnectVPCD(slot: index) }
        for reader in lock.withLock({ ccidReaders }) { reader.stop() }
        lock.withLock { ccidReaders = [] }
        for slot in slots { try? slot.remove() }
    }

    /// Exposes `slotIndexes` as an emulated serial CCID reader of `model` on a new pty, reachable
    /// through a symlink at `linkPath` (what reader.conf names). The slots are then served through
    /// that reader only.
    @discardableResult
    public func exposeCCID(model: ReaderModel, slots slotIndexes: [Int], linkPath: String) throws(ReaderError) -> CCIDReaderService {
        let chosen = try slotIndexes.map { index throws(ReaderError) in try slot(index) }
        let reader = try CCIDReaderService(model: model, slots: chosen, linkPath: linkPath, trace: trace)
        lock.withLock { ccidReaders.append(reader) }
        return reader
    }

    /// The emulated reader serving slot `index`, if one does.
    func ccidReader(serving index: Int) -> CCIDReaderService? {
        lock.withLock { ccidReaders.first { $0.slots.contains { $0.index == index } } }
    }

    /// The emulated CCID readers.
    public var ccidServices: [CCIDReaderService] { lock.withLock { ccidReaders } }

    /// Makes slot `index`'s card connect out to the vpcd reader driver at `endpoint` (it keeps
    /// reconnecting with backoff while the driver is away). The slot is then served through vpcd only.
    public func connectVPCD(slot index: Int, to endpoint: VPCDEndpoint) throws(ReaderError) {
        let slot = try slot(index)
        let door = FrontDoor.vpcd(endpoint: endpoint.description)
        try slot.claim(for: door)
        let card = SlotVPCDCard(slot: slot)
        let link: VPCDLink
        do {
            link = try VPCDLink(card: card, configuration: VPCDLinkConfiguration(endpoint: endpoint))
        } catch {
            slot.release(from: door)
            throw .badArgument("vpcd link for slot \(index): \(error)")
        }
        card.attach(link)
        lock.withLock { vpcdLinks[index] = (card, link) }
        link.start()
    }

    /// Ends slot `index`'s vpcd link (vpcd sees the card removed).
    public func disconnectVPCD(slot index: Int) {
        guard let (card, link) = lock.withLock({ vpcdLinks.removeValue(forKey: index) }) else { return }
        card.detach()
        link.stop()
        card.slot.release(from: .vpcd(endpoint: link.configuration.endpoint.description))
    }

    public var addresses: [SocketAddress] { wire.addresses }

    func slot(_ index: Int) throws(ReaderError) -> ReaderSlot {
        guard slots.indices.contains(index) else { throw .noSuchSlot(index, count: slots.count) }
        return slots[index]
    }

    /// Carries out a control request (also used in-process by `mynasim serve --card`).
    public func handle(_ request: ControlRequest) throws(ReaderError) -> ControlReply {
        switch request {
        case .insert(let index, let path):
            let persona: PersonaCache.Entry
            do {
                persona = try personas.load(URL(fileURLWithPath: path))
            } catch {
                throw .cannotInsert(error.description)
            }
            try slot(index).insert(persona)
        case .remove(let index):
            try slot(index).remove()
        case .configure(let index, let profile, let faults):
            try slot(index).configure(profile: profile, faults: faults)
            if let line = faults?.line {
                guard let reader = ccidReader(serving: index) else {
                    throw .badArgument("slot \(index) is not behind an emulated CCID reader; line faults need one (mynasim serve --ccid)")
                }
                reader.inject(line)
            }
        case .keypad(let index, let keys):
            guard let reader = ccidReader(serving: index), reader.model.pinSupport != [] else {
                throw .badArgument("slot \(index) is not behind an emulated PIN-pad reader (mynasim serve --ccid GemPCPinPad)")
            }
            do { reader.keypad.enqueue(try ScriptedKeypad.parse(keys)) } catch { throw .badArgument("--keypad '\(keys)': \(error)") }
        case .readerProfile(let index, let profile):
            try slot(index).configure(readerProfile: profile)
        case .restore(let index):
            try slot(index).restoreIssuedState()
        case .connectVPCD(let index, let endpoint, let allowRemote):
            let parsed: VPCDEndpoint
            do { parsed = try VPCDEndpoint(parsing: endpoint, allowRemote: allowRemote) } catch {
                throw .badArgument("--vpcd \(endpoint): \(error)")
            }
            try connectVPCD(slot: index, to: parsed)
        case .disconnectVPCD(let index):
            _ = try slot(index)
            disconnectVPCD(slot: index)
        case .status:
            break
        }
        return ControlReply(ok: true, error: nil, status: status())
    }

    public func status() -> SimulatorStatus {
        let links = lock.withLock { vpcdLinks.mapValues(\.link) }
        return SimulatorStatus(
            listening: addresses.map(\.description),
            slots: slots.map { slot in
                var status = slot.status()
                status.link = links[slot.index]?.status.description
                return status
            },
            connections: wire.connectionCounts)
    }
}
