/// Reads a transparent EF with READ BINARY, sized by the BER-TLV object it starts with (a
/// certificate, a template): an 8-byte head gives the object's total length from the bytes its
/// header actually takes, then chunks follow up to it. A file whose head is no TLV is read to its
/// end instead (until a short answer or `6B00`). A header claiming more than `limit` bytes is
/// refused rather than followed past what the card can hold (a hostile or broken card). A file
/// shorter than the head is returned as the head read it.
public struct TransparentFileReader: Sendable {
    /// The largest file accepted.
    public var limit: Int
    /// Le of each chunk after the head (256: short READ BINARY).
    public var chunkSize: Int
    /// Bytes of the first read: enough for a tag of two bytes and an `82`-form length.
    public static let headLength = 8

    public init(limit: Int = 16_384, chunkSize: Int = 256) {
        self.limit = limit
        self.chunkSize = chunkSize
    }

    /// Reads the current EF, sending each READ BINARY through `transmit` (so callers can record or
    /// time every exchange).
    public func read(_ transmit: (CommandAPDU) throws -> ResponseAPDU) throws -> [UInt8] {
        func chunk(at offset: Int, length: Int) throws -> ResponseAPDU {
            let response = try transmit(.readBinary(offset: offset, length: length))
            guard response.data.count <= length else {
                throw FileReadError.overlongAnswer(offset: offset, asked: length, got: response.data.count)
            }
            return response
        }
        let head = try chunk(at: 0, length: Self.headLength)
        guard head.status.isSuccess else { throw FileReadError.status(offset: 0, head.status) }
        // A file shorter than the head came whole ("Le beyond the end": the rest of the file).
        guard head.data.count == Self.headLength else { return head.data }
        let total = try? BERTLV.parseHeader(head.data[...]).totalLength
        if let total, total > limit { throw FileReadError.implausibleLength(total, limit: limit) }
        var data = head.data
        if let total, data.count > total { data.removeLast(data.count - total) }
        while data.count < (total ?? limit) {
            let want = min(chunkSize, (total ?? limit) - data.count)
            let next = try chunk(at: data.count, length: want)
            if total == nil, next.status == .wrongParametersOffset { break }  // read to the end: past it
            guard next.status.isSuccess else { throw FileReadError.status(offset: data.count, next.status) }
            if total != nil, next.data.isEmpty { throw FileReadError.endedEarly(at: data.count, expected: total ?? 0) }
            data += next.data
            if total == nil, next.data.count < want { break }
        }
        return data
    }
}

/// Why a transparent EF could not be read whole.
public enum FileReadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A READ BINARY was refused.
    case status(offset: Int, StatusWord)
    /// The header claims more than the reader accepts.
    case implausibleLength(Int, limit: Int)
    /// The card answered more bytes than Le asked for.
    case overlongAnswer(offset: Int, asked: Int, got: Int)
    /// The file ended before the length its header claims.
    case endedEarly(at: Int, expected: Int)

    public var description: String {
        switch self {
        case .status(let offset, let status): return "READ BINARY at offset \(offset) answered \(status) (\(status.meaning))"
        case .implausibleLength(let n, let limit):
            return "its header claims \(n) bytes (more than \(limit)); not reading past what the card can hold"
        case .overlongAnswer(let offset, let asked, let got):
            return "READ BINARY at offset \(offset) asked for \(asked) bytes and got \(got)"
        case .endedEarly(let at, let expected): return "the file ends at \(at) bytes, but its header claims \(expected)"
        }
    }
}

extension CardChannel {
    /// Reads the current transparent EF whole (see ``TransparentFileReader``).
    public mutating func readTransparentFile(limit: Int = 16_384) throws -> [UInt8] {
        try TransparentFileReader(limit: limit).read { try transmit($0) }
    }
}
