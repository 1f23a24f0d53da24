import Dispatch
import Foundation
import ISO7816

/// What the reader in front of a slot reports and holds back when reader quirks are set: the card
/// state of its last presence poll, a spurious removal in progress, response data it kept after
/// passing `61xx` on.
struct ReaderView {
    /// The card as the reader saw it at its last presence poll (presence-polling quirk).
    var polled: Polled?
    var nextPoll = ContinuousClock.now
    /// A spurious removal in progress: the card looks absent until then.
    var absentUntil: ContinuousClock.Instant?
    /// Spurious removals so far; after each the card looks newly inserted.
    var glitches: UInt64 = 0
    /// Whether the current idle period already had its spurious removal.
    var glitchedThisIdle = false
    /// When the slot last exchanged a command, changed power or card (the end of the last exchange).
    var lastActivity = ContinuousClock.now
    /// Response data the reader kept after handing `61xx` to the client.
    var held: [UInt8]?

    /// The card state a presence poll takes in.
    struct Polled: Hashable {
        var present: Bool
        var insertion: UInt64
        var atr: [UInt8]?
        var extendedLength: Bool
    }
}

extension ReaderSlot {
    /// The card state as the reader reports it: what it advertises, the presence its last poll saw,
    /// a spurious removal.
    var readerSnapshotLocked: SlotSnapshot {
        var state = snapshotLocked
        state.part10 = quirks.part10
        if quirks.presencePollingMillis != nil, let polled = view.polled, polled.insertion != generation {
            state.present = polled.present
            state.insertion = polled.insertion
            state.atr = polled.present ? polled.atr : nil
            state.powered = false
            state.extendedLength = polled.extendedLength
        }
        if let advertised = quirks.advertisesExtended { state.extendedLength = state.present && advertised }
        if view.absentUntil != nil {
            state.present = false
            state.powered = false
            state.atr = nil
            state.extendedLength = false
        }
        state.insertion &+= view.glitches << 32
        return state
    }

    private var polledNowLocked: ReaderView.Polled {
        let truth = snapshotLocked
        return ReaderView.Polled(present: truth.present, insertion: truth.insertion, atr: truth.atr, extendedLength: truth.extendedLength)
    }

    /// Something happened in the slot: a new idle period starts and held-back data is dropped.
    func activityLocked() {
        view.lastActivity = .now
        view.glitchedThisIdle = false
        view.held = nil
    }

    /// A new quirk profile: the reader's view starts from the card state now.
    func resetViewLocked() {
        let glitches = view.glitches
        view = ReaderView()
        view.glitches = glitches
        view.polled = polledNowLocked
        view.nextPoll = .now + .milliseconds(quirks.presencePollingMillis ?? 0)
    }

    /// The reader's own answer to a GET RESPONSE for data it held back (the `passes61xx` quirk),
    /// or nil when the command goes to the card.
    func readerAnswerLocked(_ command: [UInt8]) -> [UInt8]? {
        guard quirks.passes61xx, let held = view.held else { return nil }
        guard command.count >= 4, command[1] == Instruction.getResponse, let request = try? CommandAPDU(bytes: command) else {
            view.held = nil
            return nil
        }
        let wanted = request.ne ?? 256
        let rest = Array(held.dropFirst(wanted))
        view.held = rest.isEmpty ? nil : rest
        let status: [UInt8] = rest.isEmpty ? [0x90, 0x00] : [0x61, UInt8(min(rest.count, 256) & 0xFF)]
        return dropLastByteLocked(Array(held.prefix(wanted)) + status)
    }

    /// The response as the reader hands it on: `61xx` instead of a case 4 command's data, the
    /// last data byte lost at the lengths the quirks name.
    func readerTransformLocked(command: [UInt8], response: [UInt8]) -> [UInt8] {
        var response = response
        if quirks.passes61xx, response.count > 2, Array(response.suffix(2)) == [0x90, 0x00],
            (try? CommandAPDU(bytes: command))?.case == .case4
        {
            let data = Array(response.dropLast(2))
            view.held = data
            response = [0x61, UInt8(min(data.count, 256) & 0xFF)]
        }
        return dropLastByteLocked(response)
    }

    private func dropLastByteLocked(_ response: [UInt8]) -> [UInt8] {
        guard response.count > 2, quirks.dropsLastByteAt.contains(response.count - 2) else { return response }
        var shortened = response
        shortened.remove(at: shortened.count - 3)
        return shortened
    }

    /// Starts or stops the clock behind the timed quirks (presence polls, spurious removals).
    func updateTicker() {
        condition.withLock {
            let needed = quirks.presencePollingMillis != nil || quirks.spuriousRemoval != nil
            if needed, ticker == nil {
                let timer = DispatchSource.makeTimerSource(queue: .global())
                timer.schedule(deadline: .now(), repeating: .milliseconds(5))
                timer.setEventHandler { [weak self] in self?.tick() }
                timer.resume()
                ticker = timer
            } else if !needed, let timer = ticker {
                timer.cancel()
                ticker = nil
            }
        }
    }

    /// One step of the reader's clock: a presence poll when one is due, the start or end of a
    /// spurious removal.
    private func tick() {
        condition.withLock {
            let now = ContinuousClock.now
            var changed = false
            if let interval = quirks.presencePollingMillis, now >= view.nextPoll {
                while view.nextPoll <= now { view.nextPoll += .milliseconds(interval) }
                let current = polledNowLocked
                if let previous = view.polled, previous.present, current.present, previous.insertion != current.insertion {
                    // The card was swapped between two polls: this poll finds the slot empty, the next one
                    // the new card (as a reader reporting a card change does), so the host sees both.
                    view.polled = ReaderView.Polled(present: false, insertion: current.insertion &- 1, atr: nil, extendedLength: false)
                    changed = true
                } else if current != view.polled {
                    view.polled = current
                    changed = true
                }
            }
            if let spurious = quirks.spuriousRemoval {
                if let until = view.absentUntil {
                    if now >= until {
                        view.absentUntil = nil
                        view.glitches += 1
                        changed = true
                    }
                } else if snapshotLocked.present, !faults.mute, !view.glitchedThisIdle,
                    now - view.lastActivity >= .milliseconds(spurious.afterIdleMillis)
                {
                    view.absentUntil = now + .milliseconds(spurious.absentMillis)
                    view.glitchedThisIdle = true
                    changed = true
                    trace?.record(
                        slot: index, .fault,
                        note: "spurious removal: the reader reports the card absent for \(spurious.absentMillis) ms after "
                            + "\(spurious.afterIdleMillis) ms idle (reader profile \(readerProfileName ?? "?"))")
                }
            }
            if changed { notifyLocked() }
        }
    }
}
