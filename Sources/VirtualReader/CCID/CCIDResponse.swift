import ISO7816

/// A RDR_to_PC message (CCID 1.1 §6.2).
public struct CCIDResponse: Hashable, Sendable, CustomStringConvertible {
    public var type: AnswerType
    /// bSlot, copied from the command.
    public var slot: UInt8
    /// bSeq, copied from the command.
    public var sequence: UInt8
    public var iccStatus: ICCStatus
    public var commandStatus: CommandStatus
    /// bError (meaningful when the command failed, or the multiplier of a time extension).
    public var error: CCIDErrorCode
    /// Byte 9: bChainParameter (DataBlock), bClockStatus (SlotStatus), bProtocolNum (Parameters), 0 otherwise.
    public var specific: UInt8
    public var data: [UInt8]

    public init(
        _ type: AnswerType, slot: UInt8, sequence: UInt8, iccStatus: ICCStatus, commandStatus: CommandStatus = .processed,
        error: CCIDErrorCode = .commandNotSupported, specific: UInt8 = 0, data: [UInt8] = []
    ) {
        self.type = type
        self.slot = slot
        self.sequence = sequence
        self.iccStatus = iccStatus
        self.commandStatus = commandStatus
        self.error = commandStatus == .processed ? .commandNotSupported : error
        self.specific = specific
        self.data = data
    }

    /// A failed answer of the type that matches `typeByte`, with no data.
    public static func failure(
        answering typeByte: UInt8, slot: UInt8, sequence: UInt8, iccStatus: ICCStatus, error: CCIDErrorCode
    ) -> CCIDResponse {
        CCIDResponse(
            AnswerType.answering(typeByte), slot: slot, sequence: sequence, iccStatus: iccStatus, commandStatus: .failed, error: error)
    }

    /// bStatus: bmCommandStatus in bits 6–7, bmICCStatus in bits 0–1.
    public var status: UInt8 { commandStatus.rawValue << 6 | iccStatus.rawValue }

    /// The encoded message.
    public var encoded: [UInt8] {
        [type.rawValue] + CCIDHeader.littleEndian(UInt32(data.count)) + [slot, sequence, status, error.rawValue, specific] + data
    }

    /// Parses an answer, as a host would (for tests and tools).
    public init(parsing message: [UInt8]) throws(CCIDResponseError) {
        guard message.count >= CCIDHeader.length else { throw .tooShort(message.count) }
        guard let type = AnswerType(rawValue: message[0]) else { throw .unknownType(message[0]) }
        guard let declared = CCIDHeader.declaredLength(message[...]), declared == message.count - CCIDHeader.length else {
            throw .lengthMismatch(declared: CCIDHeader.declaredLength(message[...]) ?? 0, actual: message.count - CCIDHeader.length)
        }
        guard let icc = ICCStatus(rawValue: message[7] & 0x03), let command = CommandStatus(rawValue: message[7] >> 6) else {
            throw .badStatus(message[7])
        }
        self.init(
            type, slot: message[5], sequence: message[6], iccStatus: icc, commandStatus: command,
            error: CCIDErrorCode(rawValue: message[8]), specific: message[9], data: Array(message[CCIDHeader.length...]))
        self.error = CCIDErrorCode(rawValue: message[8])
    }

    public var description: String {
        var text = "\(type) slot \(slot) seq \(sequence) status \(Hex.byte(status))"
        if commandStatus == .failed { text += " error \(Hex.byte(error.rawValue)) (\(error))" }
        if !data.isEmpty { text += " \(data.count) bytes" }
        return text
    }
}

/// Why bytes are not a RDR_to_PC message.
public enum CCIDResponseError: Error, Hashable, Sendable, CustomStringConvertible {
    case tooShort(Int)
    case unknownType(UInt8)
    case lengthMismatch(declared: Int, actual: Int)
    case badStatus(UInt8)

    public var description: String {
        switch self {
        case .tooShort(let n): return "an answer has a 10-byte header, got \(n) bytes"
        case .unknownType(let t): return "\(Hex.byte(t)) is not a RDR_to_PC message type"
        case .lengthMismatch(let declared, let actual): return "dwLength says \(declared) data bytes but \(actual) came"
        case .badStatus(let s): return "bStatus \(Hex.byte(s)) has reserved bits set"
        }
    }
}
