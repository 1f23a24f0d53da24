import ISO7816

/// The bulk-out messages a host sends to a CCID reader (CCID 1.1 §6.1).
public enum CommandType: UInt8, CaseIterable, Hashable, Sendable {
    case setParameters = 0x61
    case iccPowerOn = 0x62
    case iccPowerOff = 0x63
    case getSlotStatus = 0x65
    case secure = 0x69
    case t0APDU = 0x6A
    case escape = 0x6B
    case getParameters = 0x6C
    case resetParameters = 0x6D
    case iccClock = 0x6E
    case xfrBlock = 0x6F
    case mechanical = 0x71
    case abort = 0x72
    case setDataRateAndClockFrequency = 0x73

    /// The message type a reader answers this command with (CCID 1.1 §6.1, per command).
    public var answerType: AnswerType { AnswerType.answering(rawValue) }
}

/// The bulk-in messages a CCID reader sends (CCID 1.1 §6.2).
public enum AnswerType: UInt8, CaseIterable, Hashable, Sendable {
    case dataBlock = 0x80
    case slotStatus = 0x81
    case parameters = 0x82
    case escape = 0x83
    case dataRateAndClockFrequency = 0x84

    /// The answer type for a command type byte; `RDR_to_PC_SlotStatus` for an unknown one.
    public static func answering(_ commandType: UInt8) -> AnswerType {
        switch commandType {
        case 0x62, 0x6F, 0x69: return .dataBlock
        case 0x61, 0x6C, 0x6D: return .parameters
        case 0x6B: return .escape
        case 0x73: return .dataRateAndClockFrequency
        default: return .slotStatus
        }
    }
}

/// bmICCStatus, bits 0–1 of bStatus: what the reader knows about the card in a slot.
public enum ICCStatus: UInt8, Hashable, Sendable {
    /// A card is present and powered (activated).
    case active = 0
    /// A card is present and not powered.
    case inactive = 1
    /// No card.
    case absent = 2
}

/// bmCommandStatus, bits 6–7 of bStatus.
public enum CommandStatus: UInt8, Hashable, Sendable {
    case processed = 0
    case failed = 1
    /// The reader needs more time; bError carries a BWT multiplier.
    case timeExtension = 2
}

/// bError values of a failed command (CCID 1.1 Table 6.2-2). 1…127 name the offending byte of the command.
public struct CCIDErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let commandNotSupported = CCIDErrorCode(rawValue: 0x00)
    public static let commandAborted = CCIDErrorCode(rawValue: 0xFF)
    public static let iccMute = CCIDErrorCode(rawValue: 0xFE)
    public static let parityError = CCIDErrorCode(rawValue: 0xFD)
    public static let overrun = CCIDErrorCode(rawValue: 0xFC)
    public static let hardwareError = CCIDErrorCode(rawValue: 0xFB)
    public static let badATRTS = CCIDErrorCode(rawValue: 0xF8)
    public static let badATRTCK = CCIDErrorCode(rawValue: 0xF7)
    public static let protocolNotSupported = CCIDErrorCode(rawValue: 0xF6)
    public static let classNotSupported = CCIDErrorCode(rawValue: 0xF5)
    public static let procedureByteConflict = CCIDErrorCode(rawValue: 0xF4)
    public static let deactivatedProtocol = CCIDErrorCode(rawValue: 0xF3)
    public static let busyWithAutoSequence = CCIDErrorCode(rawValue: 0xF2)
    public static let pinTimeout = CCIDErrorCode(rawValue: 0xF0)
    public static let pinCancelled = CCIDErrorCode(rawValue: 0xEF)
    public static let slotBusy = CCIDErrorCode(rawValue: 0xE0)

    /// The command byte at `offset` (1…127) holds a value the reader does not accept.
    public static func badByte(at offset: Int) -> CCIDErrorCode {
        CCIDErrorCode(rawValue: UInt8(clamping: max(1, min(offset, 127))))
    }

    /// bError 1: dwLength (offset 1) is wrong.
    public static let wrongLength = badByte(at: CCIDHeader.dataLength)
    /// bError 5: bSlot (offset 5) names no slot of this reader.
    public static let badSlot = badByte(at: CCIDHeader.slot)

    public var description: String {
        switch rawValue {
        case 0x00: return "command not supported"
        case 0x01...0x7F: return "bad value in command byte \(rawValue)"
        case 0xE0: return "slot busy"
        case 0xEF: return "PIN entry cancelled"
        case 0xF0: return "PIN entry timed out"
        case 0xF6: return "protocol not supported"
        case 0xFD: return "parity error"
        case 0xFE: return "card absent or mute"
        case 0xFF: return "command aborted"
        default: return "CCID error \(Hex.byte(rawValue))"
        }
    }
}
