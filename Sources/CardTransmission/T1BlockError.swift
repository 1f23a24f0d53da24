import ISO7816

/// Why received bytes are not a T=1 block. ``edcError`` tells which R-block error code answers it.
public enum T1BlockError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer than the 4 bytes of prologue and epilogue.
    case tooShort(Int)
    /// LEN is `FF`, which ISO/IEC 7816-3 reserves.
    case reservedLength
    /// LEN does not match the number of INF bytes received.
    case lengthMismatch(declared: Int, received: Int)
    /// The LRC does not match.
    case badEDC(expected: UInt8, found: UInt8)
    /// PCB has reserved bits set (I-block bits 5–1, R-block bit 6, R-block error codes 3–15).
    case reservedBits(pcb: UInt8)
    /// An R-block with INF, or an S-block whose INF length does not suit its type.
    case unexpectedLength(pcb: UInt8, length: Int)
    /// An S-block type other than RESYNCH, IFS, ABORT and WTX.
    case unknownSupervisoryType(pcb: UInt8)
    /// S(IFS) with `00` or `FF`; IFS values are 1…254.
    case invalidInformationFieldSize(UInt8)

    /// Whether the R-block answering this error carries "EDC error" (else "other error").
    public var isEDCError: Bool {
        if case .badEDC = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .tooShort(let n): return "a T=1 block has at least 4 bytes (NAD PCB LEN EDC), got \(n)"
        case .reservedLength: return "LEN FF is reserved; an information field has at most 254 bytes"
        case .lengthMismatch(let declared, let received):
            return "LEN says \(declared) information byte\(declared == 1 ? "" : "s") but \(received) arrived between LEN and EDC"
        case .badEDC(let expected, let found):
            return "the LRC is \(Hex.encode([found])), the bytes give \(Hex.encode([expected]))"
        case .reservedBits(let pcb): return "PCB \(Hex.encode([pcb])) sets reserved bits"
        case .unexpectedLength(let pcb, let length):
            return "a block with PCB \(Hex.encode([pcb])) cannot carry \(length) information byte\(length == 1 ? "" : "s")"
        case .unknownSupervisoryType(let pcb): return "PCB \(Hex.encode([pcb])) is not RESYNCH, IFS, ABORT or WTX"
        case .invalidInformationFieldSize(let value): return "IFS \(Hex.encode([value])) is outside 01…FE"
        }
    }
}
