import MynaApplications

/// Misbehaviour injected into a slot, for testing how clients and readers cope.
public struct FaultPlan: Codable, Hashable, Sendable, CustomStringConvertible {
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

    /// The faults that are set, in words (`mynasim status`).
    public var description: String {
        var parts: [String] = []
        if let n = removeAfterAPDUs { parts.append("remove after \(n) more APDUs") }
        if let n = removeDuringAPDU { parts.append("remove during APDU \(n)") }
        if mute { parts.append("mute") }
        if let micros = delayNextMicros { parts.append("delay the next exchange by \(micros) µs") }
        if let atr { parts.append("ATR \(atr.rawValue)") }
        if shortOnly { parts.append("short APDUs only") }
        if let hostile, !hostile.isEmpty { parts.append("hostile: " + hostile.map(\.rawValue).sorted().joined(separator: ", ")) }
        if let transmission, !transmission.isEmpty { parts.append("T=1: \(transmission)") }
        if let line { parts.append("line: \(line)") }
        return parts.isEmpty ? "none" : parts.joined(separator: "; ")
    }
}

/// How the card breaks the T=1 block protocol (ISO/IEC 7816-3 §11) on purpose. Counts are used up
/// as the faults fire.
public struct TransmissionFaults: Codable, Hashable, Sendable, CustomStringConvertible {
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

    public var description: String {
        var parts: [String] = []
        if corruptLRC > 0 { parts.append("corrupt the LRC of \(corruptLRC) block(s)") }
        if dropBlocks > 0 { parts.append("leave \(dropBlocks) block(s) unanswered") }
        if refuseIFS { parts.append("refuse IFS requests") }
        if repeatWTX > 0 { parts.append("\(repeatWTX) WTX request(s) before every answer") }
        if noWTX { parts.append("no WTX") }
        if removeDuringChain { parts.append("remove during a chain") }
        return parts.joined(separator: ", ")
    }
}

/// Faults on an emulated serial reader's line and firmware (the CCID reader emulation).
public struct LineFaults: Codable, Hashable, Sendable, CustomStringConvertible {
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

    public var description: String {
        var parts: [String] = []
        if nakFrames > 0 { parts.append("NAK \(nakFrames) frame(s)") }
        if corruptAnswerLRC { parts.append("corrupt the next answer's LRC") }
        if dropAnswer { parts.append("lose the next answer") }
        if parityError { parts.append("parity error on the next XfrBlock") }
        return parts.joined(separator: ", ")
    }
}
