import Foundation
import MynaCard

/// Personas loaded and checked once and kept while their files do not change, so that inserting a
/// card into a slot is only the slot's state change: parsing persona.yaml, loading five keys,
/// verifying the issuer data and building the card image happen at the first insertion (or at
/// start, for `serve --card`), not at every one.
public final class PersonaCache: @unchecked Sendable {
    /// A persona as loaded, with the card image built from it.
    public struct Entry: Sendable {
        public let directory: PersonaDirectory
        public let image: CardImage
        fileprivate let stamp: [FileStamp]

        /// A card of this persona with its durable state file.
        public func makeCard() throws(CardStateError) -> VirtualCard {
            try VirtualCard(image: image, store: FileCardStateStore(url: directory.stateURL))
        }
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    public init() {}

    /// The persona at `url`: the cached one when none of its files changed since it was loaded.
    public func load(_ url: URL) throws(PersonaError) -> Entry {
        let path = url.standardizedFileURL.path
        let stamp = FileStamp.all(in: path)
        if let cached = lock.withLock({ entries[path] }), cached.stamp == stamp { return cached }
        let directory = try PersonaDirectory(url: URL(fileURLWithPath: path))
        let entry = Entry(directory: directory, image: directory.cardImage(), stamp: stamp)
        lock.withLock { entries[path] = entry }
        return entry
    }
}

/// What tells a file's content changed without reading it: name, size, modification time, inode.
private struct FileStamp: Hashable, Sendable {
    var name: String
    var size: Int64
    var modified: timespec.Nanoseconds
    var inode: UInt64

    /// Every file a persona is made of, in name order: not its state file, lock or temporary files,
    /// which change while the card is in use.
    static func all(in directory: String) -> [FileStamp] {
        let skipped: Set<String> = [PersonaDirectory.FileName.state, PersonaDirectory.FileName.lock]
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            !skipped.contains($0) && !$0.hasSuffix(".tmp")
        }
        return names.sorted().compactMap { name in
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0 else { return nil }
            return FileStamp(name: name, size: Int64(info.st_size), modified: info.st_mtim.nanoseconds, inode: UInt64(info.st_ino))
        }
    }
}

extension timespec {
    typealias Nanoseconds = Int64
    fileprivate var nanoseconds: Int64 { Int64(tv_sec) * 1_000_000_000 + Int64(tv_nsec) }
}
