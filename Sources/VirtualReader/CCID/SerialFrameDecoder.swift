import ISO7816

/// What the reader's line layer made of bytes from the host.
public enum SerialEvent: Hashable, Sendable {
    /// A complete frame with a good LRC: the CCID message inside it.
    case message([UInt8])
    /// The host sent `03 15 16`: it wants the last answer again.
    case retransmitRequest
    /// A frame the reader cannot accept; the reader answers it with NAK and hunts for the next SYNC.
    case rejected(SerialFrameError)
}

/// Why the reader refused a frame from the host.
public enum SerialFrameError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The LRC byte does not make the frame XOR to zero.
    case badLRC(found: UInt8, expected: UInt8)
    /// The byte after SYNC is neither ACK (06) nor NAK (15).
    case badControlByte(UInt8)
    /// `dwLength` announces more than the host can ever send (garbage, not a CCID header).
    case lengthTooLarge(Int)
    /// The host stopped sending in the middle of a frame.
    case incomplete(received: Int, expected: Int?)

    public var description: String {
        switch self {
        case .badLRC(let found, let expected):
            return "LRC \(Hex.byte(found)) where \(Hex.byte(expected)) was expected"
        case .badControlByte(let byte): return "control byte \(Hex.byte(byte)) after SYNC (expected 06 or 15)"
        case .lengthTooLarge(let length):
            return "dwLength \(length) exceeds the \(SerialFraming.maxHostMessageLength - CCIDHeader.length) data bytes a host can send"
        case .incomplete(let received, let expected):
            let total = expected.map { " of \($0)" } ?? ""
            return "frame stalled after \(received)\(total) bytes"
        }
    }
}

/// Splits the host's byte stream into frames (sans-IO: feed it what `read` returned).
///
/// Outside a frame every byte but SYNC is discarded (counted in ``discardedBytes``), so the decoder
/// resynchronises on the next SYNC after garbage, a bad LRC or a stalled frame. It never waits for
/// more than ``SerialFraming/maxHostMessageLength`` bytes of one frame.
public struct SerialFrameDecoder: Sendable {
    private enum State: Sendable {
        case hunting
        case control
        case nakCheck
        case message(expected: Int?)
    }

    private var state: State = .hunting
    private var buffer: [UInt8] = []
    /// Bytes dropped while hunting for SYNC since the decoder was created.
    public private(set) var discardedBytes = 0

    public init() {}

    /// Whether part of a frame has been received and the rest is awaited.
    public var isMidFrame: Bool {
        if case .hunting = state { return false }
        return true
    }

    /// Consumes `bytes` and returns the events they complete, in order.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [SerialEvent] where Bytes.Element == UInt8 {
        var events: [SerialEvent] = []
        for byte in bytes {
            if let event = consume(byte) { events.append(event) }
        }
        return events
    }

    /// The host has been silent for a character timeout: a half-received frame is refused.
    public mutating func idleTimeout() -> SerialEvent? {
        guard isMidFrame else { return nil }
        var expected: Int? = nil
        if case .message(let total) = state { expected = total }
        let event = SerialEvent.rejected(.incomplete(received: buffer.count, expected: expected))
        reset()
        return event
    }

    private mutating func reset() {
        state = .hunting
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func consume(_ byte: UInt8) -> SerialEvent? {
        switch state {
        case .hunting:
            if byte == SerialFraming.sync {
                buffer = [byte]
                state = .control
            } else {
                discardedBytes += 1
            }
            return nil
        case .control:
            switch byte {
            case SerialFraming.ack:
                buffer.append(byte)
                state = .message(expected: nil)
                return nil
            case SerialFraming.nak:
                state = .nakCheck
                return nil
            default:
                reset()
                // A repeated SYNC may start the real frame.
                if byte == SerialFraming.sync { _ = consume(byte) }
                return .rejected(.badControlByte(byte))
            }
        case .nakCheck:
            reset()
            if byte == SerialFraming.sync ^ SerialFraming.nak { return .retransmitRequest }
            return .rejected(.badLRC(found: byte, expected: SerialFraming.sync ^ SerialFraming.nak))
        case .message(let expected):
            buffer.append(byte)
            return messageByteArrived(expected: expected)
        }
    }

    private mutating func messageByteArrived(expected: Int?) -> SerialEvent? {
        guard let total = expected else {
            // SYNC CTRL + bMessageType + dwLength: the frame size is known.
            guard buffer.count == 2 + 5, let length = CCIDHeader.declaredLength(buffer[2...]) else { return nil }
            guard CCIDHeader.length + length <= SerialFraming.maxHostMessageLength else {
                reset()
                return .rejected(.lengthTooLarge(length))
            }
            state = .message(expected: 2 + CCIDHeader.length + length + 1)
            return nil
        }
        guard buffer.count == total else { return nil }
        let xor = SerialFraming.lrc(buffer)
        let message = Array(buffer[2..<(total - 1)])
        let found = buffer[total - 1]
        reset()
        guard xor == 0 else { return .rejected(.badLRC(found: found, expected: found ^ xor)) }
        return .message(message)
    }
}

/// Short hex for one byte in messages.
extension Hex {
    /// One byte as two uppercase hex digits.
    static func byte(_ value: UInt8) -> String { encode([value]) }
}
