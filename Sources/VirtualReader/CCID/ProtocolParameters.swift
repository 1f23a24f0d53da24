import ISO7816

/// The transmission protocol in force in a slot (bProtocolNum of SetParameters).
public enum SlotProtocol: UInt8, Hashable, Sendable, CustomStringConvertible {
    case t0 = 0
    case t1 = 1

    public var description: String { "T=\(rawValue)" }
}

/// abProtocolDataStructure of PC_to_RDR_SetParameters and RDR_to_PC_Parameters (CCID 1.1 §6.1.7).
public enum ProtocolParameters: Hashable, Sendable {
    case t0(T0ProtocolData)
    case t1(T1ProtocolData)

    /// bProtocolNum.
    public var slotProtocol: SlotProtocol {
        switch self {
        case .t0: return .t0
        case .t1: return .t1
        }
    }

    /// The encoded structure (5 bytes for T=0, 7 for T=1).
    public var encoded: [UInt8] {
        switch self {
        case .t0(let p): return [p.findexDindex, p.tccks, p.guardTime, p.waitingInteger, p.clockStop]
        case .t1(let p): return [p.findexDindex, p.tccks, p.guardTime, p.waitingIntegers, p.clockStop, p.ifsc, p.nad]
        }
    }

    /// Fi/Di as `bmFindexDindex` (high nibble Fi index, low nibble Di index).
    public var findexDindex: UInt8 {
        switch self {
        case .t0(let p): return p.findexDindex
        case .t1(let p): return p.findexDindex
        }
    }

    /// The defaults a reader starts from (and returns to on ResetParameters).
    public static func defaults(for slotProtocol: SlotProtocol) -> ProtocolParameters {
        slotProtocol == .t0 ? .t0(T0ProtocolData()) : .t1(T1ProtocolData())
    }

    /// Parses a SetParameters body. A refused byte is reported with its offset in the CCID message
    /// (the data starts at offset 10), which is what bError carries.
    public static func parse(protocolNumber: UInt8, data: [UInt8]) throws(ParameterError) -> ProtocolParameters {
        let base = CCIDHeader.length
        switch protocolNumber {
        case 0:
            guard data.count == 5 else { throw .wrongLength(expected: 5, actual: data.count) }
            guard data[1] & 0xFD == 0 else { throw .badByte(offset: base + 1) }
            guard data[4] <= 3 else { throw .badByte(offset: base + 4) }
            return .t0(
                T0ProtocolData(
                    findexDindex: data[0], tccks: data[1], guardTime: data[2], waitingInteger: data[3], clockStop: data[4]))
        case 1:
            guard data.count == 7 else { throw .wrongLength(expected: 7, actual: data.count) }
            guard data[1] & 0xFC == 0x10 else { throw .badByte(offset: base + 1) }
            guard data[4] <= 3 else { throw .badByte(offset: base + 4) }
            guard (1...254).contains(data[5]) else { throw .badByte(offset: base + 5) }
            return .t1(
                T1ProtocolData(
                    findexDindex: data[0], tccks: data[1], guardTime: data[2], waitingIntegers: data[3],
                    clockStop: data[4], ifsc: data[5], nad: data[6]))
        default:
            throw .badByte(offset: 7)
        }
    }

    /// The parameters a reader with automatic ATR configuration derives: the first protocol the ATR
    /// offers, with its TA1, TC1, TC2 (T=0) or TA3/TB3/TC3 (T=1).
    public static func fromATR(_ atr: [UInt8]) -> ProtocolParameters {
        guard let parsed = try? ATR(bytes: atr) else { return defaults(for: .t0) }
        let groups = parsed.groups
        let first = groups.first?.td.map { $0 & 0x0F } ?? 0
        let fd = groups.first?.ta ?? 0x11
        let guardTime = groups.first?.tc ?? 0
        if first == 1 {
            // T=1 specific bytes (TA3/TB3/TC3) follow the first TDi with i ≥ 2 that names T=1.
            let t1Index = groups.indices.dropFirst().first { groups[$0].td.map { $0 & 0x0F } == 1 }.map { $0 + 1 }
            let t1Group = t1Index.flatMap { $0 < groups.count ? groups[$0] : nil }
            let crc = (t1Group?.tc ?? 0) & 0x01
            return .t1(
                T1ProtocolData(
                    findexDindex: fd, tccks: 0x10 | crc, guardTime: guardTime,
                    waitingIntegers: t1Group?.tb ?? 0x4D, clockStop: 0, ifsc: t1Group?.ta ?? 0x20, nad: 0))
        }
        let wi = groups.count > 1 ? groups[1].tc ?? 0x0A : 0x0A
        return .t0(T0ProtocolData(findexDindex: fd, guardTime: guardTime, waitingInteger: wi))
    }
}

/// T=0 protocol data (5 bytes).
public struct T0ProtocolData: Hashable, Sendable {
    public var findexDindex: UInt8
    /// bmTCCKST0: bit 1 = inverse convention.
    public var tccks: UInt8
    /// bGuardTimeT0 (TC1).
    public var guardTime: UInt8
    /// bWaitingIntegerT0 (TC2, WI).
    public var waitingInteger: UInt8
    public var clockStop: UInt8

    public init(findexDindex: UInt8 = 0x11, tccks: UInt8 = 0, guardTime: UInt8 = 0, waitingInteger: UInt8 = 0x0A, clockStop: UInt8 = 0) {
        self.findexDindex = findexDindex
        self.tccks = tccks
        self.guardTime = guardTime
        self.waitingInteger = waitingInteger
        self.clockStop = clockStop
    }
}

/// T=1 protocol data (7 bytes).
public struct T1ProtocolData: Hashable, Sendable {
    public var findexDindex: UInt8
    /// bmTCCKST1: 0x10, bit 0 = CRC, bit 1 = inverse convention.
    public var tccks: UInt8
    /// bGuardTimeT1 (TC1).
    public var guardTime: UInt8
    /// bmWaitingIntegersT1 (TB3): BWI in the high nibble, CWI in the low nibble.
    public var waitingIntegers: UInt8
    public var clockStop: UInt8
    /// bIFSC (TA3).
    public var ifsc: UInt8
    public var nad: UInt8

    public init(
        findexDindex: UInt8 = 0x11, tccks: UInt8 = 0x10, guardTime: UInt8 = 0, waitingIntegers: UInt8 = 0x4D,
        clockStop: UInt8 = 0, ifsc: UInt8 = 0x20, nad: UInt8 = 0
    ) {
        self.findexDindex = findexDindex
        self.tccks = tccks
        self.guardTime = guardTime
        self.waitingIntegers = waitingIntegers
        self.clockStop = clockStop
        self.ifsc = ifsc
        self.nad = nad
    }

    /// BWI, the high nibble of TB3.
    public var blockWaitingInteger: Int { Int(waitingIntegers >> 4) }
    /// CWI, the low nibble of TB3.
    public var characterWaitingInteger: Int { Int(waitingIntegers & 0x0F) }
}

/// Why SetParameters data is refused.
public enum ParameterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The structure has the wrong size for its protocol.
    case wrongLength(expected: Int, actual: Int)
    /// The byte at this offset of the CCID message is not acceptable.
    case badByte(offset: Int)

    /// bError for the answer.
    public var errorCode: CCIDErrorCode {
        switch self {
        case .wrongLength: return .wrongLength
        case .badByte(let offset): return .badByte(at: offset)
        }
    }

    public var description: String {
        switch self {
        case .wrongLength(let expected, let actual): return "protocol data has \(actual) bytes, \(expected) expected"
        case .badByte(let offset): return "protocol data byte at offset \(offset) is not supported"
        }
    }
}
