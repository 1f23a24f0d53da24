import Foundation
import Yams

/// A problem found while decoding a YAML node tree: the key path, the place in the file and the
/// project's own sentence for it.
struct YAMLDecodingProblem: Error {
    var path: [String]
    var mark: Mark?
    var message: String
}

/// Decodes a `Decodable` value from a YAML node tree, strictly: every mapping key the value's
/// type does not read is reported (with the nearest valid key), a scalar that is not one of an
/// enumeration's values lists them, and a type mismatch is said in words. Every problem carries
/// the node's place in the file.
enum YAMLNodeDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from node: Node) throws(YAMLDecodingProblem) -> T {
        let log = KeyLog()
        let value: T
        do {
            value = try NodeDecoder(node: node, path: [], log: log).decodeValue(T.self, from: node, path: [])
        } catch let problem as YAMLDecodingProblem {
            throw log.misspelling(explaining: problem) ?? problem
        } catch {
            throw YAMLDecodingProblem(path: [], mark: node.mark, message: "cannot be read: \(error)")
        }
        if let unknown = log.unknownKeys().first { throw unknown }
        return value
    }
}

/// What the decoded types asked of each mapping: the keys they read, or that they read them all.
final class KeyLog {
    struct Entry {
        var path: [String]
        var mapping: Node.Mapping
        var requested: Set<String> = []
        var readsEveryKey = false
    }
    private var entries: [String: Entry] = [:]

    func opened(_ mapping: Node.Mapping, at path: [String]) {
        let id = path.joined(separator: "\u{1F}")
        if entries[id] == nil { entries[id] = Entry(path: path, mapping: mapping) }
    }

    func requested(_ key: String, at path: [String]) {
        entries[path.joined(separator: "\u{1F}")]?.requested.insert(key)
    }

    func readsEveryKey(at path: [String]) {
        entries[path.joined(separator: "\u{1F}")]?.readsEveryKey = true
    }

    /// Every key no type asked for, in file order, each with the nearest valid key.
    func unknownKeys() -> [YAMLDecodingProblem] {
        var problems: [YAMLDecodingProblem] = []
        for entry in entries.values where !entry.readsEveryKey {
            for (key, _) in entry.mapping {
                guard let name = key.string, !entry.requested.contains(name) else { continue }
                problems.append(
                    YAMLDecodingProblem(
                        path: entry.path, mark: key.mark, message: Self.unknownKeyMessage(name, valid: entry.requested)))
            }
        }
        return problems.sorted { ($0.mark?.line ?? 0, $0.mark?.column ?? 0) < ($1.mark?.line ?? 0, $1.mark?.column ?? 0) }
    }

    /// A missing key is often a misspelled one: the key that is there instead, named as unknown.
    func misspelling(explaining problem: YAMLDecodingProblem) -> YAMLDecodingProblem? {
        guard let missing = problem.missingKey, let entry = entries[problem.path.joined(separator: "\u{1F}")] else { return nil }
        for (key, _) in entry.mapping {
            guard let name = key.string, !entry.requested.contains(name), NearestName.distance(name, missing) <= 2 else { continue }
            return YAMLDecodingProblem(
                path: problem.path, mark: key.mark, message: "unknown key '\(name)' (did you mean `\(missing)`?)")
        }
        return nil
    }

    static func unknownKeyMessage(_ name: String, valid: Set<String>) -> String {
        if let near = NearestName.nearest(to: name, in: valid) { return "unknown key '\(name)' (did you mean `\(near)`?)" }
        return "unknown key '\(name)'; the keys here are \(valid.sorted().joined(separator: ", "))"
    }
}

extension YAMLDecodingProblem {
    /// The key a "missing key" problem names.
    var missingKey: String? {
        guard message.hasPrefix("missing key '"), let end = message.dropFirst(13).firstIndex(of: "'") else { return nil }
        return String(message.dropFirst(13)[..<end])
    }
}

/// The decoder handed to `init(from:)`: one node of the tree.
struct NodeDecoder: Decoder {
    let node: Node
    let path: [String]
    let log: KeyLog
    var codingPath: [any CodingKey] { path.map { NodeKey(stringValue: $0) } }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(node: Node, path: [String], log: KeyLog) {
        self.node = node
        self.path = path
        self.log = log
    }

    func problem(_ message: String, at node: Node? = nil, path: [String]? = nil) -> YAMLDecodingProblem {
        YAMLDecodingProblem(path: path ?? self.path, mark: (node ?? self.node).mark, message: message)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let mapping = node.mapping else { throw problem("expected a mapping (key: value lines), got \(NodeWords.describe(node))") }
        log.opened(mapping, at: path)
        return KeyedDecodingContainer(KeyedNodeContainer<Key>(decoder: self, mapping: mapping))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let sequence = node.sequence else { throw problem("expected a list, got \(NodeWords.describe(node))") }
        return UnkeyedNodeContainer(decoder: self, items: Array(sequence))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleNodeContainer(decoder: self) }

    /// Decodes `type` from `node`: scalars by Yams' constructors, enumerations of strings by
    /// their raw values, everything else by its own `init(from:)`.
    func decodeValue<T: Decodable>(_ type: T.Type, from node: Node, path: [String]) throws -> T {
        if let scalarType = T.self as? any ScalarConstructible.Type {
            guard let scalar = node.scalar else {
                throw problem("expected \(NodeWords.expected(T.self)), got \(NodeWords.describe(node))", at: node, path: path)
            }
            guard let value = scalarType.construct(from: scalar) as? T else {
                throw problem("expected \(NodeWords.expected(T.self)), got '\(scalar.string)'", at: node, path: path)
            }
            return value
        }
        if let enumeration = T.self as? any (CaseIterable & RawRepresentable<String>).Type {
            guard let scalar = node.scalar else {
                throw problem(
                    "expected one of \(Self.values(enumeration).joined(separator: ", ")), got \(NodeWords.describe(node))", at: node,
                    path: path)
            }
            guard let value = Self.value(enumeration, scalar.string) as? T else {
                throw problem("'\(scalar.string)' is not one of \(Self.values(enumeration).joined(separator: ", "))", at: node, path: path)
            }
            return value
        }
        do {
            return try T(from: NodeDecoder(node: node, path: path, log: log))
        } catch let error as DecodingError {
            // A type's own check (e.g. a date that does not exist): its words, at this node.
            throw problem(NodeWords.describe(error), at: node, path: path)
        }
    }

    static func values<E: CaseIterable & RawRepresentable<String>>(_ type: E.Type) -> [String] { E.allCases.map(\.rawValue) }
    static func value<E: CaseIterable & RawRepresentable<String>>(_ type: E.Type, _ raw: String) -> E? { E(rawValue: raw) }
}

/// A coding key made of a string (or a list index).
struct NodeKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = Int(stringValue)
    }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

struct KeyedNodeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeDecoder
    let mapping: Node.Mapping
    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        decoder.log.readsEveryKey(at: decoder.path)
        return mapping.compactMap { $0.key.string.flatMap(Key.init(stringValue:)) }
    }

    func node(for key: Key) -> Node? {
        decoder.log.requested(key.stringValue, at: decoder.path)
        return mapping[key.stringValue]
    }

    func contains(_ key: Key) -> Bool { node(for: key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { node(for: key).map(NodeWords.isNull) ?? true }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let value = node(for: key) else { throw decoder.problem("missing key '\(key.stringValue)'") }
        return try decoder.decodeValue(T.self, from: value, path: decoder.path + [key.stringValue])
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = node(for: key), !NodeWords.isNull(value) else { return nil }
        return try decoder.decodeValue(T.self, from: value, path: decoder.path + [key.stringValue])
    }

    func nestedDecoder(_ key: Key) throws -> NodeDecoder {
        guard let value = node(for: key) else { throw decoder.problem("missing key '\(key.stringValue)'") }
        return NodeDecoder(node: value, path: decoder.path + [key.stringValue], log: decoder.log)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try nestedDecoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try nestedDecoder(key).unkeyedContainer() }

    func superDecoder() throws -> any Decoder { decoder }

    func superDecoder(forKey key: Key) throws -> any Decoder { try nestedDecoder(key) }
}

struct UnkeyedNodeContainer: UnkeyedDecodingContainer {
    let decoder: NodeDecoder
    let items: [Node]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(decoder: NodeDecoder, items: [Node]) {
        self.decoder = decoder
        self.items = items
    }

    mutating func next() throws -> (Node, [String]) {
        guard !isAtEnd else { throw decoder.problem("the list has only \(items.count) items") }
        defer { currentIndex += 1 }
        return (items[currentIndex], decoder.path + [String(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, NodeWords.isNull(items[currentIndex]) else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (node, path) = try next()
        return try decoder.decodeValue(T.self, from: node, path: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (node, path) = try next()
        return try NodeDecoder(node: node, path: path, log: decoder.log).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (node, path) = try next()
        return try NodeDecoder(node: node, path: path, log: decoder.log).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (node, path) = try next()
        return NodeDecoder(node: node, path: path, log: decoder.log)
    }
}

struct SingleNodeContainer: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { NodeWords.isNull(decoder.node) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.decodeValue(T.self, from: decoder.node, path: decoder.path)
    }
}

/// Words for nodes, expected types and decoding errors, for people who write YAML.
enum NodeWords {
    static func isNull(_ node: Node) -> Bool { node.null != nil }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    static func expected(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "text"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int8.Type, is Int16.Type, is Int32.Type, is Int64.Type, is UInt.Type, is UInt8.Type, is UInt16.Type,
            is UInt32.Type, is UInt64.Type:
            return "a whole number"
        case is Double.Type, is Float.Type: return "a number"
        default: return "a single value"
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context): return context.debugDescription
        case .keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return context.debugDescription
        @unknown default: return "cannot be read"
        }
    }
}

/// The name nearest to a misspelled one (optimal string alignment distance: a swap of two
/// neighbouring letters counts once), if it is near enough to be the one meant.
package enum NearestName {
    package static func nearest(to name: String, in candidates: some Sequence<String>) -> String? {
        let limit = max(2, name.count / 3)
        let scored = candidates.map { (candidate: $0, distance: distance(name.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { ($0.distance, $0.candidate) < ($1.distance, $1.candidate) }), best.distance <= limit else {
            return nil
        }
        return best.candidate
    }

    package static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}
