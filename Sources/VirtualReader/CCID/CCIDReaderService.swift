import Foundation

/// An emulated serial CCID reader of one model, exposing some of the simulator's slots on a
/// pseudo-terminal that Debian's `libccidtwin.so` opens as its tty (docs/ccid-reader.md).
public final class CCIDReaderService: @unchecked Sendable {
    public let model: ReaderModel
    /// The simulator slots behind the reader's slots, in order.
    public let slots: [ReaderSlot]
    /// The PIN pad's keys, scripted by `mynasim card configure --keypad`.
    public let keypad = ScriptedKeypad()
    private let host: PTYReaderHost
    private let door: FrontDoor

    /// A reader on a new pty with a stable symlink at `linkPath`. The slots are claimed for it.
    init(model: ReaderModel, slots: [ReaderSlot], linkPath: String, trace: TraceWriter?) throws(ReaderError) {
        guard slots.count == model.slotCount else {
            throw .badArgument("\(model.name) has \(model.slotCount) slot\(model.slotCount == 1 ? "" : "s"), \(slots.count) given")
        }
        let claimed = FrontDoor.ccid(model: model.name, device: linkPath)
        var taken: [ReaderSlot] = []
        do {
            for slot in slots {
                try slot.claim(for: claimed)
                taken.append(slot)
            }
            let firmware = ReaderFirmware(model: model, cards: slots.map { SlotCCIDCard(slot: $0) }, keypad: keypad)
            host = try PTYReaderHost(
                session: ReaderSession(firmware: firmware), linkPath: linkPath,
                trace: trace.map { CCIDTraceBridge(trace: $0, slots: slots) })
            try host.start()
        } catch {
            for slot in taken { slot.release(from: claimed) }
            throw .badArgument("cannot start the \(model.name) reader at \(linkPath): \(error)")
        }
        self.model = model
        self.slots = slots
        self.door = claimed
    }

    /// What reader.conf names: the stable symlink to the pty.
    public var devicePath: String { host.devicePath }

    /// The reader.conf entry for pcsc-lite's serial CCID driver.
    public func readerConfiguration(friendlyName: String, driver: String) -> String {
        """
        FRIENDLYNAME "\(friendlyName)"
        DEVICENAME \(devicePath):\(model.name)
        LIBPATH \(driver)

        """
    }

    /// Applies line faults once (a NAK storm, a corrupted or lost answer, a parity error).
    func inject(_ faults: LineFaults) {
        if faults.nakFrames > 0 { host.inject(.nakHostFrames(faults.nakFrames)) }
        if faults.corruptAnswerLRC { host.inject(.corruptNextAnswerLRC()) }
        if faults.dropAnswer { host.inject(.dropNextAnswer()) }
        if faults.parityError { host.inject(.parityErrorOnNextXfrBlock) }
    }

    /// Stops the reader: the driver sees its tty vanish. The slots are released.
    func stop() {
        host.stop()
        for slot in slots { slot.release(from: door) }
    }
}
