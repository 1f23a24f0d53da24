/// An Answer-To-Reset (ISO/IEC 7816-3 §8.2): TS, T0, the interface bytes TA1…TDn, the
/// historical bytes and the check byte TCK.
public struct ATR: Hashable, Sendable, CustomStringConvertible {
    /// One group of interface bytes TAi, TBi, TCi, TDi (i = 1, 2, …).
    public struct InterfaceGroup: Hashable, Sendable {
        public var ta: UInt8?
        public var tb: UInt8?
        public var tc: UInt8?
        public var td: UInt8?
        public init(ta: UInt8? = nil, tb: UInt8? = nil, tc: UInt8? = nil, td: UInt8? = nil) {
            self.ta = ta
            self.tb = tb
            self.tc = tc
            self.td = td
        }
    }

    /// Initial character: `3B` direct or `3F` inverse convention.
    public var ts: UInt8
    /// Interface groups in order; the protocol of group i+1 is in the low nibble of TDi.
    public var groups: [InterfaceGroup]
    /// Historical bytes (at most 15).
    public var historicalBytes: [UInt8]

    public init(ts: UInt8 = 0x3B, groups: [InterfaceGroup], historicalBytes: [UInt8] = []) {
        self.ts = ts
        self.groups = groups
        self.historicalBytes = historicalBytes
    }

    /// The protocols offered (T=0 when no TD names another).
    public var protocols: [Int] {
        let offered = groups.compactMap { $0.td.map { Int($0 & 0x0F) } }
        return offered.isEmpty ? [0] : Array(Set(offered)).sorted()
    }

    /// Whether TCK is present: it is, unless only T=0 is indicated.
    public var hasTCK: Bool { protocols != [0] }

    /// The encoded ATR, with TDi's presence bits and TCK computed.
    public var bytes: [UInt8] {
        var out: [UInt8] = [ts]
        var groupBytes: [[UInt8]] = []
        var yBits: [UInt8] = []
        for g in groups {
            var y: UInt8 = 0
            var b: [UInt8] = []
            if let ta = g.ta {
                y |= 0x1
                b.append(ta)
            }
            if let tb = g.tb {
                y |= 0x2
                b.append(tb)
            }
            if let tc = g.tc {
                y |= 0x4
                b.append(tc)
            }
            if g.td != nil { y |= 0x8 }
            yBits.append(y)
            groupBytes.append(b)
        }
        // T0 carries Y1 and K; TDi carries Y(i+1) and the protocol.
        out.append((yBits.first ?? 0) << 4 | UInt8(historicalBytes.count & 0x0F))
        for (i, g) in groups.enumerated() {
            out += groupBytes[i]
            if let td = g.td {
                let next = i + 1 < yBits.count ? yBits[i + 1] : 0
                out.append(next << 4 | (td & 0x0F))
            }
        }
        out += historicalBytes
        if hasTCK { out.append(out.dropFirst().reduce(0, ^)) }
        return out
    }

    /// Parses and checks an ATR: structure, length, and TCK when one is required.
    public init(bytes: [UInt8]) throws(ATRError) {
        guard bytes.count >= 2 else { throw .tooShort }
        guard bytes.count <= 33 else { throw .tooLong(bytes.count) }
        guard bytes[0] == 0x3B || bytes[0] == 0x3F else { throw .invalidTS(bytes[0]) }
        var index = 1
        let t0 = bytes[1]
        index = 2
        var y = t0 >> 4
        let k = Int(t0 & 0x0F)
        var groups: [InterfaceGroup] = []
        func take() throws(ATRError) -> UInt8 {
            guard index < bytes.count else { throw .truncated }
            defer { index += 1 }
            return bytes[index]
        }
        while true {
            var g = InterfaceGroup()
            if y & 0x1 != 0 { g.ta = try take() }
            if y & 0x2 != 0 { g.tb = try take() }
            if y & 0x4 != 0 { g.tc = try take() }
            if y & 0x8 != 0 {
                let td = try take()
                g.td = td & 0x0F
                groups.append(g)
                y = td >> 4
            } else {
                groups.append(g)
                break
            }
        }
        // Drop a trailing empty group (T0 with no interface bytes at all).
        if groups.count == 1 && groups[0] == InterfaceGroup() { groups = [] }
        guard bytes.count - index >= k else { throw .truncated }
        let historical = Array(bytes[index..<index + k])
        index += k
        self.init(ts: bytes[0], groups: groups, historicalBytes: historical)
        if hasTCK {
            guard index < bytes.count else { throw .missingTCK }
            let xor = bytes[1...index].reduce(0, ^)
            guard xor == 0 else { throw .badTCK(expected: bytes[1..<index].reduce(0, ^), found: bytes[index]) }
            index += 1
        }
        guard index == bytes.count else { throw .trailingBytes(bytes.count - index) }
    }

    public var description: String { Hex.encode(bytes, separator: " ") }
}

/// Why bytes are not a valid ATR.
public enum ATRError: Error, Hashable, Sendable, CustomStringConvertible {
    case tooShort
    case tooLong(Int)
    case invalidTS(UInt8)
    case truncated
    case missingTCK
    case badTCK(expected: UInt8, found: UInt8)
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case .tooShort: return "an ATR has at least TS and T0"
        case .tooLong(let n): return "an ATR has at most 33 bytes, got \(n)"
        case .invalidTS(let b): return "TS must be 3B or 3F, got \(Hex.encode([b]))"
        case .truncated: return "ATR ends before the bytes T0/TDi announce"
        case .missingTCK: return "TCK is required when a protocol other than T=0 is offered"
        case .badTCK(let expected, let found): return "TCK is \(Hex.encode([found])), expected \(Hex.encode([expected]))"
        case .trailingBytes(let n): return "\(n) unexpected bytes after the ATR"
        }
    }
}
