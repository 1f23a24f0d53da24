/// vpcd's framing: a 2-byte big-endian length, then that many payload bytes. Both directions.
public enum VPCDFraming {
    /// The largest payload a 16-bit length can announce.
    public static let maxPayload = 0xFFFF
    /// The largest ATR vpcd accepts (pcscd's MAX_ATR_SIZE).
    public static let maxATR = 33

    /// Encodes one frame. A payload over 65 535 bytes cannot be framed.
    public static func frame(_ payload: [UInt8]) throws(VPCDProtocolError) -> [UInt8] {
        guard payload.count <= maxPayload else { throw .replyTooLong(payload.count) }
        return [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }

    /// The frame answering GET ATR: 1–33 bytes. vpcd refuses an ATR over 33 bytes when it powers the card,
    /// and an empty one is a zero-length frame (see ``responseReply(_:)``), so both are errors here.
    public static func atrReply(_ atr: [UInt8]) throws(VPCDProtocolError) -> [UInt8] {
        guard (1...maxATR).contains(atr.count) else { throw .atrLength(atr.count) }
        return try frame(atr)
    }

    /// The frame answering an APDU. A zero-length frame is an error: vpcd then waits in
    /// `recv(…, 0, MSG_WAITALL)`, which on Linux blocks (holding the reader) until the card sends more or
    /// closes, and then drops the card. A 1-byte response is sent as it is (a deliberately broken card may
    /// want that).
    public static func responseReply(_ response: [UInt8]) throws(VPCDProtocolError) -> [UInt8] {
        guard !response.isEmpty else { throw .emptyReply }
        return try frame(response)
    }
}

/// Splits a byte stream into vpcd frame payloads, however the stream was cut into reads
/// (a header split from its payload, a payload in many pieces, several frames in one read). Sans-IO.
public struct VPCDFrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    /// Adds bytes read from the connection.
    public mutating func append<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received but not yet returned as a complete frame.
    public var pendingByteCount: Int { buffer.count - start }

    /// The next complete payload, or nil until more bytes arrive.
    public mutating func nextPayload() -> [UInt8]? {
        guard buffer.count - start >= 2 else { return nil }
        let length = Int(buffer[start]) << 8 | Int(buffer[start + 1])
        guard buffer.count - start - 2 >= length else { return nil }
        let payload = Array(buffer[(start + 2)..<(start + 2 + length)])
        start += 2 + length
        if start > 65_536 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        return payload
    }

    /// The next complete request, or nil until more bytes arrive. After an error the connection
    /// is out of step for good: the caller closes it (there is nothing to resynchronise on).
    public mutating func nextRequest() throws(VPCDProtocolError) -> VPCDRequest? {
        guard let payload = nextPayload() else { return nil }
        return try VPCDRequest(payload: payload)
    }
}
