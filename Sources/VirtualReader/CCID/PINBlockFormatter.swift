/// Puts PIN digits into an APDU template the way bmFormatString, bmPINBlockString and
/// bmPINLengthFormat describe. Positions count from the first byte of the APDU data field (after
/// CLA INS P1 P2 Lc); a PIN's block starts at its insertion offset (0 for a verification).
public enum PINBlockFormatter {
    /// Whether a PIN of `format.maximumDigits` digits fits the template at `offset`.
    public static func check(_ format: PINFormat, apdu: [UInt8], offset: Int = 0) throws(PINFormatError) {
        let digits = [UInt8](repeating: 0, count: format.maximumDigits)
        _ = try insert(digits, into: apdu, format: format, offset: offset)
    }

    /// The APDU with `digits` (each 0…9) inserted. A case 1 template (4 bytes) gets Lc and a data
    /// field of the block size (filled with FF), or of the PIN's own size when the block size is 0.
    public static func insert(_ digits: [UInt8], into apdu: [UInt8], format: PINFormat, offset: Int = 0) throws(PINFormatError) -> [UInt8] {
        guard apdu.count >= 4 else { throw .templateTooShort(apdu.count) }
        guard let encoding = format.encoding else { throw .reservedEncoding }
        guard digits.allSatisfy({ $0 <= 9 }) else { throw .notADigit }
        var header = Array(apdu.prefix(4))
        var data: [UInt8]
        if apdu.count == 4 {
            let pinBytes = (digits.count * format.bitsPerDigit + 7) / 8
            data = [UInt8](repeating: 0xFF, count: offset + max(format.blockSize, pinBytes))
        } else {
            data = Array(apdu.dropFirst(5))
        }
        let base = offset * 8
        let pinBits = digits.count * format.bitsPerDigit
        var pinStart = base + (format.positionsInBytes ? format.pinPosition * 8 : format.pinPosition)
        if format.rightJustified && format.blockSize > 0 {
            pinStart = base + format.blockSize * 8 - pinBits
        }
        guard pinStart >= base, pinStart + pinBits <= data.count * 8 else {
            throw .doesNotFit(bits: pinBits, at: pinStart, available: data.count * 8)
        }
        if format.blockSize > 0 && pinStart + pinBits > base + format.blockSize * 8 {
            throw .doesNotFit(bits: pinBits, at: pinStart, available: base + format.blockSize * 8)
        }
        for (index, digit) in digits.enumerated() {
            let value: UInt =
                switch encoding {
                case .ascii: UInt(0x30 + digit)
                case .bcd, .binary: UInt(digit)
                }
            try write(value, bits: format.bitsPerDigit, at: pinStart + index * format.bitsPerDigit, into: &data)
        }
        if format.lengthFieldBits > 0 {
            let at = base + (format.lengthPositionInBytes ? format.lengthPosition * 8 : format.lengthPosition)
            try write(UInt(digits.count), bits: format.lengthFieldBits, at: at, into: &data)
        }
        header.append(UInt8(truncatingIfNeeded: data.count))
        return header + data
    }

    /// Writes the low `bits` bits of `value` at bit offset `at` (most significant bit first).
    private static func write(_ value: UInt, bits: Int, at: Int, into data: inout [UInt8]) throws(PINFormatError) {
        guard at >= 0, at + bits <= data.count * 8 else { throw .doesNotFit(bits: bits, at: at, available: data.count * 8) }
        for bit in 0..<bits {
            let set = value >> UInt(bits - 1 - bit) & 1 == 1
            let position = at + bit
            let mask = UInt8(0x80) >> UInt8(position % 8)
            if set { data[position / 8] |= mask } else { data[position / 8] &= ~mask }
        }
    }
}

/// Why a PIN cannot be put into an APDU template.
public enum PINFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    case templateTooShort(Int)
    case reservedEncoding
    case notADigit
    case doesNotFit(bits: Int, at: Int, available: Int)

    public var description: String {
        switch self {
        case .templateTooShort(let n): return "an APDU template needs at least CLA INS P1 P2, got \(n) bytes"
        case .reservedEncoding: return "bmFormatString names the reserved PIN encoding 3"
        case .notADigit: return "a PIN digit is not 0-9"
        case .doesNotFit(let bits, let at, let available):
            return "\(bits) bits at bit \(at) do not fit the \(available) bits of the PIN block or data field"
        }
    }
}
