import Foundation
import ISO7816
import PCSC
import VirtualReader

/// Records every power event and exchange of the channel it wraps as trace lines (the
/// simulator's JSON-lines format, so either can be replayed).
package final class RecordingChannel<Base: TestChannel>: TestChannel {
    var base: Base
    let writer: TraceWriter
    package var name: String { base.name + " (recording)" }
    package var isRealCard: Bool { base.isRealCard }

    /// Starts a new trace at `path` (an existing file is replaced).
    package init(_ base: Base, to path: String) throws {
        self.base = base
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw ReplayError.unreadable(path) }
        self.writer = try TraceWriter(path: path)
    }

    package func powerOn() throws -> [UInt8] {
        let atr = try base.powerOn()
        writer.record(slot: 0, .powerOn, atr: atr)
        return atr
    }

    package func reset() throws -> [UInt8] {
        let atr = try base.reset()
        writer.record(slot: 0, .reset, atr: atr)
        return atr
    }

    package func powerOff() throws {
        try base.powerOff()
        writer.record(slot: 0, .powerOff)
    }

    package func transmit(_ command: [UInt8]) throws -> [UInt8] {
        let started = ContinuousClock.now
        let response: [UInt8]
        do { response = try base.transmit(command) } catch let error as PCSCError where error.cardWasRemoved {
            // The command the removal interrupted stays in the trace, marked (`mynasim trace show`).
            writer.record(
                slot: 0, .interrupted, command: command, duration: ContinuousClock.now - started,
                note: "the card was removed before it answered")
            throw error
        }
        writer.record(slot: 0, .transmit, command: command, response: response, duration: ContinuousClock.now - started)
        return response
    }

    package func restoreIssuedState() throws -> Bool { try base.restoreIssuedState() }
}

/// A card answering from a recorded trace: a client (or a script) can be tested against a card
/// recorded once, e.g. a real one. `strict` expects the commands in recorded order; `skipping`
/// moves forward to the next recorded exchange with the same command.
package final class ReplayChannel: TestChannel {
    package enum Mode: String, Sendable, CaseIterable { case strict, skipping }

    struct Exchange {
        var command: [UInt8]
        var response: [UInt8]
    }
    let exchanges: [Exchange]
    let atr: [UInt8]
    let mode: Mode
    var position = 0
    package let name: String
    package var isRealCard: Bool { false }

    /// Loads `path`; with several slots in a simulator trace, `slot` picks one (default: the first).
    package init(path: String, mode: Mode, slot: Int? = nil) throws(ReplayError) {
        let events: [TraceEvent]
        do { events = try TraceFile.read(path) } catch { throw .trace(error) }
        let chosen = slot ?? events.first?.slot ?? 0
        let mine = events.filter { $0.slot == chosen }
        exchanges = mine.compactMap { event in
            guard event.event == .transmit, let c = event.command, let r = event.response,
                let command = try? Hex.decode(c), let response = try? Hex.decode(r)
            else { return nil }
            return Exchange(command: command, response: response)
        }
        guard !exchanges.isEmpty else { throw .empty(path) }
        atr = mine.compactMap { $0.atr }.first.flatMap { try? Hex.decode($0) } ?? [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]
        self.mode = mode
        name = "replay \(URL(fileURLWithPath: path).lastPathComponent) (\(mode.rawValue))"
    }

    package func powerOn() -> [UInt8] { atr }
    package func reset() -> [UInt8] { atr }
    package func powerOff() {}
    package func restoreIssuedState() -> Bool { false }

    package func transmit(_ command: [UInt8]) throws -> [UInt8] {
        switch mode {
        case .strict:
            guard position < exchanges.count else { throw ReplayError.exhausted(command: Hex.encode(command)) }
            let next = exchanges[position]
            guard next.command == command else {
                throw ReplayError.mismatch(index: position + 1, recorded: Hex.encode(next.command), sent: Hex.encode(command))
            }
            position += 1
            return next.response
        case .skipping:
            guard let found = exchanges[position...].firstIndex(where: { $0.command == command }) else {
                throw ReplayError.exhausted(command: Hex.encode(command))
            }
            position = found + 1
            return exchanges[found].response
        }
    }
}

/// Problems with a replayed trace.
package enum ReplayError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(String)
    case trace(TraceFileError)
    case empty(String)
    case mismatch(index: Int, recorded: String, sent: String)
    case exhausted(command: String)

    package var description: String {
        switch self {
        case .unreadable(let path): return "\(path): cannot read the trace"
        case .trace(let error): return error.description
        case .empty(let path): return "\(path): the trace holds no exchanges"
        case .mismatch(let index, let recorded, let sent):
            return "replay: exchange \(index) was recorded for \(recorded), but \(sent) was sent"
        case .exhausted(let command): return "replay: no recorded exchange left for \(command)"
        }
    }
}
