/// A response APDU: response data followed by the two status bytes.
public struct ResponseAPDU: Hashable, Sendable {
    /// Response data (without the status word).
    public var data: [UInt8]
    /// The status word SW1-SW2.
    public var status: StatusWord

    public init(data: [UInt8] = [], status: StatusWord) {
        self.data = data
        self.status = status
    }

    /// Parses a response; fewer than two bytes is not a response.
    public init(bytes: [UInt8]) throws(ResponseFormatError) {
        guard bytes.count >= 2 else { throw .missingStatusWord(bytes.count) }
        self.data = Array(bytes.dropLast(2))
        self.status = StatusWord(bytes[bytes.count - 2], bytes[bytes.count - 1])
    }

    /// Data followed by SW1 SW2.
    public var bytes: [UInt8] { data + [status.sw1, status.sw2] }
}

/// A byte string that cannot be a response APDU.
public enum ResponseFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    case missingStatusWord(Int)
    public var description: String {
        switch self {
        case .missingStatusWord(let n): return "a response APDU ends in a 2-byte status word, got \(n) bytes"
        }
    }
}
