import MynaApplications

/// Misbehaviour injected into a slot, for testing how clients and readers cope.
public struct FaultPlan: Codable, Hashable, Sendable {
    /// Remove the card after this many further APDUs have been answered.
    public var removeAfterAPDUs: Int?
    /// Remove the card while this APDU (counting from 1) is being processed: no response is sent.
    public var removeDuringAPDU: Int?
    /// Stop answering: commands get no reply (the handler times out).
    public var mute: Bool
    /// Delay the next exchange by this many microseconds, once.
    public var delayNextMicros: Int?
    /// Answer power-on with this ATR variant instead of the card's own.
    public var atr: CardATR?
    /// Refuse extended-length APDUs (`6700`) and do not advertise them.
    public var shortOnly: Bool
    /// Answer wrongly on purpose (a hostile card); nil or empty for none.
    public var hostile: Set<HostileFault>?
    /// Misbehaviour of the card's transmission protocol (T=1 blocks), behind a TPDU reader.
    public var transmission: TransmissionFaults?
    /// Misbehaviour of an emulated serial reader's line, applied once when configured.
    public var line: LineFaults?

    public init(
        removeAfterAPDUs: Int? = nil, removeDuringAPDU: Int? = nil, mute: Bool = false, delayNextMicros: Int? = nil,
        atr: CardATR? = nil, shortOnly: Bool = false, hostile: Set<HostileFault>? = nil, transmission: TransmissionFaults? = nil,
        line: LineFaults? = nil
    ) {
        self.removeAfterAPDUs = removeAfterAPDUs
        self.removeDuringAPDU = removeDuringAPDU
        self.mute = mute
        self.delayNextMicros = delayNextMicros
        self.atr = atr
        self.shortOnly = shortOnly
        self.hostile = hostile
        self.transmission = transmission
        self.line = line
    }

    public static let none = FaultPlan()
}

/// How the card breaks the T=1 block protocol (ISO/IEC 7816-3 §11) on purpose. Counts are used up
/// as the faults fire.
public struct TransmissionFaults: Codable, Hashable, Sendable {
    /// Corrupt the LRC of the card's next N blocks (the reader's host answers with R-blocks).
    public var corruptLRC: Int
    /// Send nothing in answer to the next N blocks (the reader reports the card mute).
    public var dropBlocks: Int
    /// Answer every S(IFS request) with another size than asked (the host retries, then gives up).
    public var refuseIFS: Bool
    /// Request a waiting-time extension this many times before answering every APDU.
    public var repeatWTX: Int
    /// Never request a waiting-time extension: an operation longer than the block waiting time
    /// leaves the reader with a mute card.
    public var noWTX: Bool
    /// Remove the card when a chained block arrives.
    public var removeDuringChain: Bool

    public init(
        corruptLRC: Int = 0, dropBlocks: Int = 0, refuseIFS: Bool = false, repeatWTX: Int = 0, noWTX: Bool = false,
        removeDuringChain: Bool = false
    ) {
        self.corruptLRC = corruptLRC
        self.dropBlocks = dropBlocks
        self.refuseIFS = refuseIFS
        self.repeatWTX = repeatWTX
        self.noWTX = noWTX
        self.removeDuringChain = removeDuringChain
    }

    public var isEmpty: Bool { self == TransmissionFaults() }
}

/// Faults on an emulated serial reader's line and firmware (the CCID reader emulation).
public struct LineFaults: Codable, Hashable, Sendable {
    /// NAK the next N frames from the host (a NAK storm).
    public var nakFrames: Int
    /// Corrupt the LRC of the reader's next answer frame.
    public var corruptAnswerLRC: Bool
    /// Lose the reader's next answer on the line.
    public var dropAnswer: Bool
    /// Report a parity error for the next XfrBlock.
    public var parityError: Bool

    public init(nakFrames: Int = 0, corruptAnswerLRC: Bool = false, dropAnswer: Bool = false, parityError: Bool = false) {
        self.nakFrames = nakFrames
        self.corruptAnswerLRC = corruptAnswerLRC
        self.dropAnswer = dropAnswer
        self.parityError = parityError
    }
}
