import ISO7816
import MynaApplications

/// The virtual My Number card: a card OS (MF, DFs by AID, EFs by FID and short id, security
/// state, credentials with durable retry counters, RSA keys) driven by APDUs.
///
/// A value type: whoever owns it serialises access (a reader slot holds it behind a lock).
/// State that must survive power-off is saved through the ``CardStateStore`` before the status
/// word that depends on it is returned.
public struct VirtualCard {
    /// What was issued.
    public let image: CardImage
    /// Counters and changed values, as last saved.
    public private(set) var persistent: PersistentCardState
    let store: any CardStateStore
    /// Volatile state, lost at power-off and reset.
    var session = SessionState()
    /// Why the last state change could not be saved (the command answered `6581`), until taken.
    public private(set) var stateFailure: CardStateError?

    /// Creates a card and loads its durable state (a missing state means a fresh card).
    public init(image: CardImage, store: any CardStateStore) throws(CardStateError) {
        self.image = image
        self.store = store
        self.persistent = try store.load() ?? PersistentCardState()
    }

    /// Whether the card is powered.
    public var isPowered: Bool { session.powered }

    /// Cold reset: power on and return the ATR.
    public mutating func powerOn() -> [UInt8] {
        session = SessionState()
        session.powered = true
        return image.atr
    }

    /// Warm reset: volatile state is cleared.
    public mutating func reset() -> [UInt8] { powerOn() }

    /// Power off: volatile state is lost.
    public mutating func powerOff() { session = SessionState() }

    /// Processes one command APDU and returns the response (data + SW). Never traps: every
    /// malformed or unsupported command gets a status word.
    public mutating func process(_ bytes: [UInt8]) -> [UInt8] {
        guard session.powered else { return StatusWord.noPreciseDiagnosis.bytes }
        let command: CommandAPDU
        do {
            command = try CommandAPDU(bytes: bytes)
        } catch {
            return StatusWord.wrongLength.bytes
        }
        do {
            return try dispatch(command) + StatusWord.success.bytes
        } catch {
            return error.status.bytes
        }
    }

    private mutating func dispatch(_ command: CommandAPDU) throws(CardRefusal) -> [UInt8] {
        let cla = try CommandClass(command.cla)
        if command.isExtended && !image.supportsExtendedLength { throw CardRefusal(.wrongLength) }
        if cla.secureMessaging {
            // Outside a secure-messaging session (none is implemented), card reference §secure-messaging-cla.
            throw CardRefusal(command.ins == Instruction.select ? .secureMessagingNotSupported : .secureMessagingSessionInvalid)
        }
        switch (cla.proprietary, command.ins) {
        case (false, Instruction.select): return try select(command)
        case (false, Instruction.readBinary): return try readBinary(command)
        case (false, Instruction.readRecord): return try readRecord(command)
        case (false, Instruction.verify): return try verify(command)
        case (false, Instruction.changeReferenceData): return try changeReferenceData(command)
        case (false, Instruction.getChallenge): return try getChallenge(command)
        case (false, Instruction.internalAuthenticate): return try internalAuthenticate(command)
        case (false, Instruction.getData): return try getData(command)
        case (true, ProprietaryInstruction.computeDigitalSignature): return try computeDigitalSignature(command)
        case (true, ProprietaryInstruction.changeKey): return try changeKey(command)
        case (true, let ins):
            throw CardRefusal(session.application.flatMap { image.applications[$0].refusedInstructions[ins] } ?? .instructionNotSupported)
        default: throw CardRefusal(.instructionNotSupported)
        }
    }

    /// Saves durable state; if that fails the command fails with `6581`, nothing changes, and
    /// ``stateFailure`` says why.
    mutating func commit(_ update: (inout PersistentCardState) -> Void) throws(CardRefusal) {
        var next = persistent
        update(&next)
        do {
            try store.save(next)
        } catch {
            stateFailure = error
            throw CardRefusal(.memoryFailure)
        }
        persistent = next
    }

    /// Why the last command could not save the card's state, once: the owner logs it.
    public mutating func takeStateFailure() -> CardStateError? {
        defer { stateFailure = nil }
        return stateFailure
    }
}

/// A command that ends in a status word other than `9000`.
struct CardRefusal: Error {
    var status: StatusWord
    init(_ status: StatusWord) { self.status = status }
}

extension StatusWord {
    var bytes: [UInt8] { [sw1, sw2] }
}

/// The CLA byte, classified as the card sees it (card reference §decision-status-words, §secure-messaging-cla).
struct CommandClass {
    /// `8x`: proprietary (JICSAP, card reference §src-jicsap) commands.
    var proprietary: Bool
    /// SM indication bits set (`x4`, `x8`, `xC`).
    var secureMessaging: Bool

    init(_ cla: UInt8) throws(CardRefusal) {
        switch cla {
        case 0x00...0x1F, 0x80...0x9F:
            if cla & 0x03 != 0 { throw CardRefusal(.logicalChannelNotSupported) }
            if cla & 0x10 != 0 { throw CardRefusal(.chainingNotSupported) }
            proprietary = cla & 0x80 != 0
            secureMessaging = cla & 0x0C != 0
        case 0x40...0x7F:
            // Further interindustry classes address logical channels 4–19.
            throw CardRefusal(.logicalChannelNotSupported)
        default:
            throw CardRefusal(.classNotSupported)
        }
    }
}

/// Volatile state of one card session.
struct SessionState {
    var powered = false
    /// Index of the selected application, nil at MF level.
    var application: Int? = nil
    /// Whether anything was selected since power-on (`00 A4 00 00` answers `6A86` before).
    var anySelection = false
    /// The current EF.
    var currentFile: FileID? = nil
    /// Credentials verified in this session.
    var verified: Set<CredentialID> = []
}
