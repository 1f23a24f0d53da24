import ISO7816

/// A PPS request or response (ISO/IEC 7816-3 §9.2): `FF PPS0 [PPS1] [PPS2] [PPS3] PCK`.
/// PPS0 bits 4–1 name the protocol T; bits 5, 6, 7 announce PPS1, PPS2, PPS3; bit 8 is reserved.
public struct PPSMessage: Hashable, Sendable, CustomStringConvertible {
    /// The protocol T proposed (request) or confirmed (response), 0…15.
    public var protocolType: Int
    /// PPS1: Fi/Di in the TA1 format.
    public var pps1: UInt8?
    /// PPS2: the use of C6 (SPU).
    public var pps2: UInt8?
    /// PPS3: reserved for future use.
    public var pps3: UInt8?

    /// PPSS, the first byte of every PPS message.
    public static let ppss: UInt8 = 0xFF

    public init(protocolType: Int, pps1: UInt8? = nil, pps2: UInt8? = nil, pps3: UInt8? = nil) {
        self.protocolType = protocolType & 0x0F
        self.pps1 = pps1
        self.pps2 = pps2
        self.pps3 = pps3
    }

    /// PPS0.
    public var pps0: UInt8 {
        UInt8(protocolType & 0x0F) | (pps1 != nil ? 0x10 : 0) | (pps2 != nil ? 0x20 : 0) | (pps3 != nil ? 0x40 : 0)
    }

    /// The encoded message with its check byte PCK (the XOR of all bytes is 00).
    public var bytes: [UInt8] {
        var out: [UInt8] = [Self.ppss, pps0]
        if let pps1 { out.append(pps1) }
        if let pps2 { out.append(pps2) }
        if let pps3 { out.append(pps3) }
        out.append(out.reduce(0, ^))
        return out
    }

    /// Parses a PPS message; every malformation is a ``PPSError``.
    public init(bytes: [UInt8]) throws(PPSError) {
        guard bytes.count >= 3 else { throw .tooShort(bytes.count) }
        guard bytes[0] == Self.ppss else { throw .notPPS(bytes[0]) }
        let pps0 = bytes[1]
        guard pps0 & 0x80 == 0 else { throw .reservedBit(pps0) }
        let optional = [0x10, 0x20, 0x40].filter { pps0 & $0 != 0 }.count
        guard bytes.count == 3 + optional else { throw .lengthMismatch(expected: 3 + optional, received: bytes.count) }
        let xor = bytes.reduce(0, ^)
        guard xor == 0 else { throw .badPCK(expected: bytes.dropLast().reduce(0, ^), found: bytes[bytes.count - 1]) }
        var index = 2
        func next(_ present: Bool) -> UInt8? {
            guard present else { return nil }
            defer { index += 1 }
            return bytes[index]
        }
        let pps1 = next(pps0 & 0x10 != 0)
        let pps2 = next(pps0 & 0x20 != 0)
        let pps3 = next(pps0 & 0x40 != 0)
        self.init(protocolType: Int(pps0 & 0x0F), pps1: pps1, pps2: pps2, pps3: pps3)
    }

    public var description: String {
        let speed = pps1.map { " PPS1 \(Hex.encode([$0]))" } ?? ""
        return "PPS T=\(protocolType)\(speed) (\(Hex.encode(bytes, separator: " ")))"
    }
}

/// Why bytes are not a PPS message.
public enum PPSError: Error, Hashable, Sendable, CustomStringConvertible {
    case tooShort(Int)
    case notPPS(UInt8)
    case reservedBit(UInt8)
    case lengthMismatch(expected: Int, received: Int)
    case badPCK(expected: UInt8, found: UInt8)

    public var description: String {
        switch self {
        case .tooShort(let n): return "a PPS message has at least PPSS, PPS0 and PCK, got \(n) bytes"
        case .notPPS(let b): return "a PPS message starts with FF, got \(Hex.encode([b]))"
        case .reservedBit(let pps0): return "PPS0 \(Hex.encode([pps0])) sets the reserved bit 8"
        case .lengthMismatch(let expected, let received): return "PPS0 announces \(expected) bytes, got \(received)"
        case .badPCK(let expected, let found): return "PCK is \(Hex.encode([found])), expected \(Hex.encode([expected]))"
        }
    }
}
