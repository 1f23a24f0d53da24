import ArgumentParser
import Dispatch
import Foundation
import MynaApplications
import MynaCard
import VirtualReader

/// Where `serve`, `card` and `status` meet: `--socket`, else `MYNASIM_SOCKET`, else a per-user default.
struct SimulatorSocketOption: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Simulator socket: a path or tcp:127.0.0.1:PORT (default: $MYNASIM_SOCKET, /run/mynasim/mynasim.sock for root, else $XDG_RUNTIME_DIR/mynasim.sock)."
    )
    var socket: String?

    static var defaultPath: String {
        if let env = ProcessInfo.processInfo.environment["MYNASIM_SOCKET"], !env.isEmpty { return env }
        if getuid() == 0 { return "/run/mynasim/mynasim.sock" }
        if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/mynasim.sock" }
        return "/tmp/mynasim-\(getuid())/mynasim.sock"
    }

    var address: SocketAddress {
        get throws { try SocketAddress(socket ?? Self.defaultPath) }
    }
}

/// `SLOT=DIR` or `DIR` (next free slot).
struct CardAssignment: ExpressibleByArgument {
    var slot: Int?
    var directory: String
    init?(argument: String) {
        if let eq = argument.firstIndex(of: "="), let slot = Int(argument[..<eq]) {
            self.slot = slot
            self.directory = String(argument[argument.index(after: eq)...])
        } else {
            self.slot = nil
            self.directory = argument
        }
    }

    /// Resolves slots: explicit ones first, then the rest in order.
    static func resolve(_ cards: [CardAssignment], slotCount: Int) throws -> [(Int, String)] {
        var used = Set(cards.compactMap(\.slot))
        var next = 0
        return try cards.map { card in
            if let slot = card.slot { return (slot, card.directory) }
            while used.contains(next) { next += 1 }
            guard next < slotCount else { throw CLIError("more cards than slots (\(slotCount)); raise --slots") }
            used.insert(next)
            return (next, card.directory)
        }
    }
}

/// Timing and fault options shared by `serve` and `card configure`.
struct SlotBehaviourOptions: ParsableArguments {
    @Option(name: .long, help: "Timing profile.") var profile: TimingProfile?
    @Option(
        name: .long, parsing: .singleValue,
        help: "Override a delay: CLASS=MICROSECONDS (powerOn, select, read, verify, sign, challenge, other, perByte).")
    var delay: [String] = []

    func timingProfile(default base: TimingProfile?) throws -> TimingProfile? {
        guard profile != nil || !delay.isEmpty else { return base }
        var result = profile ?? base ?? .instant
        for override in delay { try result.apply(override: override) }
        return result
    }
}

extension TimingProfile: ExpressibleByArgument {
    public init?(argument: String) {
        guard let profile = TimingProfile.named(argument) else { return nil }
        self = profile
    }
    public static var allValueStrings: [String] { TimingProfile.all.map(\.name) }
    public var defaultValueDescription: String { name }
}

extension CardATR: ExpressibleByArgument {}
extension HostileFault: ExpressibleByArgument {}

/// `MODEL[@SLOT[,SLOT]]`: an emulated serial CCID reader of `MODEL` (GemPCTwin, GemPCPinPad,
/// SEC1210) over the given slots, or the next free ones.
struct CCIDExposure: ExpressibleByArgument {
    var model: ReaderModel
    var slots: [Int]?

    init?(argument: String) {
        let parts = argument.split(separator: "@", maxSplits: 1).map(String.init)
        guard let model = ReaderModel.named(parts[0]) else { return nil }
        self.model = model
        if parts.count == 2 {
            let slots = parts[1].split(separator: ",").compactMap { Int($0) }
            guard slots.count == model.slotCount, Set(slots).count == slots.count else { return nil }
            self.slots = slots
        }
    }

    static var allValueStrings: [String] { ReaderModel.all.map(\.name) }
}

/// `[SLOT=]HOST:PORT`: the slot's card connects out to vsmartcard's vpcd there.
struct VPCDAssignment: ExpressibleByArgument {
    var slot: Int?
    var endpoint: String

    init?(argument: String) {
        if let eq = argument.firstIndex(of: "="), let slot = Int(argument[..<eq]) {
            self.slot = slot
            endpoint = String(argument[argument.index(after: eq)...])
        } else {
            endpoint = argument
        }
    }
}

/// Hands out slots to reader paths: explicit slots first, then the lowest free ones.
struct SlotAllocator {
    let count: Int
    private var used: Set<Int> = []

    init(count: Int, reserved: [Int]) throws {
        self.count = count
        for slot in reserved {
            guard (0..<count).contains(slot) else { throw CLIError("slot \(slot) does not exist (slots 0–\(count - 1); raise --slots)") }
            guard used.insert(slot).inserted else { throw CLIError("slot \(slot) is given to two reader paths") }
        }
    }

    /// `n` free slots, lowest first.
    mutating func take(_ n: Int, for what: String) throws -> [Int] {
        let free = (0..<count).filter { !used.contains($0) }.prefix(n)
        guard free.count == n else { throw CLIError("\(what) needs \(n) free slot\(n == 1 ? "" : "s"); raise --slots") }
        used.formUnion(free)
        return Array(free)
    }
}

/// Faults below the APDU level: the card's T=1 blocks, and an emulated reader's serial line.
struct TransmissionFaultOptions: ParsableArguments {
    @Option(name: .long, help: "Corrupt the LRC of the card's next N T=1 blocks.") var corruptLrc: Int?
    @Option(name: .long, help: "The card leaves the next N T=1 blocks unanswered (the reader reports it mute).") var dropBlocks: Int?
    @Flag(name: .long, help: "Answer S(IFS request) with another size than asked.") var refuseIfs = false
    @Option(name: .long, help: "Request a waiting-time extension N times before every answer.") var repeatWtx: Int?
    @Flag(name: .long, help: "Never request a waiting-time extension: a slow operation leaves the reader with a mute card.")
    var noWtx = false
    @Flag(name: .long, help: "Remove the card when a chained T=1 block arrives.") var removeDuringChain = false
    @Option(name: .long, help: "Emulated CCID reader: NAK the next N frames from the driver.") var nakStorm: Int?
    @Flag(name: .long, help: "Emulated CCID reader: corrupt the LRC of its next answer frame.") var corruptAnswerLrc = false
    @Flag(name: .long, help: "Emulated CCID reader: lose its next answer on the line.") var dropAnswer = false
    @Flag(name: .long, help: "Emulated CCID reader: report a parity error for the next XfrBlock.") var parityError = false

    var transmission: TransmissionFaults? {
        let faults = TransmissionFaults(
            corruptLRC: corruptLrc ?? 0, dropBlocks: dropBlocks ?? 0, refuseIFS: refuseIfs, repeatWTX: repeatWtx ?? 0, noWTX: noWtx,
            removeDuringChain: removeDuringChain)
        return faults.isEmpty ? nil : faults
    }

    var line: LineFaults? {
        let faults = LineFaults(
            nakFrames: nakStorm ?? 0, corruptAnswerLRC: corruptAnswerLrc, dropAnswer: dropAnswer, parityError: parityError)
        return faults == LineFaults() ? nil : faults
    }
}

extension ReaderPath: ExpressibleByArgument {
    public static var allValueStrings: [String] { argumentForms }
}

/// `[SLOT=]NAME|FILE`: a reader quirk profile (`vectors/reader-profiles/NAME.yaml`, or a YAML file
/// such as a measured profile of `mynasim reader-check`) in front of one slot, or of every slot.
struct ReaderProfileAssignment: ExpressibleByArgument {
    var slot: Int?
    var profile: String

    init?(argument: String) {
        if let eq = argument.firstIndex(of: "="), let slot = Int(argument[..<eq]) {
            self.slot = slot
            profile = String(argument[argument.index(after: eq)...])
        } else {
            profile = argument
        }
        guard !profile.isEmpty else { return nil }
    }

    /// A shipped profile by name, or a file; `none` is a faultless reader.
    static func load(_ nameOrPath: String) throws -> ReaderProfile? {
        guard nameOrPath != "none" else { return nil }
        let shipped = Installation.current.find(.readerProfiles).map { [$0.url] } ?? []
        return try ReaderProfile.locate(nameOrPath, in: shipped)
    }

    /// The profile of each slot of a simulator with `slotCount` slots (a slot's own beats "every slot").
    static func resolve(_ assignments: [ReaderProfileAssignment], slotCount: Int) throws -> [Int: ReaderProfile] {
        var bySlot: [Int: ReaderProfile] = [:]
        for assignment in assignments.sorted(by: { ($0.slot == nil ? 0 : 1) < ($1.slot == nil ? 0 : 1) }) {
            let slots = assignment.slot.map { [$0] } ?? Array(0..<slotCount)
            if let missing = slots.first(where: { !(0..<slotCount).contains($0) }) {
                throw CLIError("--reader-profile \(missing)=…: slot \(missing) does not exist (slots 0–\(slotCount - 1))")
            }
            let profile = try load(assignment.profile)
            for slot in slots { bySlot[slot] = profile }
        }
        return bySlot.compactMapValues { $0 }
    }
}
