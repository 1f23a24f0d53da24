/// The clock rate conversion integer F and the baud rate adjustment integer D that one TA1 (or
/// PPS1) byte encodes (ISO/IEC 7816-3 §8.3, Tables 7 and 8): high nibble Fi (with f max), low
/// nibble Di. `11` is the default Fd = 372, Dd = 1.
public struct TransmissionFactors: Hashable, Sendable, CustomStringConvertible {
    /// The TA1/PPS1 byte.
    public var byte: UInt8

    public init(_ byte: UInt8) { self.byte = byte }

    /// Fd = 372, Dd = 1.
    public static let `default` = TransmissionFactors(0x11)

    private static let fTable: [Int?] = [372, 372, 558, 744, 1116, 1488, 1860, nil, nil, 512, 768, 1024, 1536, 2048, nil, nil]
    private static let fMaxTable: [Double?] = [4, 5, 6, 8, 12, 16, 20, nil, nil, 5, 7.5, 10, 15, 20, nil, nil]
    private static let dTable: [Int?] = [nil, 1, 2, 4, 8, 16, 32, 64, 12, 20, nil, nil, nil, nil, nil, nil]

    /// The Fi index (high nibble).
    public var fIndex: Int { Int(byte >> 4) }
    /// The Di index (low nibble).
    public var dIndex: Int { Int(byte & 0x0F) }
    /// F, or `nil` for a reserved index.
    public var f: Int? { Self.fTable[fIndex] }
    /// D, or `nil` for a reserved index.
    public var d: Int? { Self.dTable[dIndex] }
    /// The maximum clock frequency in MHz the Fi index allows, or `nil` for a reserved index.
    public var fMaxMHz: Double? { Self.fMaxTable[fIndex] }
    /// Whether both indexes are defined values.
    public var isValid: Bool { f != nil && d != nil }

    /// The bit rate at clock frequency `clockHz`: f × D / F bits per second.
    public func bitRate(clockHz: Double) -> Double? {
        guard let f, let d else { return nil }
        return clockHz * Double(d) / Double(f)
    }

    public var description: String {
        "TA1 \(String(byte, radix: 16, uppercase: true)) (F=\(f.map(String.init) ?? "RFU"), D=\(d.map(String.init) ?? "RFU"))"
    }
}
