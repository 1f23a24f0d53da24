import ISO7816

/// One ISO/IEC 7816-3 §11.3 T=1 block: prologue (NAD, PCB, LEN), information field (INF) and
/// epilogue (EDC, a one-byte LRC).
///
/// The value holds NAD and the decoded PCB with its INF; PCB, LEN and EDC are computed when the
/// block is encoded, so a `T1Block` is always well formed. ``init(bytes:)`` parses received
/// bytes and reports every malformation as a ``T1BlockError``; it never traps.
public struct T1Block: Hashable, Sendable, CustomStringConvertible {
    /// Node address byte. The Debian CCID driver always uses `00` in both directions.
    public var nad: UInt8
    /// The block type with its fields and information field.
    public var content: Content

    /// The three block types of §11.3.2.2.
    public enum Content: Hashable, Sendable {
        /// I-block: N(S) (0 or 1), the more-data bit M, and the information field (≤ 254 bytes).
        case information(sequence: Int, more: Bool, data: [UInt8])
        /// R-block: N(R) (0 or 1) and the error indication.
        case receiveReady(sequence: Int, error: T1ReceiveError)
        /// S-block: a request or a response of one supervisory type.
        case supervisory(T1Supervisory, T1Direction)
    }

    public init(nad: UInt8 = 0, content: Content) {
        self.nad = nad
        self.content = content
    }

    /// An I-block with NAD 00.
    public static func information(sequence: Int, more: Bool = false, data: [UInt8]) -> T1Block {
        T1Block(content: .information(sequence: sequence & 1, more: more, data: data))
    }

    /// An R-block with NAD 00.
    public static func receiveReady(sequence: Int, error: T1ReceiveError = .none) -> T1Block {
        T1Block(content: .receiveReady(sequence: sequence & 1, error: error))
    }

    /// An S(… request) block with NAD 00.
    public static func request(_ type: T1Supervisory) -> T1Block {
        T1Block(content: .supervisory(type, .request))
    }

    /// An S(… response) block with NAD 00.
    public static func response(_ type: T1Supervisory) -> T1Block {
        T1Block(content: .supervisory(type, .response))
    }

    /// The largest information field ISO/IEC 7816-3 allows (IFS `FE`); LEN `FF` is reserved.
    public static let maximumInformationFieldSize = 254

    /// The protocol control byte.
    public var pcb: UInt8 {
        switch content {
        case .information(let sequence, let more, _):
            return UInt8(sequence & 1) << 6 | (more ? 0x20 : 0x00)
        case .receiveReady(let sequence, let error):
            return 0x80 | UInt8(sequence & 1) << 4 | error.rawValue
        case .supervisory(let type, let direction):
            return 0xC0 | (direction == .response ? 0x20 : 0x00) | type.code
        }
    }

    /// The information field: an I-block's data, the one byte of S(IFS)/S(WTX), else empty.
    public var information: [UInt8] {
        switch content {
        case .information(_, _, let data): return data
        case .receiveReady: return []
        case .supervisory(let type, _):
            switch type {
            case .resynch, .abort: return []
            case .informationFieldSize(let size): return [size]
            case .waitingTimeExtension(let multiplier): return [multiplier]
            }
        }
    }

    /// The epilogue: the XOR of NAD, PCB, LEN and INF (LRC, §11.3.4.1).
    public var edc: UInt8 {
        Self.lrc(prologueAndInformation)
    }

    /// The encoded block, NAD to EDC. An I-block's data beyond 254 bytes is not representable on
    /// the wire; callers split responses with ``T1CardProtocol`` so this never happens there.
    public var bytes: [UInt8] {
        var out = prologueAndInformation
        out.append(Self.lrc(out))
        return out
    }

    private var prologueAndInformation: [UInt8] {
        let inf = information
        return [nad, pcb, UInt8(truncatingIfNeeded: inf.count)] + inf
    }

    /// The XOR of the bytes.
    static func lrc(_ bytes: [UInt8]) -> UInt8 { bytes.reduce(0, ^) }

    /// Parses one received block (LRC epilogue). The checks run in this order: overall length,
    /// LEN `FF`, LEN against the bytes received, EDC, then the PCB and the LEN its type allows.
    public init(bytes: [UInt8]) throws(T1BlockError) {
        guard bytes.count >= 4 else { throw .tooShort(bytes.count) }
        let nad = bytes[0]
        let pcb = bytes[1]
        let len = bytes[2]
        guard len != 0xFF else { throw .reservedLength }
        guard bytes.count == Int(len) + 4 else { throw .lengthMismatch(declared: Int(len), received: bytes.count - 4) }
        let expected = Self.lrc(Array(bytes.dropLast()))
        let found = bytes[bytes.count - 1]
        guard expected == found else { throw .badEDC(expected: expected, found: found) }
        let inf = Array(bytes[3..<(bytes.count - 1)])
        self.init(nad: nad, content: try Self.decode(pcb: pcb, information: inf))
    }

    private static func decode(pcb: UInt8, information inf: [UInt8]) throws(T1BlockError) -> Content {
        switch pcb & 0xC0 {
        case 0x00, 0x40:
            guard pcb & 0x1F == 0 else { throw .reservedBits(pcb: pcb) }
            return .information(sequence: Int(pcb >> 6) & 1, more: pcb & 0x20 != 0, data: inf)
        case 0x80:
            guard pcb & 0x20 == 0 else { throw .reservedBits(pcb: pcb) }
            guard let error = T1ReceiveError(rawValue: pcb & 0x0F) else { throw .reservedBits(pcb: pcb) }
            guard inf.isEmpty else { throw .unexpectedLength(pcb: pcb, length: inf.count) }
            return .receiveReady(sequence: Int(pcb >> 4) & 1, error: error)
        default:
            let direction: T1Direction = pcb & 0x20 != 0 ? .response : .request
            let type: T1Supervisory
            switch pcb & 0x1F {
            case 0x00, 0x02:
                guard inf.isEmpty else { throw .unexpectedLength(pcb: pcb, length: inf.count) }
                type = pcb & 0x1F == 0 ? .resynch : .abort
            case 0x01, 0x03:
                guard inf.count == 1 else { throw .unexpectedLength(pcb: pcb, length: inf.count) }
                if pcb & 0x1F == 0x01 {
                    guard (1...254).contains(inf[0]) else { throw .invalidInformationFieldSize(inf[0]) }
                    type = .informationFieldSize(inf[0])
                } else {
                    type = .waitingTimeExtension(inf[0])
                }
            default:
                throw .unknownSupervisoryType(pcb: pcb)
            }
            return .supervisory(type, direction)
        }
    }

    /// A short trace form: `I(0) M 254 bytes`, `R(1) EDC error`, `S(WTX request ×3)`.
    public var description: String {
        let text: String
        switch content {
        case .information(let sequence, let more, let data):
            text = "I(\(sequence))\(more ? " M" : "") \(data.count) byte\(data.count == 1 ? "" : "s")"
        case .receiveReady(let sequence, let error):
            text = "R(\(sequence))" + (error == .none ? "" : " \(error)")
        case .supervisory(let type, let direction):
            switch type {
            case .resynch: text = "S(RESYNCH \(direction))"
            case .abort: text = "S(ABORT \(direction))"
            case .informationFieldSize(let size): text = "S(IFS \(direction) \(size))"
            case .waitingTimeExtension(let multiplier): text = "S(WTX \(direction) ×\(multiplier))"
            }
        }
        return nad == 0 ? text : "\(text) NAD \(Hex.encode([nad]))"
    }
}
