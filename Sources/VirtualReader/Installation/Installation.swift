import Foundation

/// Where this mynasim's shipped data and helpers are, found without a working directory: an
/// explicit option, then `MYNASIM_DATA` / `MYNASIM_HANDLER`, then the install prefix relative to
/// the binary (`<prefix>/share/mynasim`, `<prefix>/lib/mynasim`), then the source tree the binary
/// was built in, and for the handler last the pcsc-lite driver directory the system pcscd uses.
public struct Installation: Sendable {
    /// The running binary, symlinks resolved (`<prefix>/bin/mynasim` once installed).
    public var binary: URL?
    /// Its directory.
    public var binaryDirectory: URL? { binary?.deletingLastPathComponent() }
    public var environment: [String: String]
    /// The repository the binary was compiled from, if it still exists.
    public var sourceTree: URL?
    /// Where `make install-system` and the Debian package put the handler for the system pcscd.
    public var systemDriverDirectory = URL(fileURLWithPath: "/usr/lib/pcsc/drivers/serial")

    public init(binary: URL?, environment: [String: String], sourceTree: URL?) {
        self.binary = binary
        self.environment = environment
        self.sourceTree = sourceTree
    }

    /// This process: the binary from /proc/self/exe, the process environment, and the source tree
    /// this file was compiled in.
    public static var current: Installation {
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")).map(URL.init(fileURLWithPath:))
        return Installation(binary: binary, environment: ProcessInfo.processInfo.environment, sourceTree: compiledSourceTree)
    }

    /// Sources/VirtualReader/Installation/Installation.swift → the repository root.
    static var compiledSourceTree: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }

    /// The install prefix the binary is in (`<prefix>/bin/mynasim`).
    public var prefix: URL? { binaryDirectory?.deletingLastPathComponent() }

    /// Every place `item` is looked for after an explicit option, in order.
    public func candidates(for item: ShippedItem) -> [Candidate] {
        var places: [Candidate] = []
        let variable = item.environmentVariable
        let fromEnvironment = environment[variable].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        if let dataPath = item.dataPath {
            if let root = fromEnvironment {
                places.append(Candidate(url: root.appendingPathComponent(dataPath), origin: .environment(variable)))
            }
            if let prefix { places.append(Candidate(url: prefix.appendingPathComponent("share/mynasim/\(dataPath)"), origin: .prefix)) }
            if let sourceTree {
                places.append(Candidate(url: sourceTree.appendingPathComponent("vectors/\(dataPath)"), origin: .sourceTree))
            }
            return places
        }
        let file = ShippedItem.handlerFileName
        if let path = fromEnvironment { places.append(Candidate(url: path, origin: .environment(variable))) }
        if let legacy = environment["MYNASIM_IFD_HANDLER"], !legacy.isEmpty {
            places.append(Candidate(url: URL(fileURLWithPath: legacy), origin: .environment("MYNASIM_IFD_HANDLER")))
        }
        if let prefix {
            places.append(Candidate(url: prefix.appendingPathComponent("lib/mynasim/\(file)"), origin: .prefix))
            places.append(Candidate(url: prefix.appendingPathComponent("lib/pcsc/drivers/serial/\(file)"), origin: .prefix))
        }
        if let sourceTree { places.append(Candidate(url: sourceTree.appendingPathComponent("ifd-handler/\(file)"), origin: .sourceTree)) }
        places.append(Candidate(url: systemDriverDirectory.appendingPathComponent(file), origin: .systemDriver))
        return places
    }

    /// `explicit` when given (it must exist), else the first candidate that exists.
    public func locate(_ item: ShippedItem, explicit: String? = nil, option: String? = nil) throws(LookupError) -> URL {
        if let explicit {
            let url = URL(fileURLWithPath: explicit)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw .explicitMissing(item: item, path: url.path, option: option ?? item.environmentVariable)
            }
            return url
        }
        let places = candidates(for: item)
        if let found = places.first(where: { FileManager.default.fileExists(atPath: $0.url.path) }) { return found.url }
        throw .notFound(item: item, looked: places, option: option)
    }

    /// The first existing candidate, or nil (for reports that list what is missing).
    public func find(_ item: ShippedItem) -> Candidate? {
        candidates(for: item).first { FileManager.default.fileExists(atPath: $0.url.path) }
    }
}

/// One place a shipped item may be, and why it is looked at.
public struct Candidate: Hashable, Sendable, CustomStringConvertible {
    public var url: URL
    public var origin: Origin

    /// Why a place is on the list.
    public enum Origin: Hashable, Sendable, CustomStringConvertible {
        case environment(String)
        case prefix
        case sourceTree
        case systemDriver

        public var description: String {
            switch self {
            case .environment(let name): return "$\(name)"
            case .prefix: return "the install prefix of this binary"
            case .sourceTree: return "the source tree this binary was built in"
            case .systemDriver: return "the system pcscd's driver directory"
            }
        }
    }

    public var description: String { "\(url.path) (\(origin))" }
}

/// A shipped item that is not where it was looked for.
public enum LookupError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not in any of the places looked at; `option` overrides them.
    case notFound(item: ShippedItem, looked: [Candidate], option: String?)
    /// The path an option or variable named does not exist.
    case explicitMissing(item: ShippedItem, path: String, option: String)

    public var description: String {
        switch self {
        case .notFound(let item, let looked, let option):
            let places = looked.isEmpty ? "  (nowhere: the binary's location is unknown)" : looked.map { "  \($0)" }.joined(separator: "\n")
            let overrides = [option.map { "pass \($0)" }, "set \(item.environmentVariable)"].compactMap { $0 }.joined(separator: " or ")
            let build = item == .handler ? ", or build it with `make handler` in the source tree" : ""
            return "\(item.label) not found; looked in:\n\(places)\n\(overrides)\(build)"
        case .explicitMissing(let item, let path, let option):
            return "\(option) \(path): no such file or directory (expected \(item.label))"
        }
    }
}
