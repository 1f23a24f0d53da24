/// Settings of the emulated firmware that are not part of the model.
public struct FirmwareOptions: Hashable, Sendable {
    /// Send in-band card movement notifications (`50 bmSlotICCState`) after the echo of the next
    /// command once a card was inserted or removed, as real serial readers do in synchronous mode.
    public var slotChangeNotifications: Bool
    /// How long the host waits for each answer; answers are withheld rather than sent later.
    public var deadlines: HostDeadlines

    public init(slotChangeNotifications: Bool = true, deadlines: HostDeadlines = .debianLibccidtwin) {
        self.slotChangeNotifications = slotChangeNotifications
        self.deadlines = deadlines
    }
}

/// The firmware's answer to one command and what goes with it on the line.
public struct FirmwareReply: Hashable, Sendable {
    /// The RDR_to_PC message.
    public var answer: CCIDResponse
    /// A card movement notification (bmSlotICCState) to send after the echo and before the answer.
    public var slotChange: UInt8?
    /// The latest moment the answer may leave: after it the host has stopped waiting.
    public var answerBy: ContinuousClock.Instant
    /// What the firmware did, for traces.
    public var notes: [String]
}
