/// How a PIN is put into the APDU template of a Secure command: bmFormatString, bmPINBlockString,
/// bmPINLengthFormat and wPINMaxExtraDigit (CCID 1.1 §6.1.11).
public struct PINFormat: Hashable, Sendable {
    /// How each digit is coded.
    public enum Encoding: UInt8, Hashable, Sendable {
        /// One byte per digit, 00…09.
        case binary = 0
        /// One nibble per digit.
        case bcd = 1
        /// One byte per digit, '0'…'9'.
        case ascii = 2
    }

    public var formatString: UInt8
    public var blockString: UInt8
    public var lengthFormat: UInt8
    /// Fewest digits accepted (high byte of wPINMaxExtraDigit).
    public var minimumDigits: Int
    /// Most digits accepted (low byte of wPINMaxExtraDigit).
    public var maximumDigits: Int

    public init(formatString: UInt8, blockString: UInt8, lengthFormat: UInt8, minimumDigits: Int, maximumDigits: Int) {
        self.formatString = formatString
        self.blockString = blockString
        self.lengthFormat = lengthFormat
        self.minimumDigits = minimumDigits
        self.maximumDigits = maximumDigits
    }

    /// Bit 7 of bmFormatString: positions count bytes (else bits).
    public var positionsInBytes: Bool { formatString & 0x80 != 0 }
    /// Bits 6–3 of bmFormatString: where the PIN starts, in system units.
    public var pinPosition: Int { Int(formatString >> 3 & 0x0F) }
    /// Bit 2 of bmFormatString: the PIN ends at the end of the block.
    public var rightJustified: Bool { formatString & 0x04 != 0 }
    /// Bits 1–0 of bmFormatString, or nil for the reserved value 3.
    public var encoding: Encoding? { Encoding(rawValue: formatString & 0x03) }
    /// Bits 7–4 of bmPINBlockString: size of the PIN length field in bits (0: no length is inserted).
    public var lengthFieldBits: Int { Int(blockString >> 4) }
    /// Bits 3–0 of bmPINBlockString: size of the PIN block in bytes (0: as long as the PIN).
    public var blockSize: Int { Int(blockString & 0x0F) }
    /// Bit 4 of bmPINLengthFormat: the length position counts bytes (else bits).
    public var lengthPositionInBytes: Bool { lengthFormat & 0x10 != 0 }
    /// Bits 3–0 of bmPINLengthFormat: where the PIN length goes, in its units.
    public var lengthPosition: Int { Int(lengthFormat & 0x0F) }

    /// Bits one digit takes.
    public var bitsPerDigit: Int { encoding == .bcd ? 4 : 8 }
}

/// A PIN verification request (bPINOperation 00) as the reader receives it.
public struct PINVerification: Hashable, Sendable {
    /// bTimeOut in seconds (0: the reader's default).
    public var timeoutSeconds: Int
    public var format: PINFormat
    /// bEntryValidationCondition: 1 = maximum size reached, 2 = validation key, 4 = timeout.
    public var validation: UInt8
    public var numberOfMessages: UInt8
    public var languageID: UInt16
    public var messageIndex: UInt8
    /// bTeoPrologue: NAD, PCB and LEN of the T=1 I-block the reader builds.
    public var prologue: [UInt8]
    /// The APDU template.
    public var apdu: [UInt8]
}

/// A PIN modification request (bPINOperation 01) as the reader receives it.
public struct PINModification: Hashable, Sendable {
    public var timeoutSeconds: Int
    public var format: PINFormat
    /// Where the current PIN goes, in bytes from the start of the APDU data.
    public var currentPINOffset: Int
    /// Where the new PIN goes, in bytes from the start of the APDU data.
    public var newPINOffset: Int
    /// bConfirmPIN: bit 0 = enter the new PIN twice, bit 1 = enter the current PIN first.
    public var confirm: UInt8
    public var validation: UInt8
    public var numberOfMessages: UInt8
    public var languageID: UInt16
    public var messageIndexes: [UInt8]
    public var prologue: [UInt8]
    public var apdu: [UInt8]

    /// Whether the current PIN is asked for.
    public var asksCurrentPIN: Bool { confirm & 0x02 != 0 }
    /// Whether the new PIN is asked for twice.
    public var asksConfirmation: Bool { confirm & 0x01 != 0 }
}

/// The PIN operations a Secure message can carry.
public enum SecureRequest: Hashable, Sendable {
    case verify(PINVerification)
    case modify(PINModification)

    /// Parses the data of PC_to_RDR_Secure (starting with bPINOperation). Errors carry the offset of
    /// the refused byte in the CCID message. `threeMessageIndexes`: the GemPC PinPad layout, where a
    /// modification always carries bMsgIndex1…3.
    public static func parse(_ data: [UInt8], threeMessageIndexes: Bool) throws(ParameterError) -> SecureRequest {
        let base = CCIDHeader.length
        guard let operation = data.first else { throw .wrongLength(expected: 20, actual: 0) }
        switch operation {
        case 0x00:
            guard data.count >= 15 + 4 else { throw .wrongLength(expected: 19, actual: data.count) }
            let format = try parseFormat(data, at: 2, digitsAt: 5)
            let validation = try validationCondition(data[7], offset: base + 7)
            return .verify(
                PINVerification(
                    timeoutSeconds: Int(data[1]), format: format, validation: validation, numberOfMessages: data[8],
                    languageID: UInt16(data[9]) | UInt16(data[10]) << 8, messageIndex: data[11],
                    prologue: Array(data[12..<15]), apdu: Array(data[15...])))
        case 0x01:
            guard data.count >= 15 else { throw .wrongLength(expected: 24, actual: data.count) }
            let format = try parseFormat(data, at: 2, digitsAt: 7)
            let validation = try validationCondition(data[10], offset: base + 10)
            let count = data[11]
            var indexCount = 1
            if threeMessageIndexes {
                indexCount = 3
            } else {
                if count != 0 { indexCount += 1 }
                if count >= 3 { indexCount += 1 }
            }
            let prologueStart = 14 + indexCount
            guard data.count >= prologueStart + 3 + 4 else { throw .wrongLength(expected: prologueStart + 7, actual: data.count) }
            return .modify(
                PINModification(
                    timeoutSeconds: Int(data[1]), format: format, currentPINOffset: Int(data[5]), newPINOffset: Int(data[6]),
                    confirm: data[9], validation: validation, numberOfMessages: count,
                    languageID: UInt16(data[12]) | UInt16(data[13]) << 8, messageIndexes: Array(data[14..<prologueStart]),
                    prologue: Array(data[prologueStart..<(prologueStart + 3)]), apdu: Array(data[(prologueStart + 3)...])))
        default:
            throw .badByte(offset: base)
        }
    }

    private static func parseFormat(_ data: [UInt8], at index: Int, digitsAt digits: Int) throws(ParameterError) -> PINFormat {
        let base = CCIDHeader.length
        let format = PINFormat(
            formatString: data[index], blockString: data[index + 1], lengthFormat: data[index + 2],
            minimumDigits: Int(data[digits + 1]), maximumDigits: Int(data[digits]))
        guard format.encoding != nil else { throw .badByte(offset: base + index) }
        guard format.minimumDigits <= format.maximumDigits, format.maximumDigits > 0 else { throw .badByte(offset: base + digits) }
        return format
    }

    private static func validationCondition(_ byte: UInt8, offset: Int) throws(ParameterError) -> UInt8 {
        guard (1...7).contains(byte) else { throw .badByte(offset: offset) }
        return byte
    }
}
