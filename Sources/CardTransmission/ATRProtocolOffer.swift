import ISO7816

/// A transmission protocol this package implements.
public enum TransmissionProtocol: Int, Hashable, Sendable, CustomStringConvertible {
    case t0 = 0
    case t1 = 1

    public var description: String { "T=\(rawValue)" }
}

/// What an ATR offers the interface device (ISO/IEC 7816-3 §8.2.3, §8.3): the protocols in the
/// order the TD bytes name them, the default one, specific or negotiable mode, and TA1. The T=1
/// parameters are ``T1Parameters/init(atr:)``.
public struct ATRProtocolOffer: Hashable, Sendable {
    /// Protocol numbers named by TD1, TD2, … in order, without repeats and without T=15 (global
    /// bytes, not a protocol). `[0]` when no TD byte is present.
    public var offered: [Int]
    /// TA1 (Fi/Di offered), when present.
    public var ta1: TransmissionFactors?
    /// TA2, when present: the card is in specific mode and allows no PPS.
    public var ta2: UInt8?

    public init(atr: ATR) {
        var offered: [Int] = []
        for group in atr.groups {
            guard let td = group.td else { continue }
            let number = Int(td & 0x0F)
            if number != 15 && !offered.contains(number) { offered.append(number) }
        }
        self.offered = offered.isEmpty ? [0] : offered
        self.ta1 = atr.groups.first?.ta.map(TransmissionFactors.init)
        self.ta2 = atr.groups.count > 1 ? atr.groups[1].ta : nil
    }

    /// Whether TA2 puts the card in specific mode (no PPS; the protocol is TA2's low nibble).
    public var isSpecificMode: Bool { ta2 != nil }

    /// The protocol in force right after the ATR: TA2's in specific mode, else the first offered
    /// (ISO/IEC 7816-3 §8.2.3: "the first offered protocol" is the default in negotiable mode).
    public var defaultProtocol: Int {
        if let ta2 { return Int(ta2 & 0x0F) }
        return offered[0]
    }

    /// The offered protocols this package implements, in ATR order.
    public var supported: [TransmissionProtocol] {
        offered.compactMap(TransmissionProtocol.init(rawValue:))
    }

    /// In specific mode, whether TA2 bit 5 says "implicit parameters" (F and D not from TA1).
    /// The Debian CCID driver refuses such a card (IFD_COMMUNICATION_ERROR).
    public var usesImplicitParameters: Bool { (ta2 ?? 0) & 0x10 != 0 }
}
