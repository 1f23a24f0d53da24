/// Hexadecimal encoding and decoding for APDUs as people write them.
public enum Hex {
    private static let digits = Array("0123456789ABCDEF".utf8)

    /// Uppercase hex with no separators.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes, separator: String = "") -> String where Bytes.Element == UInt8 {
        var out = ""
        var first = true
        for b in bytes {
            if !first { out += separator }
            first = false
            out.unicodeScalars.append(Unicode.Scalar(digits[Int(b >> 4)]))
            out.unicodeScalars.append(Unicode.Scalar(digits[Int(b & 0x0F)]))
        }
        return out
    }

    /// Decodes hex, ignoring spaces, tabs and colons between bytes.
    public static func decode(_ text: some StringProtocol) throws(HexError) -> [UInt8] {
        var out: [UInt8] = []
        var high: UInt8? = nil
        for (offset, c) in text.utf8.enumerated() {
            let nibble: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = c - UInt8(ascii: "A") + 10
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: ":"):
                guard high == nil else { throw .splitByte(offset: offset) }
                continue
            default:
                throw .invalidCharacter(Character(Unicode.Scalar(c)), offset: offset)
            }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { throw .oddDigitCount }
        return out
    }
}

/// Why a string is not hex.
public enum HexError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidCharacter(Character, offset: Int)
    case oddDigitCount
    case splitByte(offset: Int)

    public var description: String {
        switch self {
        case .invalidCharacter(let c, let offset): return "'\(c)' at position \(offset + 1) is not a hex digit"
        case .oddDigitCount: return "odd number of hex digits"
        case .splitByte(let offset): return "a separator at position \(offset + 1) splits a byte"
        }
    }
}
