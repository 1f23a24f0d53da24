import MynaApplications
import MynaCard

/// Misbehaviour injected into a slot, for testing how clients cope.
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

    public init(
        removeAfterAPDUs: Int? = nil, removeDuringAPDU: Int? = nil, mute: Bool = false, delayNextMicros: Int? = nil,
        atr: CardATR? = nil, shortOnly: Bool = false, hostile: Set<HostileFault>? = nil
    ) {
        self.removeAfterAPDUs = removeAfterAPDUs
        self.removeDuringAPDU = removeDuringAPDU
        self.mute = mute
        self.delayNextMicros = delayNextMicros
        self.atr = atr
        self.shortOnly = shortOnly
        self.hostile = hostile
    }

    public static let none = FaultPlan()
}
