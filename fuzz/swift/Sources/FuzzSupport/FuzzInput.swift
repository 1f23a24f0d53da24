/// A fuzzer input read front to back as structured values (a structure-aware target turns the
/// bytes libFuzzer mutates into commands this way). Reading past the end yields zeros and empty
/// arrays, so every input decodes to something.
public struct FuzzInput {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(_ data: UnsafePointer<UInt8>?, _ count: Int) {
        self.bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    }

    /// Whether every byte has been read.
    public var isEmpty: Bool { position >= bytes.count }
    /// Bytes not read yet.
    public var remaining: Int { max(0, bytes.count - position) }

    /// The next byte (0 past the end).
    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// A big-endian 16-bit value.
    public mutating func uint16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    /// A value in `range`, from one byte (or two when the range is wider than 256).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let width = range.upperBound - range.lowerBound + 1
        let raw = width > 256 ? Int(uint16()) : Int(byte())
        return range.lowerBound + raw % width
    }

    /// Whether the next byte is odd.
    public mutating func bool() -> Bool { byte() & 1 == 1 }

    /// One element of `choices` (which must not be empty).
    public mutating func pick<T>(_ choices: [T]) -> T { choices[int(in: 0...(choices.count - 1))] }

    /// The next `count` bytes (fewer at the end).
    public mutating func bytes(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, position + max(0, count))
        defer { position = max(position, end) }
        return position < end ? Array(bytes[position..<end]) : []
    }

    /// A chunk with a one-byte length before it.
    public mutating func shortChunk() -> [UInt8] { bytes(Int(byte())) }

    /// A chunk with a two-byte big-endian length before it.
    public mutating func chunk() -> [UInt8] { bytes(Int(uint16())) }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] { bytes(remaining) }
}
