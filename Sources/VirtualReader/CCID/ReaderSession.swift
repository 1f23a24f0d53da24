/// Bytes for the line, and until when they are worth sending.
public struct Transmission: Hashable, Sendable {
    public var bytes: [UInt8]
    /// After this instant the host no longer reads this as the answer: it must not be sent.
    public var deadline: ContinuousClock.Instant?

    public init(bytes: [UInt8], deadline: ContinuousClock.Instant? = nil) {
        self.bytes = bytes
        self.deadline = deadline
    }
}

/// What one call into the session produced.
public struct SessionOutput: Hashable, Sendable {
    public var transmissions: [Transmission] = []
    public var events: [ReaderTraceEvent] = []
}

/// The reader as seen from the serial line (sans-IO): splits host bytes into frames, refuses bad
/// ones with NAK, hands good ones to the firmware, and frames each answer — after a header-only echo
/// for models that echo, with a pending card movement notification between echo and answer — as
/// one transmission. Line faults are applied here.
public struct ReaderSession: Sendable {
    public private(set) var firmware: ReaderFirmware
    private var decoder = SerialFrameDecoder()
    private var faults = PendingFaults()
    private var lastTransmission: [UInt8]?

    public init(firmware: ReaderFirmware) {
        self.firmware = firmware
    }

    /// Whether part of a host frame is waiting for the rest.
    public var isMidFrame: Bool { decoder.isMidFrame }

    /// Switches a fault on.
    public mutating func inject(_ fault: LinkFault) {
        switch fault {
        case .nakHostFrames(let count, let only):
            faults.naksLeft = max(0, count)
            faults.nakTarget = PendingFaults.Armed(only: only)
        case .corruptNextAnswerLRC(let only): faults.corruptLRC = PendingFaults.Armed(only: only)
        case .dropNextAnswer(let only): faults.dropAnswer = PendingFaults.Armed(only: only)
        case .parityErrorOnNextXfrBlock: firmware.armParityError()
        }
    }

    /// Bytes from the host, received at `receivedAt`.
    public mutating func receive<Bytes: Sequence>(_ bytes: Bytes, at receivedAt: ContinuousClock.Instant) -> SessionOutput
    where Bytes.Element == UInt8 {
        var output = SessionOutput()
        for event in decoder.feed(bytes) {
            handle(event, receivedAt: receivedAt, into: &output)
        }
        return output
    }

    /// The host has been silent for a character time: a half-received frame is refused.
    public mutating func lineIdle() -> SessionOutput {
        var output = SessionOutput()
        if let event = decoder.idleTimeout() { handle(event, receivedAt: ContinuousClock.now, into: &output) }
        return output
    }

    private mutating func handle(_ event: SerialEvent, receivedAt: ContinuousClock.Instant, into output: inout SessionOutput) {
        switch event {
        case .rejected(let error):
            output.events.append(.rejected(error))
            output.transmissions.append(Transmission(bytes: SerialFraming.nakFrame))
        case .retransmitRequest:
            output.events.append(.retransmitted)
            output.transmissions.append(Transmission(bytes: lastTransmission ?? SerialFraming.nakFrame))
        case .message(let message):
            output.events.append(.received(message))
            if faults.takeNAK(for: message) {
                output.events.append(.fault("NAK instead of processing (\(faults.naksLeft) more to come)"))
                output.transmissions.append(Transmission(bytes: SerialFraming.nakFrame))
                return
            }
            let reply = firmware.handle(message, receivedAt: receivedAt)
            output.events.append(.answered(reply.answer, notes: reply.notes))
            var bytes = firmware.model.echoesCommands ? SerialFraming.headerOnlyEcho(of: message) : []
            if PendingFaults.take(&faults.dropAnswer, for: message) {
                output.events.append(.fault("answer dropped on the line"))
            } else {
                if let change = reply.slotChange {
                    output.events.append(.slotChange(change))
                    bytes += [SerialFraming.notifySlotChange, change]
                }
                let corrupt = PendingFaults.take(&faults.corruptLRC, for: message)
                if corrupt { output.events.append(.fault("answer LRC inverted")) }
                bytes += SerialFraming.frame(reply.answer.encoded, corruptLRC: corrupt)
            }
            lastTransmission = bytes
            output.transmissions.append(Transmission(bytes: bytes, deadline: reply.answerBy))
        }
    }
}
