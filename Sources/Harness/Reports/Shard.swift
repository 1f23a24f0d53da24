/// One part of a run split across CI jobs: `--shard INDEX/TOTAL` (1-based), or Bazel's
/// `TEST_SHARD_INDEX` (0-based) and `TEST_TOTAL_SHARDS`.
///
/// A case belongs to shard `1 + FNV-1a-64(key) mod TOTAL`, where the key is the case's name in
/// the run (a suite case: `SUITE/FILE.apdu#ID`; a client-check scenario: its name). The assignment
/// depends on nothing else, so every job of a CI matrix agrees on it, and adding a case never
/// moves another one.
package struct Shard: Hashable, Sendable, CustomStringConvertible {
    /// 1-based.
    package let index: Int
    package let total: Int

    package init(index: Int, total: Int) throws(ShardError) {
        guard total >= 1 else { throw .badTotal(total) }
        guard (1...total).contains(index) else { throw .indexOutOfRange(index: index, total: total) }
        self.index = index
        self.total = total
    }

    /// Parses `INDEX/TOTAL`, e.g. `2/3`.
    package init(argument: String) throws(ShardError) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let total = Int(parts[1]) else { throw .notAShard(argument) }
        try self.init(index: index, total: total)
    }

    /// The shard the environment asks for: `TEST_SHARD_INDEX` (0-based) and `TEST_TOTAL_SHARDS`
    /// together, or nil when neither is set.
    package static func fromEnvironment(_ environment: [String: String]) throws(ShardError) -> Shard? {
        let index = environment["TEST_SHARD_INDEX"].flatMap { $0.isEmpty ? nil : $0 }
        let total = environment["TEST_TOTAL_SHARDS"].flatMap { $0.isEmpty ? nil : $0 }
        switch (index, total) {
        case (nil, nil): return nil
        case (let index?, let total?):
            guard let i = Int(index), let n = Int(total) else { throw .badEnvironment(index: index, total: total) }
            do { return try Shard(index: i + 1, total: n) } catch { throw .badEnvironment(index: index, total: total) }
        default:
            throw .halfEnvironment(index: index, total: total)
        }
    }

    /// Whether the case named `key` runs in this shard.
    package func contains(_ key: String) -> Bool { Self.bucket(of: key, total: total) == index - 1 }

    /// `0..<total`: the key's FNV-1a hash modulo `total`.
    package static func bucket(of key: String, total: Int) -> Int { Int(fnv1a(key) % UInt64(total)) }

    /// FNV-1a, 64 bits, of the key's UTF-8 bytes (offset basis `cbf29ce484222325`, prime `100000001b3`).
    package static func fnv1a(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    package var description: String { "\(index)/\(total)" }
}

/// Why a shard cannot be used.
package enum ShardError: Error, Hashable, Sendable, CustomStringConvertible {
    case notAShard(String)
    case badTotal(Int)
    case indexOutOfRange(index: Int, total: Int)
    case badEnvironment(index: String, total: String)
    case halfEnvironment(index: String?, total: String?)

    package var description: String {
        switch self {
        case .notAShard(let text): return "--shard '\(text)' is not INDEX/TOTAL (e.g. --shard 2/3; shards count from 1)"
        case .badTotal(let total): return "a run splits into 1 or more shards, not \(total)"
        case .indexOutOfRange(let index, let total):
            return "shard \(index) does not exist in a run of \(total) shards (count from 1 to \(total))"
        case .badEnvironment(let index, let total):
            return "TEST_SHARD_INDEX=\(index) TEST_TOTAL_SHARDS=\(total) is no shard: the index counts from 0 to TEST_TOTAL_SHARDS - 1"
        case .halfEnvironment(let index, let total):
            return index == nil
                ? "TEST_TOTAL_SHARDS=\(total ?? "") is set but TEST_SHARD_INDEX is not: set both, or neither"
                : "TEST_SHARD_INDEX=\(index ?? "") is set but TEST_TOTAL_SHARDS is not: set both, or neither"
        }
    }
}

/// A run's cases narrowed to one shard: which cases stay, and where each stood in the whole run.
package struct ShardSelection<Item>: Sendable where Item: Sendable {
    /// The items of this shard, in run order.
    package var items: [Item]
    /// The position of each kept item in the whole run.
    package var ordinals: [Int]
    /// The whole run's size.
    package var total: Int
    package var shard: Shard?

    /// Keeps the items of `shard` (all of them without one); `key` names an item for hashing.
    package init(_ all: [Item], shard: Shard?, key: (Item) -> String) {
        var items: [Item] = []
        var ordinals: [Int] = []
        for (ordinal, item) in all.enumerated() where shard?.contains(key(item)) ?? true {
            items.append(item)
            ordinals.append(ordinal)
        }
        self.items = items
        self.ordinals = ordinals
        self.total = all.count
        self.shard = shard
    }

    /// What reports say about the shard.
    package var info: ShardInfo? { shard.map { ShardInfo(index: $0.index, total: $0.total, totalCases: total) } }
}
