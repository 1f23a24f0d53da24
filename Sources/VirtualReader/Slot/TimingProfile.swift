import ISO7816

/// How long the virtual card takes, per command class. `instant` answers at once; `realistic`
/// approximates a contact card in a USB reader (figures and their basis: `realistic` below and
/// docs/fidelity.md).
public struct TimingProfile: Codable, Hashable, Sendable {
    /// Command classes with their own delay.
    public enum CommandClass: String, Codable, CaseIterable, Sendable {
        case powerOn, select, read, verify, sign, challenge, other

        /// The class of a command APDU (by INS).
        public init(command: [UInt8]) {
            guard command.count >= 2 else {
                self = .other
                return
            }
            switch command[1] {
            case 0xA4: self = .select
            case 0xB0, 0xB1, 0xB2, 0xCA: self = .read
            case 0x20, 0x24, 0x32: self = .verify
            case 0x2A, 0x88: self = .sign
            case 0x84: self = .challenge
            default: self = .other
            }
        }
    }

    public var name: String
    /// Fixed delay per class, in microseconds.
    public var delayMicros: [CommandClass: Int]
    /// Transfer time per byte sent or received, in microseconds.
    public var perByteMicros: Int

    public init(name: String, delayMicros: [CommandClass: Int], perByteMicros: Int) {
        self.name = name
        self.delayMicros = delayMicros
        self.perByteMicros = perByteMicros
    }

    public static let instant = TimingProfile(name: "instant", delayMicros: [:], perByteMicros: 0)

    /// A contact card behind a CCID reader after PPS to 115 200 bit/s (≈ 87 µs per byte at 10
    /// bits per character), with on-card processing times typical of JICSAP cards (assumed, card reference §src-jicsap): an RSA-2048
    /// signature dominates at about half a second. No public measurement exists for the My Number
    /// card (card reference §timing); every figure is configurable.
    public static let realistic = TimingProfile(
        name: "realistic",
        delayMicros: [.powerOn: 60_000, .select: 4_000, .read: 6_000, .verify: 25_000, .sign: 450_000, .challenge: 8_000, .other: 4_000],
        perByteMicros: 87
    )

    /// A slow card: three times the realistic figures.
    public static let slow = TimingProfile(
        name: "slow",
        delayMicros: realistic.delayMicros.mapValues { $0 * 3 },
        perByteMicros: realistic.perByteMicros * 3
    )

    /// The shipped profiles.
    public static let all: [TimingProfile] = [instant, realistic, slow]

    public static func named(_ name: String) -> TimingProfile? {
        all.first { $0.name == name }
    }

    /// The delay for one exchange.
    public func delay(command: [UInt8], responseLength: Int) -> Duration {
        let fixed = delayMicros[CommandClass(command: command)] ?? 0
        return .microseconds(fixed + perByteMicros * (command.count + responseLength))
    }

    /// The longest delay a profile or a fault may set, per command class and for `--delay-next`: ten
    /// minutes. Larger figures overflowed the delay arithmetic and stopped the simulator.
    public static let maximumDelayMicros = 600_000_000
    /// The longest transfer time per byte: one second.
    public static let maximumPerByteMicros = 1_000_000

    /// What is wrong with this profile's figures, for a control request or an option to name; nil when
    /// every figure is within 0…``maximumDelayMicros`` (per byte: 0…``maximumPerByteMicros``).
    public var problem: String? {
        for (commandClass, micros) in delayMicros.sorted(by: { $0.key.rawValue < $1.key.rawValue })
        where !(0...Self.maximumDelayMicros).contains(micros) {
            return "the \(commandClass.rawValue) delay of \(micros) µs is not within 0–\(Self.maximumDelayMicros) µs"
        }
        guard (0...Self.maximumPerByteMicros).contains(perByteMicros) else {
            return "the per-byte time of \(perByteMicros) µs is not within 0–\(Self.maximumPerByteMicros) µs"
        }
        return nil
    }

    /// Applies `class=micros` overrides (e.g. `sign=900000`, `perByte=100`).
    public mutating func apply(override text: String) throws(ReaderError) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let value = Int(parts[1]), value >= 0 else {
            throw .badArgument("'\(text)': expected CLASS=MICROSECONDS")
        }
        let limit = parts[0] == "perByte" ? Self.maximumPerByteMicros : Self.maximumDelayMicros
        guard value <= limit else { throw .badArgument("'\(text)': at most \(limit) µs") }
        if parts[0] == "perByte" {
            perByteMicros = value
        } else if let commandClass = CommandClass(rawValue: parts[0]) {
            delayMicros[commandClass] = value
        } else {
            throw .badArgument("'\(parts[0])' is not one of perByte, \(CommandClass.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        name = name.hasSuffix("*") ? name : name + "*"
    }
}

/// Problems with reader configuration and control requests.
public enum ReaderError: Error, Hashable, Sendable, CustomStringConvertible {
    case badArgument(String)
    case noSuchSlot(Int, count: Int)
    case slotOccupied(Int)
    case slotEmpty(Int)
    case cannotInsert(String)
    case controlFailed(String)
    case servedElsewhere(slot: Int, by: String)

    public var description: String {
        switch self {
        case .badArgument(let message): return message
        case .noSuchSlot(let slot, let count): return "slot \(slot) does not exist (the simulator has slots 0–\(count - 1))"
        case .slotOccupied(let slot): return "slot \(slot) already holds a card; remove it first"
        case .slotEmpty(let slot): return "slot \(slot) is empty"
        case .cannotInsert(let message): return message
        case .controlFailed(let message): return message
        case .servedElsewhere(let slot, let door):
            return "slot \(slot) is served through \(door); one reader path at a time drives a card (use another slot)"
        }
    }
}
