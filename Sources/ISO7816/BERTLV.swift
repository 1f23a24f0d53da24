/// A BER-TLV data object (ISO/IEC 7816-4 §5.2, ITU-T X.690): a tag of one or more bytes, a
/// length and a value that is either primitive bytes or nested objects.
public struct BERTLV: Hashable, Sendable {
    /// The tag, as its encoded bytes folded into an integer (e.g. `0xDF22`, `0x7F21`, `0x30`).
    public var tag: UInt32
    /// The value bytes.
    public var value: [UInt8]

    public init(tag: UInt32, value: [UInt8]) {
        self.tag = tag
        self.value = value
    }

    /// A constructed object whose value is the encoding of `children`.
    public init(tag: UInt32, children: [BERTLV], lengthForm: LengthForm = .minimal) {
        self.tag = tag
        self.value = children.flatMap { $0.encoded(lengthForm: lengthForm) }
    }

    /// Whether the tag's constructed bit (b6 of the first byte) is set.
    public var isConstructed: Bool { Self.tagBytes(tag).first.map { $0 & 0x20 != 0 } ?? false }

    /// How lengths are written.
    public enum LengthForm: Sendable {
        /// DER: the shortest form (`81 xx` for 128…255).
        case minimal
        /// The form the My Number card uses: one byte below 128, otherwise always `82 hi lo`.
        case card
    }

    /// The encoding of this object.
    public func encoded(lengthForm: LengthForm = .minimal) -> [UInt8] {
        Self.tagBytes(tag) + Self.encodeLength(value.count, form: lengthForm) + value
    }

    /// The bytes of a tag number.
    public static func tagBytes(_ tag: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        var t = tag
        repeat {
            bytes.insert(UInt8(t & 0xFF), at: 0)
            t >>= 8
        } while t != 0
        return bytes
    }

    /// A BER length field.
    public static func encodeLength(_ length: Int, form: LengthForm = .minimal) -> [UInt8] {
        switch (length, form) {
        case (..<128, _): return [UInt8(length)]
        case (..<256, .minimal): return [0x81, UInt8(length)]
        case (..<65_536, _): return [0x82, UInt8(length >> 8), UInt8(length & 0xFF)]
        default: return [0x83, UInt8(length >> 16), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
        }
    }

    /// The tag and length of an object at the start of `bytes`, and how many bytes they take: a
    /// header can be read before the value has arrived (the first bytes of a file).
    public struct Header: Hashable, Sendable {
        public var tag: UInt32
        /// The bytes the tag and length fields take, as encoded (never recomputed: the card writes
        /// `82 hi lo` where DER would write `81 xx`).
        public var headerLength: Int
        public var valueLength: Int
        /// Header and value together.
        public var totalLength: Int { headerLength + valueLength }
    }

    /// Parses the tag and length at the start of `bytes`; the value need not follow.
    public static func parseHeader(_ bytes: ArraySlice<UInt8>) throws(TLVError) -> Header {
        var index = bytes.startIndex
        func next() throws(TLVError) -> UInt8 {
            guard index < bytes.endIndex else { throw .truncated(at: index - bytes.startIndex) }
            defer { index += 1 }
            return bytes[index]
        }
        let first = try next()
        var tag = UInt32(first)
        if first & 0x1F == 0x1F {
            var byte: UInt8
            var count = 0
            repeat {
                byte = try next()
                tag = tag << 8 | UInt32(byte)
                count += 1
                guard count <= 3 else { throw .tagTooLong }
            } while byte & 0x80 != 0
        }
        let lengthByte = try next()
        var length = 0
        if lengthByte < 0x80 {
            length = Int(lengthByte)
        } else {
            let count = Int(lengthByte & 0x7F)
            guard (1...3).contains(count) else { throw .unsupportedLength(lengthByte) }
            for _ in 0..<count { length = length << 8 | Int(try next()) }
        }
        return Header(tag: tag, headerLength: index - bytes.startIndex, valueLength: length)
    }

    /// Parses one object at the start of `bytes`, returning it and the number of bytes consumed.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(TLVError) -> (BERTLV, consumed: Int) {
        let header = try parseHeader(bytes)
        let start = bytes.startIndex + header.headerLength
        guard bytes.endIndex - start >= header.valueLength else {
            throw .valueTruncated(declared: header.valueLength, available: bytes.endIndex - start)
        }
        return (BERTLV(tag: header.tag, value: Array(bytes[start..<start + header.valueLength])), header.totalLength)
    }

    /// Parses one object at the start of `bytes` (trailing bytes, such as filler, are ignored).
    public init(parsing bytes: [UInt8]) throws(TLVError) {
        self = try Self.parse(bytes[...]).0
    }

    /// Parses a sequence of objects filling `bytes` exactly.
    public static func parseAll(_ bytes: [UInt8]) throws(TLVError) -> [BERTLV] {
        var out: [BERTLV] = []
        var rest = bytes[...]
        while !rest.isEmpty {
            let (object, consumed) = try parse(rest)
            out.append(object)
            rest = rest.dropFirst(consumed)
        }
        return out
    }

    /// The nested objects of a constructed value.
    public func children() throws(TLVError) -> [BERTLV] { try Self.parseAll(value) }

    /// The first nested object with `tag`.
    public func child(_ tag: UInt32) throws(TLVError) -> BERTLV? { try children().first { $0.tag == tag } }

    /// The size of tag + length header for a given value length, as encoded.
    public static func headerLength(tag: UInt32, valueLength: Int, form: LengthForm = .minimal) -> Int {
        tagBytes(tag).count + encodeLength(valueLength, form: form).count
    }
}

/// Why bytes are not BER-TLV.
public enum TLVError: Error, Hashable, Sendable, CustomStringConvertible {
    case truncated(at: Int)
    case tagTooLong
    case unsupportedLength(UInt8)
    case valueTruncated(declared: Int, available: Int)

    public var description: String {
        switch self {
        case .truncated(let at): return "TLV ends early at byte \(at)"
        case .tagTooLong: return "tag longer than 4 bytes"
        case .unsupportedLength(let b): return "unsupported length byte \(Hex.encode([b]))"
        case .valueTruncated(let declared, let available):
            return "length says \(declared) bytes but only \(available) follow"
        }
    }
}
