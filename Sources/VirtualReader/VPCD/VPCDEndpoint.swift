import Glibc

/// One resolved IP address (IPv4 or IPv6), without a port.
public enum VPCDAddress: Hashable, Sendable, CustomStringConvertible {
    /// IPv4, the four bytes in network order.
    case v4([UInt8])
    /// IPv6, the sixteen bytes in network order.
    case v6([UInt8])

    /// 127.0.0.0/8, ::1, or an IPv4-mapped 127.x address.
    public var isLoopback: Bool {
        switch self {
        case .v4(let b): return b.first == 127
        case .v6(let b):
            if b == [UInt8](repeating: 0, count: 15) + [1] { return true }
            return b.prefix(10).allSatisfy { $0 == 0 } && b[10] == 0xFF && b[11] == 0xFF && b[12] == 127
        }
    }

    public var description: String {
        switch self {
        case .v4(let b): return b.map(String.init).joined(separator: ".")
        case .v6(let b):
            var words: [String] = []
            for i in stride(from: 0, to: 16, by: 2) { words.append(String(Int(b[i]) << 8 | Int(b[i + 1]), radix: 16)) }
            return words.joined(separator: ":")
        }
    }
}

/// Where the card connects to: the host and TCP port on which vpcd listens for one slot.
///
/// vpcd's protocol has no authentication and no encryption: whoever listens at this address drives the
/// card (reads it, spends PIN tries) and sees every APDU, PINs included. So only loopback addresses are
/// accepted unless `allowRemote` is set.
public struct VPCDEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// The host as the user wrote it.
    public let host: String
    public let port: UInt16
    /// The addresses `host` resolved to, tried in order.
    public let addresses: [VPCDAddress]

    /// vpcd's default port (0x8C7B) for slot 0, on Linux (reader.conf) and Windows (BixVReader.ini).
    public static let defaultPort: UInt16 = 35963

    /// Parses `HOST:PORT`, `[IPv6]:PORT` or a bare `PORT` (meaning 127.0.0.1). The port may be
    /// decimal or `0x…` hex as in vpcd's reader.conf. The host is resolved now.
    public init(parsing text: String, allowRemote: Bool = false) throws(VPCDEndpointError) {
        let trimmed = text.trimmingWhitespace
        var host = "127.0.0.1"
        var portText = trimmed
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else { throw .badFormat(text) }
            host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            let rest = trimmed[trimmed.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .badFormat(text) }
            portText = String(rest.dropFirst())
        } else if let colon = trimmed.lastIndex(of: ":") {
            host = String(trimmed[..<colon])
            portText = String(trimmed[trimmed.index(after: colon)...])
            guard !host.contains(":") else { throw .badFormat(text) }  // IPv6 needs brackets
        }
        guard !host.isEmpty else { throw .badFormat(text) }
        guard let port = Self.parsePort(portText) else { throw .badPort(portText) }
        try self.init(host: host, port: port, allowRemote: allowRemote)
    }

    /// Resolves `host` and applies the loopback rule.
    public init(host: String, port: UInt16, allowRemote: Bool = false) throws(VPCDEndpointError) {
        let addresses = try Self.resolve(host)
        if !allowRemote, let remote = addresses.first(where: { !$0.isLoopback }) {
            throw .remoteNotAllowed(host: host, address: remote.description)
        }
        self.host = host
        self.port = port
        self.addresses = addresses
    }

    private init(host: String, port: UInt16, addresses: [VPCDAddress]) {
        self.host = host
        self.port = port
        self.addresses = addresses
    }

    /// The endpoint of vpcd slot `slot`: vpcd listens on port + slot for each of its slots.
    public func slot(_ slot: Int) throws(VPCDEndpointError) -> VPCDEndpoint {
        guard slot >= 0, Int(port) + slot <= Int(UInt16.max) else { throw .slotPortOutOfRange(port: port, slot: slot) }
        return VPCDEndpoint(host: host, port: port + UInt16(slot), addresses: addresses)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    static func parsePort(_ text: String) -> UInt16? {
        let value: Int?
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            value = Int(text.dropFirst(2), radix: 16)
        } else {
            value = Int(text)
        }
        guard let value, (1...65535).contains(value) else { return nil }
        return UInt16(value)
    }

    static func resolve(_ host: String) throws(VPCDEndpointError) -> [VPCDAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            throw .hostNotFound(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var out: [VPCDAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let sa = entry.pointee.ai_addr {
                if entry.pointee.ai_family == AF_INET {
                    let bytes = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                    }
                    out.append(.v4(bytes))
                } else if entry.pointee.ai_family == AF_INET6 {
                    let bytes = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                    }
                    out.append(.v6(bytes))
                }
            }
            cursor = entry.pointee.ai_next
        }
        // getaddrinfo lists one entry per socket type unless told otherwise; keep each address once.
        var seen = Set<VPCDAddress>()
        let unique = out.filter { seen.insert($0).inserted }
        guard !unique.isEmpty else { throw .hostNotFound(host: host, reason: "no IPv4 or IPv6 address") }
        // vpcd listens on IPv4 only, so IPv4 addresses go first.
        return unique.filter { if case .v4 = $0 { return true } else { return false } }
            + unique.filter { if case .v6 = $0 { return true } else { return false } }
    }
}

/// Why a vpcd address cannot be used.
public enum VPCDEndpointError: Error, Hashable, Sendable, CustomStringConvertible {
    case badFormat(String)
    case badPort(String)
    case hostNotFound(host: String, reason: String)
    case remoteNotAllowed(host: String, address: String)
    case slotPortOutOfRange(port: UInt16, slot: Int)

    public var description: String {
        switch self {
        case .badFormat(let text):
            return "'\(text)' is not a vpcd address: write HOST:PORT (e.g. 127.0.0.1:35963), [IPv6]:PORT, or just PORT"
        case .badPort(let text):
            return "'\(text)' is not a TCP port: use 1–65535 (vpcd's default is 35963, 0x8C7B)"
        case .hostNotFound(let host, let reason):
            return "cannot resolve vpcd host '\(host)': \(reason)"
        case .remoteNotAllowed(let host, let address):
            let shown = host == address ? host : "\(host) (\(address))"
            return "refusing to connect the card to vpcd at \(shown), which is not this machine: the vpcd protocol has no "
                + "authentication or encryption, so whoever listens there drives the card and sees every APDU, PINs "
                + "included. Use an SSH tunnel to a loopback port, or allow remote hosts explicitly on a network you trust"
        case .slotPortOutOfRange(let port, let slot):
            return "slot \(slot) would use port \(Int(port) + slot) (vpcd listens on port + slot), which is not a TCP port"
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
