import CardTransmission
import Dispatch
import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona

/// One slot of the virtual reader: empty or holding a persona's card, with its timing profile,
/// fault plan, trace and the observers that watch it. Thread-safe. Every front door (the IFD
/// handler's wire protocol, an emulated CCID reader, a vpcd link) drives the card through it:
/// APDUs with ``transmit(_:)``, T=1 blocks and T=0 TPDUs with ``exchange(_:protocol:deadline:)``.
///
/// The card's processing time (the timing profile) is waited out with the slot's condition, so
/// a removal ends a slow command at once: its response never leaves the card.
public final class ReaderSlot: @unchecked Sendable {
    public let index: Int
    /// Guards everything below; its condition wakes waits on a removal.
    let condition = NSCondition()
    private var inserted: InsertedCard?
    private(set) var powered = false
    /// Bumped at every insert and remove, so a slow exchange can tell the card went away.
    private(set) var generation: UInt64 = 0
    private var apdusSinceInsert = 0
    private(set) var profile: TimingProfile
    var faults = FaultPlan.none
    /// How the reader in front of the slot misbehaves (a reader quirk profile), and its name.
    var quirks = ReaderQuirks.none
    private(set) var readerProfileName: String?
    /// What the reader reports and holds back when quirks are set (ReaderSlot+Quirks.swift).
    var view = ReaderView()
    /// The clock of the timed quirks, while one is set.
    var ticker: (any DispatchSourceTimer)?
    private var observers: [ObjectIdentifier: any SlotObserver] = [:]
    /// The reader path serving the slot, once one claimed it.
    private var frontDoor: FrontDoor?
    /// The card's transmission state since its last power-up (TPDU-level front doors only).
    var transmission: SlotTransmission?
    let trace: TraceWriter?

    /// A card in the slot, holding the persona's lock so no other process drives its state. A
    /// class, so that the card OS runs in place: a struct behind an optional is copied out and
    /// back at every command (a few dozen retains on the hot path).
    final class InsertedCard {
        var card: VirtualCard
        let persona: PersonaCache.Entry
        let lock: FileLock
        var directory: PersonaDirectory { persona.directory }

        init(card: VirtualCard, persona: PersonaCache.Entry, lock: FileLock) {
            self.card = card
            self.persona = persona
            self.lock = lock
        }
    }

    init(index: Int, profile: TimingProfile, trace: TraceWriter?) {
        self.index = index
        self.profile = profile
        self.trace = trace
    }

    deinit { ticker?.cancel() }

    /// What a TRANSMIT came to.
    public enum Outcome: Hashable, Sendable {
        case response([UInt8])
        case noCard
        case notPowered
        case mute
        /// The reader failed the command (a reader quirk); the card never saw it.
        case readerError(String)
    }

    // MARK: insert and remove

    /// Inserts a persona's card (loaded through a ``PersonaCache``): takes the persona's lock and
    /// loads its durable state.
    public func insert(_ persona: PersonaCache.Entry) throws(ReaderError) {
        let directory = persona.directory
        let cardLock: FileLock
        let card: VirtualCard
        do {
            cardLock = try directory.lock()
            card = try persona.makeCard()
        } catch {
            throw .cannotInsert(error.description)
        }
        try condition.locked { () throws(ReaderError) in
            guard inserted == nil else { throw .slotOccupied(index) }
            inserted = InsertedCard(card: card, persona: persona, lock: cardLock)
            powered = false
            transmission = nil
            generation += 1
            apdusSinceInsert = 0
            activityLocked()
            trace?.record(slot: index, .insert, card: directory.url.path)
            notifyLocked()
        }
    }

    public func remove() throws(ReaderError) {
        try condition.locked { () throws(ReaderError) in
            guard inserted != nil else { throw .slotEmpty(index) }
            removeLocked()
        }
    }

    func removeLocked() {
        inserted = nil
        powered = false
        transmission = nil
        generation += 1
        activityLocked()
        trace?.record(slot: index, .remove)
        notifyLocked()
        condition.broadcast()  // a slow command in flight ends now
    }

    // MARK: front doors

    /// Claims the slot for one reader path; a second, different path is refused with a message
    /// naming the first.
    public func claim(for door: FrontDoor) throws(ReaderError) {
        try condition.locked { () throws(ReaderError) in
            if let frontDoor, frontDoor != door { throw .servedElsewhere(slot: index, by: frontDoor.description) }
            frontDoor = door
        }
    }

    /// Gives the slot back (a CCID reader stopped, a vpcd link ended).
    public func release(from door: FrontDoor) {
        condition.withLock { if frontDoor == door { frontDoor = nil } }
    }

    // MARK: card operations

    var atrLocked: [UInt8]? {
        guard let inserted else { return nil }
        if faults.hostile?.contains(.garbageATR) == true { return HostileFault.garbageATRBytes }
        return faults.atr?.bytes ?? inserted.card.image.atr
    }

    /// Waits until `deadline` with the lock released, unless the card is removed or replaced
    /// meanwhile (the generation changes). Returns whether the card is still the one of `generation`.
    func waitLocked(until deadline: ContinuousClock.Instant, generation expected: UInt64) -> Bool {
        while generation == expected {
            let remaining = deadline - .now
            guard remaining > .zero else { break }
            _ = condition.wait(until: Date(timeIntervalSinceNow: remaining.seconds))
        }
        return generation == expected
    }

    /// Cold or warm reset: the ATR, or nil with no card. Power-on takes the profile's time.
    public func power(reset: Bool) -> [UInt8]? {
        condition.locked {
            guard inserted != nil else { return nil }
            _ = reset ? inserted!.card.reset() : inserted!.card.powerOn()
            powered = true
            transmission = nil
            activityLocked()
            let atr = atrLocked
            trace?.record(slot: index, reset ? .reset : .powerOn, atr: atr)
            notifyLocked()
            let started = ContinuousClock.now
            guard waitLocked(until: started + .microseconds(profile.delayMicros[.powerOn] ?? 0), generation: generation) else { return nil }
            return atr
        }
    }

    public func powerOff() {
        condition.withLock {
            guard inserted != nil, powered else { return }
            inserted!.card.powerOff()
            powered = false
            transmission = nil
            activityLocked()
            trace?.record(slot: index, .powerOff)
            notifyLocked()
        }
    }

    /// Runs one command APDU through the card with the slot's faults, and the time the timing
    /// profile gives it: the response, when it is ready, and whether the card must be removed
    /// while working on it. Called with the lock held.
    func processLocked(_ command: [UInt8]) -> (response: [UInt8], readyAt: ContinuousClock.Instant, removeNow: Bool) {
        let started = ContinuousClock.now
        let readerDelay = Duration.microseconds(quirks.exchangeDelayMicros)
        if let answer = readerAnswerLocked(command) {
            view.lastActivity = started + readerDelay
            return (answer, started + readerDelay, false)
        }
        apdusSinceInsert += 1
        let removeNow = faults.removeDuringAPDU == apdusSinceInsert
        var response: [UInt8]
        if faults.shortOnly || !quirks.extendedAPDUs, (try? CommandAPDU(bytes: command))?.isExtended == true {
            response = [0x67, 0x00]
        } else {
            response = HostileFault.distort(faults.hostile ?? [], command: command, response: inserted!.card.process(command))
            if let failure = inserted!.card.takeStateFailure() { reportStateFailureLocked(failure, command: command) }
        }
        var delay = profile.delay(command: command, responseLength: response.count) + readerDelay
        if let once = faults.delayNextMicros {
            delay += .microseconds(once)
            faults.delayNextMicros = nil
        }
        response = readerTransformLocked(command: command, response: response)
        view.lastActivity = started + delay
        view.glitchedThisIdle = false
        return (response, started + delay, removeNow)
    }

    /// After a response left the card: the trace, and a pending "remove after N APDUs".
    func answeredLocked(_ command: [UInt8], _ response: [UInt8], since started: ContinuousClock.Instant) {
        trace?.record(slot: index, .transmit, command: command, response: response, duration: ContinuousClock.now - started)
        guard let after = faults.removeAfterAPDUs else { return }
        if after <= 1 {
            faults.removeAfterAPDUs = nil
            removeLocked()
        } else {
            faults.removeAfterAPDUs = after - 1
        }
    }

    /// A command that was interrupted by a removal: recorded, its response never sent.
    func interruptedLocked(_ command: [UInt8], since started: ContinuousClock.Instant) {
        trace?.record(
            slot: index, .interrupted, command: command, duration: ContinuousClock.now - started,
            note: "the card was removed while it worked on this command; no response left it")
    }

    /// One command APDU, answered after the card's processing time (APDU-level front doors).
    public func transmit(_ command: [UInt8]) -> Outcome {
        condition.locked {
            guard inserted != nil else { return .noCard }
            guard powered else { return .notPowered }
            if faults.mute {
                trace?.record(slot: index, .mute, command: command)
                return .mute
            }
            if !quirks.extendedAPDUs, (try? CommandAPDU(bytes: command))?.isExtended == true {
                let reason = "the reader fails extended-length APDUs (reader profile \(readerProfileName ?? "?"))"
                trace?.record(slot: index, .fault, command: command, note: reason)
                activityLocked()
                return .readerError(reason)
            }
            let started = ContinuousClock.now
            let generation = generation
            let prepared = processLocked(command)
            if prepared.removeNow {
                interruptedLocked(command, since: started)
                removeLocked()
                return .noCard
            }
            guard waitLocked(until: prepared.readyAt, generation: generation) else {
                interruptedLocked(command, since: started)
                return .noCard
            }
            answeredLocked(command, prepared.response, since: started)
            return .response(prepared.response)
        }
    }

    // MARK: state and observers

    /// The card state now, as the reader reports it (reader quirks can delay or invent presence
    /// changes, and change what it advertises).
    public var snapshot: SlotSnapshot { condition.withLock { readerSnapshotLocked } }

    var snapshotLocked: SlotSnapshot {
        SlotSnapshot(
            slot: index, insertion: generation, present: inserted != nil, powered: inserted != nil && powered, atr: atrLocked,
            extendedLength: inserted.map { $0.card.image.supportsExtendedLength && !faults.shortOnly } ?? false)
    }

    /// Registers an observer and tells it the current state.
    public func addObserver(_ observer: any SlotObserver) {
        condition.withLock {
            observers[ObjectIdentifier(observer)] = observer
            observer.slotDidChange(readerSnapshotLocked)
        }
    }

    public func removeObserver(_ observer: any SlotObserver) {
        _ = condition.withLock { observers.removeValue(forKey: ObjectIdentifier(observer)) }
    }

    func notifyLocked() {
        let state = readerSnapshotLocked
        for observer in observers.values { observer.slotDidChange(state) }
    }

    /// Resets the card's durable state to its issued state (a fresh state file) and powers it off.
    func restoreIssuedState() throws(ReaderError) {
        try condition.locked { () throws(ReaderError) in
            guard let current = inserted else { throw .slotEmpty(index) }
            do {
                try FileCardStateStore(url: current.directory.stateURL, exitAfterSave: false).save(PersistentCardState())
                inserted!.card = try current.persona.makeCard()
            } catch {
                throw .cannotInsert("\(current.directory.url.path): cannot restore: \(error)")
            }
            powered = false
            transmission = nil
            notifyLocked()
        }
    }

    // MARK: configuration

    /// Sets the timing profile and the faults. A fault that can no longer fire (a removal at an
    /// APDU the card has already passed) is refused.
    func configure(profile: TimingProfile?, faults: FaultPlan?) throws(ReaderError) {
        if let problem = profile?.problem { throw .badArgument("slot \(index): \(problem)") }
        if let once = faults?.delayNextMicros, !(0...TimingProfile.maximumDelayMicros).contains(once) {
            throw .badArgument("slot \(index): --delay-next \(once) is not within 0–\(TimingProfile.maximumDelayMicros) µs")
        }
        try condition.locked { () throws(ReaderError) in
            if let during = faults?.removeDuringAPDU, during <= apdusSinceInsert, inserted != nil {
                throw .badArgument(
                    "--remove-during \(during) can never fire: the card in slot \(index) has already answered \(apdusSinceInsert) APDUs "
                        + "(count from its insertion; use --remove-during \(apdusSinceInsert + 1) or more, or --remove-after N)")
            }
            if let profile { self.profile = profile }
            if let faults { self.faults = faults }
            activityLocked()
            notifyLocked()  // the extended-length flag or the ATR may have changed
        }
    }

    /// Puts a reader quirk profile in front of the slot (nil: a faultless reader).
    func configure(readerProfile: ReaderProfile?) {
        condition.withLock {
            readerProfileName = readerProfile?.name
            quirks = readerProfile?.quirks ?? .none
            resetViewLocked()
            notifyLocked()  // what the reader advertises may have changed
        }
        updateTicker()
    }

    /// A snapshot for `mynasim status`.
    func status() -> SlotStatus {
        condition.withLock {
            SlotStatus(
                slot: index,
                card: inserted?.directory.url.path,
                name: inserted?.directory.persona.name,
                powered: powered,
                atr: atrLocked.map { Hex.encode($0) },
                extendedLength: snapshotLocked.extendedLength,
                profile: profile.name,
                timing: profile,
                readerProfile: readerProfileName,
                quirks: quirks == .none ? nil : quirks,
                faults: faults,
                apdus: apdusSinceInsert,
                triesLeft: inserted.map { card in
                    Dictionary(uniqueKeysWithValues: card.card.image.credentials.map { ($0.id.rawValue, card.card.triesLeft($0.id)) })
                } ?? [:],
                watchers: observers.count,
                servedBy: frontDoor?.description
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
    /// The timing profile's figures (what the card's own time is, per command class).
    public var timing: TimingProfile? = nil
    /// The reader quirk profile in front of the slot, and what it does.
    public var readerProfile: String? = nil
    public var quirks: ReaderQuirks? = nil
    public var faults: FaultPlan
    public var apdus: Int
    public var triesLeft: [String: Int]
    /// Observers (pcscd handler connections, links) watching this slot.
    public var watchers: Int
    /// The reader path serving the slot, when one claimed it.
    public var servedBy: String?
    /// A link's state, when the slot's card connects out (vpcd).
    public var link: String? = nil
}
