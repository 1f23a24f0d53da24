import Foundation

/// The simulator ⇄ IFD handler protocol, version 1 (docs/wire-protocol.md).
public enum WireProtocol {
    public static let version: UInt16 = 1
    /// The largest payload either side accepts.
    public static let maxPayload = 65_552
    /// Bytes before the payload: type, slot, 32-bit length.
    public static let headerLength = 6
    /// HELLO feature bit 0: the client accepts a reader identity in HELLO_ACK.
    public static let acceptsIdentity: UInt8 = 0x01

    /// The features byte of a HELLO payload: the byte after the `00` that ends the client name
    /// (from index 3 on), or 0 when there is none.
    public static func helloFeatures(_ payload: [UInt8]) -> UInt8 {
        guard payload.count > 3, let end = payload[3...].firstIndex(of: 0), end + 1 < payload.count else { return 0 }
        return payload[end + 1]
    }
}

/// The reader identity the simulator reports to handlers that accept one (docs/wire-protocol.md):
/// a serial number that stays the same across restarts of the same simulator, and its firmware.
public struct ReaderIdentity: Hashable, Sendable {
    public var serialNumber: String
    public var firmware: String

    /// `MNS-` and 8 hex digits of an FNV-1a hash of the simulator's first address, and `mynasim VERSION`.
    public init(primaryAddress: SocketAddress?) {
        var hash: UInt32 = 0x811C_9DC5
        for byte in (primaryAddress?.description ?? "").utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        serialNumber = "MNS-" + String(format: "%08X", hash)
        firmware = "mynasim \(mynasimVersion)"
    }

    /// The TLVs after HELLO_ACK's three fixed bytes: `01` serial, `02` firmware.
    public var encoded: [UInt8] {
        let serial = Array(serialNumber.utf8.prefix(32))
        let text = Array(firmware.utf8.prefix(64))
        return [0x01, UInt8(serial.count)] + serial + [0x02, UInt8(text.count)] + text
    }
}

/// Frame types. Requests from the handler have the high bit clear; replies and events have it set.
public enum FrameType: UInt8, Sendable {
    case hello = 0x01
    case powerOn = 0x02
    case powerOff = 0x03
    case reset = 0x04
    case transmit = 0x05
    case status = 0x06
    /// A JSON control request (`mynasim card`, `mynasim status`); control connections only.
    case control = 0x40
    case helloAck = 0x81
    case atr = 0x82
    case ack = 0x83
    case response = 0x85
    case statusReply = 0x86
    case cardEvent = 0x90
    case controlReply = 0xC0
    case error = 0xFF
}

/// What a connection is for, announced in HELLO.
public enum ConnectionRole: UInt8, Sendable {
    case command = 0
    case event = 1
    case control = 2
}

/// Error codes carried by ERROR frames.
public enum WireErrorCode: UInt16, Sendable {
    case noCard = 1
    case notPowered = 2
    case noSuchSlot = 3
    case unsupportedVersion = 4
    case badFrame = 5
    case internalError = 6
    /// The connection's peer may not use this role (a control request from another user or over TCP).
    case notPermitted = 7
}

/// One frame on the wire.
public struct WireFrame: Hashable, Sendable {
    public var type: FrameType
    public var slot: UInt8
    public var payload: [UInt8]

    public init(_ type: FrameType, slot: UInt8, payload: [UInt8] = []) {
        self.type = type
        self.slot = slot
        self.payload = payload
    }

    /// Header and payload in one buffer, so a frame is written with a single send.
    public var encoded: [UInt8] {
        let n = UInt32(payload.count)
        return [type.rawValue, slot, UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] + payload
    }

    /// An ERROR frame.
    public static func error(_ code: WireErrorCode, slot: UInt8, _ message: String) -> WireFrame {
        WireFrame(.error, slot: slot, payload: [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)] + Array(message.utf8))
    }
}

/// The card state carried by STATUS_REPLY and CARD_EVENT.
public struct CardStateFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let present = CardStateFlags(rawValue: 1 << 0)
    public static let powered = CardStateFlags(rawValue: 1 << 1)
    public static let extendedLength = CardStateFlags(rawValue: 1 << 2)
    /// The reader offers no PC/SC Part 10 features (a reader quirk profile); set, the handler
    /// answers GET_FEATURE_REQUEST with "not supported".
    public static let noPart10 = CardStateFlags(rawValue: 1 << 3)
}
