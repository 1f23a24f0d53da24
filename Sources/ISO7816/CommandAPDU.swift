/// A command APDU as defined by ISO/IEC 7816-3 §12.1 and 7816-4 §5.1: a 4-byte header,
/// optional command data and an optional expected response length, in short or extended form.
public struct CommandAPDU: Hashable, Sendable {
    /// Class byte.
    public var cla: UInt8
    /// Instruction byte.
    public var ins: UInt8
    /// First parameter.
    public var p1: UInt8
    /// Second parameter.
    public var p2: UInt8
    /// Command data (empty for cases 1 and 2).
    public var data: [UInt8]
    /// Expected response length Ne (1…256 short, 1…65 536 extended), or `nil` when absent.
    public var ne: Int?
    /// Whether the APDU uses (or will be encoded with) extended length fields.
    public var isExtended: Bool

    /// Creates a command. Extended form is chosen automatically when the data or Ne needs it.
    public init(cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], ne: Int? = nil, forceExtended: Bool = false) {
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.ne = ne
        self.isExtended = forceExtended || data.count > 255 || (ne ?? 0) > 256
    }

    /// The ISO 7816-3 case of this command.
    public var `case`: APDUCase {
        switch (data.isEmpty, ne == nil) {
        case (true, true): return .case1
        case (true, false): return .case2
        case (false, true): return .case3
        case (false, false): return .case4
        }
    }

    /// Parses the bytes of a command APDU. Every length inconsistency is reported as an
    /// ``APDUFormatError`` (which a card answers with `6700`); this never traps.
    public init(bytes: [UInt8]) throws(APDUFormatError) {
        guard bytes.count >= 4 else { throw .tooShort(bytes.count) }
        let header = (bytes[0], bytes[1], bytes[2], bytes[3])
        let body = bytes[4...]
        var data: [UInt8] = []
        var ne: Int? = nil
        var extended = false
        switch body.count {
        case 0:
            break  // case 1
        case 1:
            ne = Self.shortNe(body[body.startIndex])  // case 2 short
        default:
            let first = body[body.startIndex]
            if first != 0 {
                // Short case 3 or 4: Lc = first.
                let lc = Int(first)
                let rest = body.count - 1
                if rest == lc {
                    data = Array(body.dropFirst())
                } else if rest == lc + 1 {
                    data = Array(body.dropFirst().prefix(lc))
                    ne = Self.shortNe(body[body.endIndex - 1])
                } else {
                    throw .lengthMismatch(declared: lc, actual: rest)
                }
            } else {
                // Extended: 00 then two bytes.
                extended = true
                guard body.count >= 3 else { throw .truncatedExtendedLength }
                let value = Int(body[body.startIndex + 1]) << 8 | Int(body[body.startIndex + 2])
                let rest = body.count - 3
                if rest == 0 {
                    ne = value == 0 ? 65_536 : value  // extended case 2
                } else {
                    guard value != 0 else { throw .zeroLc }
                    if rest == value {
                        data = Array(body.dropFirst(3))
                    } else if rest == value + 2 {
                        data = Array(body.dropFirst(3).prefix(value))
                        let le = Int(body[body.endIndex - 2]) << 8 | Int(body[body.endIndex - 1])
                        ne = le == 0 ? 65_536 : le
                    } else {
                        throw .lengthMismatch(declared: value, actual: rest)
                    }
                }
            }
        }
        self.cla = header.0
        self.ins = header.1
        self.p1 = header.2
        self.p2 = header.3
        self.data = data
        self.ne = ne
        self.isExtended = extended
    }

    private static func shortNe(_ byte: UInt8) -> Int { byte == 0 ? 256 : Int(byte) }

    /// The encoded bytes (short form unless ``isExtended``).
    public var bytes: [UInt8] {
        var out: [UInt8] = [cla, ins, p1, p2]
        if isExtended {
            if !data.isEmpty {
                out += [0, UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data
            }
            if let ne {
                let le = ne >= 65_536 ? 0 : ne
                if data.isEmpty { out.append(0) }
                out += [UInt8(le >> 8), UInt8(le & 0xFF)]
            }
        } else {
            if !data.isEmpty { out += [UInt8(data.count)] + data }
            if let ne { out.append(ne >= 256 ? 0 : UInt8(ne)) }
        }
        return out
    }
}

/// The four ISO/IEC 7816-3 command cases.
public enum APDUCase: Int, Sendable {
    case case1 = 1
    case case2, case3, case4
}

/// Why a byte string is not a well-formed command APDU. A card answers all of these with `6700`.
public enum APDUFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    case tooShort(Int)
    case lengthMismatch(declared: Int, actual: Int)
    case truncatedExtendedLength
    case zeroLc

    public var description: String {
        switch self {
        case .tooShort(let n): return "a command APDU needs at least 4 header bytes, got \(n)"
        case .lengthMismatch(let declared, let actual):
            return "Lc says \(declared) data bytes but \(actual) bytes follow it"
        case .truncatedExtendedLength: return "an extended length field needs 3 bytes"
        case .zeroLc: return "an extended Lc of 0 is not allowed"
        }
    }
}
