import ISO7816

/// A PC_to_RDR message (CCID 1.1 §6.1), parsed.
public struct CCIDCommand: Hashable, Sendable {
    /// bSlot.
    public var slot: UInt8
    /// bSeq.
    public var sequence: UInt8
    /// The message and its type-specific fields.
    public var body: Body

    /// The messages and their fields.
    public enum Body: Hashable, Sendable {
        case iccPowerOn(ICCVoltage)
        case iccPowerOff
        case getSlotStatus
        /// One block or TPDU; `bwi` multiplies the block waiting time (WTX), `levelParameter` is for
        /// character and extended-APDU readers.
        case xfrBlock(block: [UInt8], bwi: UInt8, levelParameter: UInt16)
        case getParameters
        case resetParameters
        case setParameters(protocolNumber: UInt8, data: [UInt8])
        case escape([UInt8])
        /// bClockCommand: 0 restart the clock, 1 stop it.
        case iccClock(UInt8)
        case t0APDU(changes: UInt8, classGetResponse: UInt8, classEnvelope: UInt8)
        /// PIN operation: `data` starts with bPINOperation.
        case secure(bwi: UInt8, levelParameter: UInt16, data: [UInt8])
        case mechanical(function: UInt8)
        case abort
        case setDataRateAndClockFrequency(clockFrequency: UInt32, dataRate: UInt32)
    }

    public init(slot: UInt8 = 0, sequence: UInt8 = 0, _ body: Body) {
        self.slot = slot
        self.sequence = sequence
        self.body = body
    }

    /// The message type.
    public var type: CommandType {
        switch body {
        case .iccPowerOn: return .iccPowerOn
        case .iccPowerOff: return .iccPowerOff
        case .getSlotStatus: return .getSlotStatus
        case .xfrBlock: return .xfrBlock
        case .getParameters: return .getParameters
        case .resetParameters: return .resetParameters
        case .setParameters: return .setParameters
        case .escape: return .escape
        case .iccClock: return .iccClock
        case .t0APDU: return .t0APDU
        case .secure: return .secure
        case .mechanical: return .mechanical
        case .abort: return .abort
        case .setDataRateAndClockFrequency: return .setDataRateAndClockFrequency
        }
    }

    /// Parses one message (header and data, exactly).
    public init(parsing message: [UInt8]) throws(CCIDCommandError) {
        guard message.count >= CCIDHeader.length else { throw .tooShort(message.count) }
        let header = CommandHeaderFields(message)
        let data = Array(message[CCIDHeader.length...])
        guard let declared = CCIDHeader.declaredLength(message[...]), declared == data.count else {
            throw CCIDCommandError(header, .lengthMismatch(declared: CCIDHeader.declaredLength(message[...]) ?? 0, actual: data.count))
        }
        guard let type = CommandType(rawValue: message[0]) else { throw CCIDCommandError(header, .unknownType) }
        let b7 = message[7]
        let b8 = message[8]
        let b9 = message[9]
        let level = UInt16(b8) | UInt16(b9) << 8
        func noData() throws(CCIDCommandError) {
            guard data.isEmpty else { throw CCIDCommandError(header, .badByte(offset: CCIDHeader.dataLength)) }
        }
        let body: Body
        switch type {
        case .iccPowerOn:
            try noData()
            guard let voltage = ICCVoltage(rawValue: b7) else { throw CCIDCommandError(header, .badByte(offset: 7)) }
            body = .iccPowerOn(voltage)
        case .iccPowerOff:
            try noData()
            body = .iccPowerOff
        case .getSlotStatus:
            try noData()
            body = .getSlotStatus
        case .xfrBlock: body = .xfrBlock(block: data, bwi: b7, levelParameter: level)
        case .getParameters:
            try noData()
            body = .getParameters
        case .resetParameters:
            try noData()
            body = .resetParameters
        case .setParameters: body = .setParameters(protocolNumber: b7, data: data)
        case .escape: body = .escape(data)
        case .iccClock:
            try noData()
            body = .iccClock(b7)
        case .t0APDU:
            try noData()
            body = .t0APDU(changes: b7, classGetResponse: b8, classEnvelope: b9)
        case .secure: body = .secure(bwi: b7, levelParameter: level, data: data)
        case .mechanical:
            try noData()
            body = .mechanical(function: b7)
        case .abort:
            try noData()
            body = .abort
        case .setDataRateAndClockFrequency:
            guard data.count == 8 else { throw CCIDCommandError(header, .badByte(offset: CCIDHeader.dataLength)) }
            let clock = UInt32(data[0]) | UInt32(data[1]) << 8 | UInt32(data[2]) << 16 | UInt32(data[3]) << 24
            let rate = UInt32(data[4]) | UInt32(data[5]) << 8 | UInt32(data[6]) << 16 | UInt32(data[7]) << 24
            body = .setDataRateAndClockFrequency(clockFrequency: clock, dataRate: rate)
        }
        self.init(slot: header.slot, sequence: header.sequence, body)
    }

    /// The encoded message, as a host sends it.
    public var encoded: [UInt8] {
        var fields: (UInt8, UInt8, UInt8) = (0, 0, 0)
        var data: [UInt8] = []
        switch body {
        case .iccPowerOn(let voltage): fields.0 = voltage.rawValue
        case .iccPowerOff, .getSlotStatus, .getParameters, .resetParameters, .abort: break
        case .xfrBlock(let block, let bwi, let level):
            fields = (bwi, UInt8(level & 0xFF), UInt8(level >> 8))
            data = block
        case .setParameters(let number, let bytes):
            fields.0 = number
            data = bytes
        case .escape(let bytes): data = bytes
        case .iccClock(let command): fields.0 = command
        case .t0APDU(let changes, let getResponse, let envelope): fields = (changes, getResponse, envelope)
        case .secure(let bwi, let level, let bytes):
            fields = (bwi, UInt8(level & 0xFF), UInt8(level >> 8))
            data = bytes
        case .mechanical(let function): fields.0 = function
        case .setDataRateAndClockFrequency(let clock, let rate):
            data = CCIDHeader.littleEndian(clock) + CCIDHeader.littleEndian(rate)
        }
        return [type.rawValue] + CCIDHeader.littleEndian(UInt32(data.count)) + [slot, sequence, fields.0, fields.1, fields.2] + data
    }
}

/// The header fields of a message, read before (and whether or not) the rest parses.
public struct CommandHeaderFields: Hashable, Sendable {
    /// bMessageType as sent.
    public var typeByte: UInt8
    public var slot: UInt8
    public var sequence: UInt8

    /// Reads the fields of a message at least 7 bytes long (missing bytes read as 0).
    public init(_ message: [UInt8]) {
        typeByte = message.first ?? 0
        slot = message.count > CCIDHeader.slot ? message[CCIDHeader.slot] : 0
        sequence = message.count > CCIDHeader.sequence ? message[CCIDHeader.sequence] : 0
    }
}

/// Why a message is not a command this reader understands; the reader answers with a failed status.
public struct CCIDCommandError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Hashable, Sendable {
        /// The message is shorter than a header.
        case tooShort(Int)
        /// dwLength does not match the data that came with it.
        case lengthMismatch(declared: Int, actual: Int)
        /// bMessageType is not a PC_to_RDR message.
        case unknownType
        /// A header field holds a value the reader does not accept.
        case badByte(offset: Int)
    }

    /// The header of the refused message, for the answer.
    public var header: CommandHeaderFields
    public var reason: Reason

    public init(_ header: CommandHeaderFields, _ reason: Reason) {
        self.header = header
        self.reason = reason
    }

    static func tooShort(_ count: Int) -> CCIDCommandError {
        CCIDCommandError(CommandHeaderFields([]), .tooShort(count))
    }

    /// bError for the answer.
    public var errorCode: CCIDErrorCode {
        switch reason {
        case .unknownType: return .commandNotSupported
        case .tooShort, .lengthMismatch: return .wrongLength
        case .badByte(let offset): return .badByte(at: offset)
        }
    }

    public var description: String {
        switch reason {
        case .tooShort(let n): return "a CCID message has a 10-byte header, got \(n) bytes"
        case .lengthMismatch(let declared, let actual): return "dwLength says \(declared) data bytes but \(actual) came"
        case .unknownType: return "message type \(Hex.byte(header.typeByte)) is not a PC_to_RDR command"
        case .badByte(let offset): return "byte \(offset) of message \(Hex.byte(header.typeByte)) has an unsupported value"
        }
    }
}
