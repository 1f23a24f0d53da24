/// The byte-level framing of Gemalto's serial CCID readers, as Debian's `libccidtwin.so` speaks it.
///
/// Both directions carry `SYNC(03) CTRL(06) <CCID message> LRC`, where the CCID message is the
/// 10-byte CCID header plus `dwLength` data bytes and LRC is the XOR of every byte before it. The
/// reader refuses a frame with `03 15 16` (NAK). A frame has no length field of its own: the
/// length is `dwLength` of the CCID header inside it.
public enum SerialFraming {
    /// The first byte of every frame.
    public static let sync: UInt8 = 0x03
    /// CTRL of a frame that carries a CCID message.
    public static let ack: UInt8 = 0x06
    /// CTRL of a refusal.
    public static let nak: UInt8 = 0x15
    /// The first byte of an in-band slot change notification `50 bmSlotICCState`.
    public static let notifySlotChange: UInt8 = 0x50
    /// The whole NAK frame: SYNC, NAK and their LRC.
    public static let nakFrame: [UInt8] = [sync, nak, sync ^ nak]
    /// Bytes of a frame around the CCID message: SYNC, CTRL and LRC.
    public static let overhead = 3
    /// The longest CCID message the driver writes (its buffer of 548 bytes less SYNC, CTRL and LRC).
    public static let maxHostMessageLength = 545

    /// XOR of `bytes`.
    public static func lrc<Bytes: Sequence>(_ bytes: Bytes) -> UInt8 where Bytes.Element == UInt8 {
        bytes.reduce(0, ^)
    }

    /// The frame carrying `message`; `corruptLRC` inverts the LRC (a fault for tests).
    public static func frame(_ message: [UInt8], corruptLRC: Bool = false) -> [UInt8] {
        var out = [sync, ack]
        out.reserveCapacity(message.count + overhead)
        out += message
        let check = lrc(out)
        out.append(corruptLRC ? ~check : check)
        return out
    }

    /// The echo a GemPC Twin sends before each answer, header only (`dwLength` 0): it always fits the
    /// driver's answer buffer, which a full echo of a long command does not.
    public static func headerOnlyEcho(of message: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: CCIDHeader.length)
        for index in 0..<min(message.count, CCIDHeader.length) { header[index] = message[index] }
        header[1] = 0
        header[2] = 0
        header[3] = 0
        header[4] = 0
        return frame(header)
    }
}

/// Offsets and sizes of the 10-byte header every CCID message starts with (CCID 1.1 §6).
public enum CCIDHeader {
    /// Header size in bytes.
    public static let length = 10
    /// Offset of bMessageType.
    public static let messageType = 0
    /// Offset of the little-endian dwLength.
    public static let dataLength = 1
    /// Offset of bSlot.
    public static let slot = 5
    /// Offset of bSeq.
    public static let sequence = 6

    /// `dwLength` of a header (little endian), or nil when fewer than 5 bytes are given.
    public static func declaredLength(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= 5 else { return nil }
        let base = bytes.startIndex + dataLength
        return (0..<4).reduce(0) { $0 | Int(bytes[base + $1]) << (8 * $1) }
    }

    /// `value` as four little-endian bytes.
    public static func littleEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }
}
