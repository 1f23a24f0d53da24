import Foundation
import MynaApplications

/// The part of a card that survives power-off: retry counters and changed credential values.
public struct PersistentCardState: Codable, Hashable, Sendable {
    /// The file format version.
    public var version: Int = 1
    /// Per credential: tries left and, once changed, the new value.
    public var credentials: [String: CredentialState] = [:]

    public init() {}

    /// Tries left for `credential`: the saved count, or for a credential never tried since issue
    /// its limit (0 when it is blocked from issue).
    public func triesLeft(_ credential: Credential) -> Int {
        credentials[credential.id.rawValue]?.triesLeft ?? (credential.blockedAtIssue ? 0 : credential.maxTries)
    }

    /// The durable state of one credential.
    public struct CredentialState: Codable, Hashable, Sendable {
        /// Tries left before the credential blocks.
        public var triesLeft: Int
        /// The current value, when it differs from the one issued (ASCII).
        public var changedValue: String?

        public init(triesLeft: Int, changedValue: String? = nil) {
            self.triesLeft = triesLeft
            self.changedValue = changedValue
        }
    }
}

/// Where a card keeps its durable state. `save` must not return before the state is durable:
/// the card sends no status word until it has.
public protocol CardStateStore: Sendable {
    /// The saved state, or nil for a fresh card.
    func load() throws(CardStateError) -> PersistentCardState?
    /// Saves `state` durably.
    func save(_ state: PersistentCardState) throws(CardStateError)
}

/// Keeps state in memory only (tests, benchmarks, throw-away cards).
public final class InMemoryCardStateStore: CardStateStore, @unchecked Sendable {
    private let lock = NSLock()
    private var state: PersistentCardState?

    public init(_ state: PersistentCardState? = nil) { self.state = state }

    public func load() -> PersistentCardState? { lock.withLock { state } }
    public func save(_ state: PersistentCardState) { lock.withLock { self.state = state } }
}

/// Keeps state in a JSON file, written by temp file + fsync + rename + directory fsync, so a
/// crash leaves either the old or the new state and never a torn one.
public struct FileCardStateStore: CardStateStore {
    /// The state file.
    public let url: URL
    /// A test hook: when set, the process exits right after a save is durable and before the
    /// card answers, to prove that the counter survives a crash at the worst moment.
    public var exitAfterSave: Bool

    public init(url: URL, exitAfterSave: Bool = ProcessInfo.processInfo.environment["MYNASIM_EXIT_AFTER_STATE_WRITE"] == "1") {
        self.url = url
        self.exitAfterSave = exitAfterSave
    }

    public func load() throws(CardStateError) -> PersistentCardState? {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return nil
        } catch {
            let permitted = FileManager.default.isReadableFile(atPath: url.path)
            throw .unreadable(path: url.path, reason: permitted ? "it is not a readable file" : "permission denied")
        }
        do {
            let state = try JSONDecoder().decode(PersistentCardState.self, from: data)
            guard state.version == 1 else { throw CardStateError.unsupportedVersion(path: url.path, version: state.version) }
            return state
        } catch let error as CardStateError {
            throw error
        } catch {
            throw .corrupt(path: url.path, reason: Self.words(error))
        }
    }

    /// What is wrong with the state file's JSON, in words.
    static func words(_ error: any Error) -> String { JSONProblem.words(error, otherwise: "not readable") }

    public func save(_ state: PersistentCardState) throws(CardStateError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(state) } catch {
            throw .unwritable(path: url.path, reason: "the state could not be encoded as JSON")
        }
        try DurableFile.write(data, to: url)
        if exitAfterSave { exit(75) }
    }
}

/// Atomic, durable file replacement.
public enum DurableFile {
    /// The temporary file a write goes through before it is renamed over `url`.
    public static func temporaryURL(for url: URL) -> URL { URL(fileURLWithPath: url.path + ".tmp") }

    /// Removes what a writer killed between creating the temporary file and renaming it left
    /// behind. Call only while holding the lock that serialises writers of `url` (nobody can be
    /// writing then); the file itself was never touched by the interrupted write.
    public static func discardInterruptedWrite(to url: URL) {
        unlink(temporaryURL(for: url).path)
    }

    /// Writes `data` to `url` via `url.tmp`, fsyncs it, renames it over `url` and fsyncs the
    /// directory. `mode` sets the permissions of the new file.
    public static func write(_ data: Data, to url: URL, mode: mode_t = 0o600) throws(CardStateError) {
        let path = url.path
        let tmp = temporaryURL(for: url).path
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
        var ok = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        let reason = String(cString: strerror(errno))
        close(fd)
        guard ok else {
            unlink(tmp)
            throw .unwritable(path: path, reason: reason)
        }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw .unwritable(path: path, reason: reason)
        }
        let dir = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }
}

/// Problems with a card's state file. Each names the file.
public enum CardStateError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case unsupportedVersion(path: String, version: Int)
    case unwritable(path: String, reason: String)
    case locked(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read card state: \(reason)"
        case .corrupt(let path, let reason):
            return
                "\(path): card state is corrupt (\(reason)); refusing to reset the counters. Fix or delete the file to start with a fresh card"
        case .unsupportedVersion(let path, let version): return "\(path): card state version \(version) is not supported"
        case .unwritable(let path, let reason): return "\(path): cannot write card state: \(reason)"
        case .locked(let path):
            return "\(path): the card is in use by another process (mynasim serve or apdu); stop it or remove the card first"
        }
    }
}

/// What is wrong with a JSON document the decoder refused, in words (state files, issuer data).
package enum JSONProblem {
    /// `otherwise` for an error that is not a decoding error.
    package static func words(_ error: any Error, otherwise: String) -> String {
        guard let error = error as? DecodingError else { return otherwise }
        switch error {
        case .keyNotFound(let key, _): return "no '\(key.stringValue)'"
        case .dataCorrupted(let context) where context.codingPath.isEmpty: return "not JSON"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong form"
        @unknown default: return "not readable"
        }
    }
}
