import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona

/// One slot of the virtual reader: empty or holding a persona's card, with its timing profile,
/// fault plan and the event connections that watch it. Thread-safe.
public final class ReaderSlot: @unchecked Sendable {
    public let index: Int
    private let lock = NSLock()
    private var inserted: InsertedCard?
    private var powered = false
    /// Bumped at every insert and remove, so a slow exchange can tell the card went away.
    private var generation = 0
    private var apdusSinceInsert = 0
    private var profile: TimingProfile
    private var faults = FaultPlan.none
    private var subscribers: [ObjectIdentifier: SocketConnection] = [:]
    private let trace: TraceWriter?

    /// A card in the slot, holding the persona's lock so no other process drives its state.
    struct InsertedCard {
        var card: VirtualCard
        var directory: PersonaDirectory
        var lock: FileLock
    }

    init(index: Int, profile: TimingProfile, trace: TraceWriter?) {
        self.index = index
        self.profile = profile
        self.trace = trace
    }

    /// What a TRANSMIT came to.
    enum Outcome {
        case response([UInt8])
        case noCard
        case notPowered
        case mute
    }

    // MARK: insert and remove

    public func insert(_ directory: PersonaDirectory) throws(ReaderError) {
        let cardLock: FileLock
        let card: VirtualCard
        do {
            cardLock = try directory.lock()
            card = try directory.makeCard()
        } catch {
            throw .cannotInsert(error.description)
        }
        try lock.locked { () throws(ReaderError) in
            guard inserted == nil else { throw .slotOccupied(index) }
            inserted = InsertedCard(card: card, directory: directory, lock: cardLock)
            powered = false
            generation += 1
            apdusSinceInsert = 0
            trace?.record(slot: index, .insert, card: directory.url.path)
            notifyLocked()
        }
    }

    public func remove() throws(ReaderError) {
        try lock.locked { () throws(ReaderError) in
            guard inserted != nil else { throw .slotEmpty(index) }
            removeLocked()
        }
    }

    private func removeLocked() {
        inserted = nil
        powered = false
        generation += 1
        trace?.record(slot: index, .remove)
        notifyLocked()
    }

    // MARK: card operations

    private var atrLocked: [UInt8]? {
        guard let inserted else { return nil }
        if faults.hostile?.contains(.garbageATR) == true { return HostileFault.garbageATRBytes }
        return faults.atr?.bytes ?? inserted.card.image.atr
    }

    /// Cold or warm reset: the ATR, or nil with no card.
    func power(reset: Bool) -> [UInt8]? {
        let (atr, delay): ([UInt8]?, Duration) = lock.withLock {
            guard inserted != nil else { return (nil, .zero) }
            _ = reset ? inserted!.card.reset() : inserted!.card.powerOn()
            powered = true
            trace?.record(slot: index, reset ? .reset : .powerOn, atr: atrLocked)
            notifyLocked()
            return (atrLocked, .microseconds(profile.delayMicros[.powerOn] ?? 0))
        }
        if delay > .zero { Thread.sleep(forTimeInterval: delay.seconds) }
        return atr
    }

    func powerOff() {
        lock.withLock {
            guard inserted != nil, powered else { return }
            inserted!.card.powerOff()
            powered = false
            trace?.record(slot: index, .powerOff)
            notifyLocked()
        }
    }

    func transmit(_ command: [UInt8]) -> Outcome {
        let started = ContinuousClock.now
        let prepared: (response: [UInt8], delay: Duration, generation: Int, removeNow: Bool)
        do throws(OutcomeError) {
            prepared = try lock.locked { () throws(OutcomeError) in
                guard inserted != nil else { throw OutcomeError(.noCard) }
                guard powered else { throw OutcomeError(.notPowered) }
                if faults.mute {
                    trace?.record(slot: index, .mute, command: command)
                    throw OutcomeError(.mute)
                }
                apdusSinceInsert += 1
                let removeNow = faults.removeDuringAPDU == apdusSinceInsert
                let response: [UInt8]
                if faults.shortOnly, (try? CommandAPDU(bytes: command))?.isExtended == true {
                    response = [0x67, 0x00]
                } else {
                    response = HostileFault.distort(faults.hostile ?? [], command: command, response: inserted!.card.process(command))
                }
                var delay = profile.delay(command: command, responseLength: response.count)
                if let once = faults.delayNextMicros {
                    delay += .microseconds(once)
                    faults.delayNextMicros = nil
                }
                return (response, delay, generation, removeNow)
            }
        } catch {
            return error.outcome
        }
        if prepared.removeNow {
            lock.withLock { if generation == prepared.generation { removeLocked() } }
            return .noCard
        }
        if prepared.delay > .zero {
            Thread.sleep(forTimeInterval: prepared.delay.seconds)
        }
        return lock.withLock {
            // Removed while the card was working: the response never left it.
            guard generation == prepared.generation, inserted != nil else { return .noCard }
            trace?.record(slot: index, .transmit, command: command, response: prepared.response, duration: ContinuousClock.now - started)
            if let after = faults.removeAfterAPDUs {
                if after <= 1 {
                    faults.removeAfterAPDUs = nil
                    removeLocked()
                } else {
                    faults.removeAfterAPDUs = after - 1
                }
            }
            return .response(prepared.response)
        }
    }

    private struct OutcomeError: Error {
        var outcome: Outcome
        init(_ outcome: Outcome) { self.outcome = outcome }
    }

    // MARK: state and events

    private var flagsLocked: CardStateFlags {
        guard let inserted else { return [] }
        var flags: CardStateFlags = .present
        if powered { flags.insert(.powered) }
        if inserted.card.image.supportsExtendedLength && !faults.shortOnly { flags.insert(.extendedLength) }
        return flags
    }

    /// The card state as STATUS_REPLY / CARD_EVENT carry it.
    func statePayload() -> [UInt8] { lock.withLock { statePayloadLocked } }

    private var statePayloadLocked: [UInt8] { [flagsLocked.rawValue] + (atrLocked ?? []) }

    /// Registers an event connection and sends it the current state.
    func subscribe(_ connection: SocketConnection) {
        lock.withLock {
            subscribers[ObjectIdentifier(connection)] = connection
            send(WireFrame(.cardEvent, slot: UInt8(index), payload: statePayloadLocked), to: connection)
        }
    }

    func unsubscribe(_ connection: SocketConnection) {
        _ = lock.withLock { subscribers.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    private func notifyLocked() {
        let frame = WireFrame(.cardEvent, slot: UInt8(index), payload: statePayloadLocked)
        for connection in subscribers.values { send(frame, to: connection) }
    }

    private func send(_ frame: WireFrame, to connection: SocketConnection) {
        do {
            try connection.write(frame)
        } catch {
            subscribers.removeValue(forKey: ObjectIdentifier(connection))
            connection.close()
        }
    }

    /// Resets the card's durable state to its issued state (a fresh state file) and powers it off.
    func restoreIssuedState() throws(ReaderError) {
        try lock.locked { () throws(ReaderError) in
            guard let current = inserted else { throw .slotEmpty(index) }
            do {
                try FileCardStateStore(url: current.directory.stateURL, exitAfterSave: false).save(PersistentCardState())
                inserted!.card = try current.directory.makeCard()
            } catch {
                throw .cannotInsert("\(current.directory.url.path): cannot restore: \(error)")
            }
            powered = false
            notifyLocked()
        }
    }

    // MARK: configuration

    func configure(profile: TimingProfile?, faults: FaultPlan?) {
        lock.withLock {
            if let profile { self.profile = profile }
            if let faults { self.faults = faults }
            notifyLocked()  // the extended-length flag or the ATR may have changed
        }
    }

    /// A snapshot for `mynasim status`.
    func status() -> SlotStatus {
        lock.withLock {
            SlotStatus(
                slot: index,
                card: inserted?.directory.url.path,
                name: inserted?.directory.persona.name,
                powered: powered,
                atr: atrLocked.map { Hex.encode($0) },
                extendedLength: flagsLocked.contains(.extendedLength),
                profile: profile.name,
                faults: faults,
                apdus: apdusSinceInsert,
                triesLeft: inserted.map { card in
                    Dictionary(uniqueKeysWithValues: card.card.image.credentials.map { ($0.id.rawValue, card.card.triesLeft($0.id)) })
                } ?? [:],
                watchers: subscribers.count
            )
        }
    }
}

/// A slot as `mynasim status` shows it.
public struct SlotStatus: Codable, Hashable, Sendable {
    public var slot: Int
    public var card: String?
    public var name: String?
    public var powered: Bool
    public var atr: String?
    public var extendedLength: Bool
    public var profile: String
    public var faults: FaultPlan
    public var apdus: Int
    public var triesLeft: [String: Int]
    /// Event connections (pcscd readers) watching this slot.
    public var watchers: Int
}
