/// ISO/IEC 7816-3 timing a reader derives from Fi/Di, the waiting integers and its clock.
public enum TransmissionTiming {
    /// Fi by its index (TA1 high nibble); nil is RFU.
    public static let fiTable: [Int?] = [372, 372, 558, 744, 1116, 1488, 1860, nil, nil, 512, 768, 1024, 1536, 2048, nil, nil]
    /// Di by its index (TA1 low nibble); nil is RFU.
    public static let diTable: [Int?] = [nil, 1, 2, 4, 8, 16, 32, 64, 12, 20, nil, nil, nil, nil, nil, nil]

    /// (Fi, Di) of `bmFindexDindex`, or nil when either index is RFU.
    public static func factors(_ findexDindex: UInt8) -> (f: Int, d: Int)? {
        guard let f = fiTable[Int(findexDindex >> 4)], let d = diTable[Int(findexDindex & 0x0F)] else { return nil }
        return (f, d)
    }

    /// The data rate in bit/s at `clockHz`, rounded as CCID descriptors list it.
    public static func dataRate(_ findexDindex: UInt8, clockHz: Int) -> Int? {
        guard let (f, d) = factors(findexDindex) else { return nil }
        return Int((Double(clockHz) * Double(d) / Double(f)).rounded())
    }

    /// One elementary time unit, F / (D × f).
    public static func etu(_ findexDindex: UInt8, clockHz: Int) -> Duration {
        let (f, d) = factors(findexDindex) ?? (372, 1)
        return seconds(Double(f) / (Double(d) * Double(clockHz)))
    }

    /// T=1 block waiting time: 11 etu + 2^BWI × 960 × 372 / f (ISO/IEC 7816-3 §11.4.3).
    public static func blockWaitingTime(bwi: Int, findexDindex: UInt8, clockHz: Int) -> Duration {
        let base = Double(1 << min(bwi, 15)) * 960 * 372 / Double(clockHz)
        return etu(findexDindex, clockHz: clockHz) * 11 + seconds(base)
    }

    /// T=0 work waiting time: 960 × WI × Fi / f (ISO/IEC 7816-3 §10.2).
    public static func workWaitingTime(wi: UInt8, findexDindex: UInt8, clockHz: Int) -> Duration {
        let f = factors(findexDindex)?.f ?? 372
        return seconds(960 * Double(max(wi, 1)) * Double(f) / Double(clockHz))
    }

    private static func seconds(_ value: Double) -> Duration {
        .nanoseconds(Int64((value * 1e9).rounded()))
    }
}
