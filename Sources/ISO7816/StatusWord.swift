/// An ISO/IEC 7816-4 status word (SW1-SW2), with the meanings this card family uses.
public struct StatusWord: Hashable, Sendable, CustomStringConvertible {
    public var sw1: UInt8
    public var sw2: UInt8

    public init(_ sw1: UInt8, _ sw2: UInt8) {
        self.sw1 = sw1
        self.sw2 = sw2
    }

    public init(_ value: UInt16) {
        self.init(UInt8(value >> 8), UInt8(value & 0xFF))
    }

    /// SW1-SW2 as one 16-bit number.
    public var value: UInt16 { UInt16(sw1) << 8 | UInt16(sw2) }

    public static let success = StatusWord(0x9000)
    public static let endOfFileReached = StatusWord(0x6282)
    public static let memoryFailure = StatusWord(0x6581)
    public static let wrongLength = StatusWord(0x6700)
    public static let logicalChannelNotSupported = StatusWord(0x6881)
    public static let secureMessagingNotSupported = StatusWord(0x6882)
    public static let chainingNotSupported = StatusWord(0x6884)
    public static let incompatibleWithFileStructure = StatusWord(0x6981)
    public static let securityStatusNotSatisfied = StatusWord(0x6982)
    public static let authenticationMethodBlocked = StatusWord(0x6984)
    public static let conditionsOfUseNotSatisfied = StatusWord(0x6985)
    public static let noCurrentEF = StatusWord(0x6986)
    public static let secureMessagingSessionInvalid = StatusWord(0x69FC)
    public static let incorrectData = StatusWord(0x6A80)
    public static let fileNotFound = StatusWord(0x6A82)
    public static let recordNotFound = StatusWord(0x6A83)
    public static let incorrectP1P2 = StatusWord(0x6A86)
    public static let referencedDataNotFound = StatusWord(0x6A88)
    public static let wrongParametersOffset = StatusWord(0x6B00)
    public static let instructionNotSupported = StatusWord(0x6D00)
    public static let classNotSupported = StatusWord(0x6E00)
    public static let noPreciseDiagnosis = StatusWord(0x6F00)
    /// `66F1`: the My Number card's answer to SET SESSION KEY in an AP without secure messaging.
    public static let secureMessagingNotAvailable = StatusWord(0x66F1)

    /// `63Cx`: verification failed, `x` tries left.
    public static func retriesLeft(_ count: Int) -> StatusWord { StatusWord(0x63, 0xC0 | UInt8(max(0, min(count, 15)))) }

    /// The retry count of a `63Cx` status word.
    public var retriesLeft: Int? { sw1 == 0x63 && sw2 & 0xF0 == 0xC0 ? Int(sw2 & 0x0F) : nil }

    /// Whether this is `9000` (or another normal-processing `61xx`).
    public var isSuccess: Bool { value == 0x9000 }

    /// A short English explanation for reports and error messages.
    public var meaning: String {
        switch (sw1, sw2) {
        case (0x90, 0x00): return "success"
        case (0x61, let n): return "\(n == 0 ? 256 : Int(n)) more response bytes available (GET RESPONSE)"
        case (0x62, 0x82): return "end of file reached before Le bytes"
        case (0x62, _): return "warning, non-volatile memory unchanged"
        case (0x63, 0x00): return "verification failed, no retry limit"
        case (0x63, let n) where n & 0xF0 == 0xC0: return "verification failed, \(n & 0x0F) tries left"
        case (0x63, _): return "warning, non-volatile memory changed"
        case (0x65, 0x81): return "memory failure"
        case (0x66, 0xF1): return "secure messaging not available in this application"
        case (0x64, _), (0x65, _), (0x66, _): return "execution error"
        case (0x67, 0x00): return "wrong length"
        case (0x68, 0x81): return "logical channel not supported"
        case (0x68, 0x82): return "secure messaging not supported"
        case (0x68, 0x84): return "command chaining not supported"
        case (0x68, _): return "function in CLA not supported"
        case (0x69, 0x81): return "command incompatible with file structure"
        case (0x69, 0x82): return "security status not satisfied"
        case (0x69, 0x83): return "authentication method blocked"
        case (0x69, 0x84): return "referenced data not usable (blocked)"
        case (0x69, 0x85): return "conditions of use not satisfied"
        case (0x69, 0x86): return "command not allowed (no current EF)"
        case (0x69, 0x87): return "expected secure messaging data objects missing"
        case (0x69, 0x88): return "incorrect secure messaging data objects"
        case (0x69, 0xFC): return "secure messaging session not established"
        case (0x69, _): return "command not allowed"
        case (0x6A, 0x80): return "incorrect parameters in the data field"
        case (0x6A, 0x81): return "function not supported"
        case (0x6A, 0x82): return "file or application not found"
        case (0x6A, 0x83): return "record not found"
        case (0x6A, 0x86): return "incorrect parameters P1-P2"
        case (0x6A, 0x88): return "referenced data not found"
        case (0x6A, _): return "wrong parameters P1-P2"
        case (0x6B, 0x00): return "wrong parameters (offset outside the EF)"
        case (0x6C, let n): return "wrong Le: \(n == 0 ? 256 : Int(n)) bytes available"
        case (0x6D, 0x00): return "instruction not supported"
        case (0x6E, 0x00): return "class not supported"
        case (0x6F, 0x00): return "no precise diagnosis"
        default: return "unknown status word"
        }
    }

    /// Four uppercase hex digits, e.g. `6982`.
    public var description: String { Hex.encode([sw1, sw2]) }
}
