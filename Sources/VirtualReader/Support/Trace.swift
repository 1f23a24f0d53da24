import Foundation
import ISO7816

/// One line of a trace file (JSON lines): a power event or an exchange on a slot, at the APDU level
/// or below it (T=1 blocks and T=0 TPDUs, CCID messages). The harness reads the same format for
/// replay and client checks.
public struct TraceEvent: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case insert, remove, powerOn, powerOff, reset
        /// A command APDU and its response.
        case transmit
        /// A command the mute card never answered.
        case mute
        /// A command APDU whose response never left the card: it was removed while working.
        case interrupted
        /// A T=1 block (or T=0 TPDU) from the reader and the card's answer.
        case block
        /// A message to an emulated reader and the reader's answer.
        case reader
        /// A fault fired.
        case fault
    }

    /// Which layer an event belongs to.
    public enum Level: String, Codable, Sendable {
        /// Power, presence and APDUs: what every reader path shows.
        case apdu
        /// The card's transmission protocol: T=1 blocks, T=0 TPDUs, PPS.
        case tpdu
        /// Messages between a reader driver and an emulated reader (CCID).
        case reader
    }

    /// Wall-clock time, ISO 8601 with microseconds.
    public var time: String
    public var slot: Int
    public var event: Kind
    public var level: Level?
    public var command: String?
    public var response: String?
    public var atr: String?
    public var card: String?
    public var durationMicros: Int?
    /// What a block, message or fault was, in words (e.g. `I(0) M 254 bytes → R(1)`).
    public var note: String?

    public init(
        time: String, slot: Int, event: Kind, level: Level? = nil, command: String? = nil, response: String? = nil, atr: String? = nil,
        card: String? = nil, durationMicros: Int? = nil, note: String? = nil
    ) {
        self.time = time
        self.slot = slot
        self.event = event
        self.level = level ?? Self.level(of: event)
        self.command = command
        self.response = response
        self.atr = atr
        self.card = card
        self.durationMicros = durationMicros
        self.note = note
    }

    /// The layer an event kind belongs to.
    public static func level(of kind: Kind) -> Level {
        switch kind {
        case .block: return .tpdu
        case .reader: return .reader
        default: return .apdu
        }
    }

    /// The level, for traces written before it was recorded.
    public var effectiveLevel: Level { level ?? Self.level(of: event) }
}

/// Appends trace events to a file, one JSON object per line, from any thread.
public final class TraceWriter: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    public init(path: String) throws(ReaderError) {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw .badArgument("\(path): cannot create trace file")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw .badArgument("\(path): cannot open trace file") }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    /// Now, as trace events write it: ISO 8601 UTC with microseconds.
    public static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var tm = tm()
        var seconds = ts.tv_sec
        gmtime_r(&seconds, &tm)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
            ts.tv_nsec / 1000)
    }

    public func record(
        slot: Int, _ kind: TraceEvent.Kind, command: [UInt8]? = nil, response: [UInt8]? = nil,
        atr: [UInt8]? = nil, card: String? = nil, duration: Duration? = nil, note: String? = nil
    ) {
        let event = TraceEvent(
            time: Self.timestamp(), slot: slot, event: kind, command: command.map { Hex.encode($0) },
            response: response.map { Hex.encode($0) }, atr: atr.map { Hex.encode($0) }, card: card,
            durationMicros: duration?.wholeMicroseconds, note: note
        )
        guard let data = try? encoder.encode(event) else { return }
        lock.withLock {
            handle.write(data + Data("\n".utf8))
        }
    }
}

/// Reads trace files (JSON lines as `mynasim serve --trace` and `mynasim record` write them): the
/// one reader behind replay, client-check and `mynasim trace`.
public enum TraceFile {
    /// Every event of the file, naming the line of the first one that is not a trace event.
    public static func read(_ path: String) throws(TraceFileError) -> [TraceEvent] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path) }
        var events: [TraceEvent] = []
        let decoder = JSONDecoder()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                events.append(try decoder.decode(TraceEvent.self, from: Data(line.utf8)))
            } catch {
                throw .badLine(path: path, line: number + 1, reason: Self.reason(error))
            }
        }
        return events
    }

    /// A decoding error in words: which field, and what was wrong with it.
    static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?: return "the field \"\(key.stringValue)\" is missing"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "the field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type"
        case .dataCorrupted(let context)?:
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return field.isEmpty ? "not JSON" : "the field \"\(field)\" has a value this version does not know"
        default: return "not a trace event"
        }
    }
}

/// Why a trace file cannot be read.
public enum TraceFileError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(String)
    case badLine(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path): return "\(path): cannot read the trace (missing or not UTF-8 text)"
        case .badLine(let path, let line, let reason):
            return "\(path):\(line): \(reason) (a trace is JSON lines as `mynasim serve --trace` or `mynasim record` write them)"
        }
    }
}
