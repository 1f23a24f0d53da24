import ISO7816

/// The T=1 parameters an ATR sets (ISO/IEC 7816-3 §11.4): IFSC (first TA for T=1), BWI/CWI
/// (first TB for T=1), the EDC kind (first TC for T=1), with the defaults when absent.
/// "For T=1" means a TAi/TBi/TCi with i ≥ 3 whose group a TD(i−1) naming T=1 introduces.
public struct T1Parameters: Hashable, Sendable {
    /// The card's information field size: the most INF bytes the card accepts in one block. Default 32.
    public var ifsc: Int
    /// The error detection code.
    public var edc: T1EDCKind
    /// Block waiting time integer (TB bits 8–5). Default 4.
    public var bwi: Int
    /// Character waiting time integer (TB bits 4–1). Default 13.
    public var cwi: Int
    /// TC1, the extra guard time integer N (0 when absent). Reported for timing; the card does not use it.
    public var extraGuardTime: Int

    /// The defaults of an ATR that says nothing about T=1.
    public static let defaults = T1Parameters(ifsc: 32, edc: .lrc, bwi: 4, cwi: 13, extraGuardTime: 0)

    public init(ifsc: Int, edc: T1EDCKind, bwi: Int, cwi: Int, extraGuardTime: Int = 0) {
        self.ifsc = ifsc
        self.edc = edc
        self.bwi = bwi
        self.cwi = cwi
        self.extraGuardTime = extraGuardTime
    }

    /// Reads the parameters from an ATR that offers T=1.
    public init(atr: ATR) throws(T1ParametersError) {
        guard ATRProtocolOffer(atr: atr).offered.contains(1) else { throw .t1NotOffered }
        // Group index k ≥ 2 is TA(k+1)…; its protocol is named by the TD of group k−1.
        let t1Groups = atr.groups.indices.dropFirst(2).filter { atr.groups[$0 - 1].td == 1 }.map { atr.groups[$0] }
        var parameters = Self.defaults
        parameters.extraGuardTime = Int(atr.groups.first?.tc ?? 0)
        if let ta = t1Groups.lazy.compactMap(\.ta).first {
            guard (1...254).contains(ta) else { throw .invalidIFSC(ta) }
            parameters.ifsc = Int(ta)
        }
        if let tb = t1Groups.lazy.compactMap(\.tb).first {
            guard tb >> 4 <= 9 else { throw .reservedBWI(tb) }
            parameters.bwi = Int(tb >> 4)
            parameters.cwi = Int(tb & 0x0F)
        }
        if let tc = t1Groups.lazy.compactMap(\.tc).first {
            parameters.edc = tc & 0x01 == 0 ? .lrc : .crc
        }
        self = parameters
    }

    /// One elementary time unit, F / (D × f), for clock frequency `clockHz` and the F and D in force.
    public func etu(clockHz: Double, f: Int = 372, d: Int = 1) -> Duration {
        .seconds(Double(f) / (Double(d) * clockHz))
    }

    /// BWT = 11 etu + 2^BWI × 960 × Fd / f, with Fd = 372 (§11.4.3). 1.43 s for BWI 4 at 4 MHz.
    public func blockWaitingTime(clockHz: Double, f: Int = 372, d: Int = 1) -> Duration {
        etu(clockHz: clockHz, f: f, d: d) * 11 + .seconds(Double(1 << bwi) * 960 * 372 / clockHz)
    }

    /// CWT = (11 + 2^CWI) etu (§11.4.3). 4.0 ms for CWI 5 at 4 MHz, F 372, D 1.
    public func characterWaitingTime(clockHz: Double, f: Int = 372, d: Int = 1) -> Duration {
        etu(clockHz: clockHz, f: f, d: d) * (11 + (1 << cwi))
    }
}

/// The T=1 epilogue kind (TC for T=1, bit 1).
public enum T1EDCKind: Hashable, Sendable {
    /// One-byte longitudinal redundancy check (the default).
    case lrc
    /// Two-byte CRC. Not implemented by ``T1CardProtocol``: no catalogue ATR asks for it.
    case crc
}

/// Why an ATR's T=1 parameters cannot be used.
public enum T1ParametersError: Error, Hashable, Sendable, CustomStringConvertible {
    case t1NotOffered
    case invalidIFSC(UInt8)
    case reservedBWI(UInt8)

    public var description: String {
        switch self {
        case .t1NotOffered: return "the ATR offers no T=1 (no TD byte names protocol 1)"
        case .invalidIFSC(let value): return "IFSC \(Hex.encode([value])) is outside 01…FE"
        case .reservedBWI(let tb): return "TB \(Hex.encode([tb])) has BWI \(tb >> 4); values above 9 are reserved"
        }
    }
}
