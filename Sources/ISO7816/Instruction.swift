/// Interindustry instruction bytes (ISO/IEC 7816-4 §5.4) the card and its clients use.
public enum Instruction {
    public static let select: UInt8 = 0xA4
    public static let readBinary: UInt8 = 0xB0
    public static let readRecord: UInt8 = 0xB2
    public static let verify: UInt8 = 0x20
    public static let changeReferenceData: UInt8 = 0x24
    public static let getChallenge: UInt8 = 0x84
    public static let internalAuthenticate: UInt8 = 0x88
    public static let getData: UInt8 = 0xCA
    public static let getResponse: UInt8 = 0xC0
}

extension CommandAPDU {
    /// SELECT by DF name, no response data (`00 A4 04 0C`).
    public static func select(application aid: [UInt8]) -> CommandAPDU {
        CommandAPDU(cla: 0x00, ins: Instruction.select, p1: 0x04, p2: 0x0C, data: aid)
    }

    /// SELECT an EF of the current DF by its file identifier (`00 A4 02 0C`).
    public static func select(file fid: UInt16) -> CommandAPDU {
        CommandAPDU(cla: 0x00, ins: Instruction.select, p1: 0x02, p2: 0x0C, data: [UInt8(fid >> 8), UInt8(fid & 0xFF)])
    }

    /// READ BINARY of the current EF from `offset` (at most 32 767), Le `length` (256 or less is
    /// short; more is extended).
    public static func readBinary(offset: Int, length: Int) -> CommandAPDU {
        CommandAPDU(cla: 0x00, ins: Instruction.readBinary, p1: UInt8((offset >> 8) & 0x7F), p2: UInt8(offset & 0xFF), ne: length)
    }

    /// READ RECORD `record` of the current EF (`00 B2 rr 04`).
    public static func readRecord(_ record: UInt8, length: Int = 256) -> CommandAPDU {
        CommandAPDU(cla: 0x00, ins: Instruction.readRecord, p1: record, p2: 0x04, ne: length)
    }

    /// VERIFY the credential `p2` names (`80` the current EF, `80|SFI` by short EF id) with `value`.
    public static func verify(p2: UInt8, value: [UInt8]) -> CommandAPDU {
        CommandAPDU(cla: 0x00, ins: Instruction.verify, p1: 0x00, p2: p2, data: value)
    }

    /// The empty VERIFY (case 1): the retry counter of the credential `p2` names, without using a try.
    public static func retryCounterQuery(p2: UInt8) -> CommandAPDU {
        CommandAPDU(cla: 0x00, ins: Instruction.verify, p1: 0x00, p2: p2)
    }

    /// GET CHALLENGE of `length` random bytes.
    public static func getChallenge(length: Int) -> CommandAPDU {
        CommandAPDU(cla: 0x00, ins: Instruction.getChallenge, p1: 0x00, p2: 0x00, ne: length)
    }

    /// GET DATA of the object `tag` (P1-P2).
    public static func getData(tag: UInt16, length: Int = 256) -> CommandAPDU {
        CommandAPDU(cla: 0x00, ins: Instruction.getData, p1: UInt8(tag >> 8), p2: UInt8(tag & 0xFF), ne: length)
    }

    /// GET RESPONSE for the `61xx` a command got.
    public static func getResponse(length: Int) -> CommandAPDU {
        CommandAPDU(cla: 0x00, ins: Instruction.getResponse, p1: 0x00, p2: 0x00, ne: length)
    }
}
