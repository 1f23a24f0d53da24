import ISO7816
import MynaCard
import MynaPersona
import TestSupport

/// A card store the test can make fail once (the card must then answer 6581 and change nothing).
final class FlakyCardStore: CardStateStore, @unchecked Sendable {
    var state: PersistentCardState?
    var failNextSave = false

    func load() -> PersistentCardState? { state }

    func save(_ state: PersistentCardState) throws(CardStateError) {
        if failNextSave {
            failNextSave = false
            throw .unwritable(path: "model test", reason: "the write failure the test asked for")
        }
        self.state = state
    }
}

/// Where the card and the model first disagreed.
struct Divergence: CustomStringConvertible, Sendable {
    var index: Int
    var command: ModelCommand
    var apdu: [UInt8]
    var response: [UInt8]
    var expected: [String]

    var description: String {
        "command \(index + 1), \(command): sent \(Hex.encode(apdu)), the card answered \(Hex.encode(response.suffix(2)))"
            + " with \(max(0, response.count - 2)) data bytes; the model expected \(expected.joined(separator: " or "))"
    }
}

/// One persona's card and the model of it, built once.
struct ModelFixture: Sendable {
    let name: String
    let image: CardImage
    let card: ModelCard

    init(_ name: String) throws {
        let directory = try Fixtures.persona(name)
        self.name = name
        image = directory.cardImage()
        card = try ModelCard(name: name, persona: directory)
    }

    /// Runs `commands` on a fresh card and the model, side by side; the first divergence, if any.
    /// `observe` sees every status word (for statistics).
    func run(_ commands: [ModelCommand], rules: ModelRules? = nil, observe: (ModelCommand, UInt16) -> Void = { _, _ in }) -> Divergence? {
        var driver = Driver(fixture: self, rules: rules ?? ModelRules(card: card))
        for (index, command) in commands.enumerated() {
            if let divergence = driver.step(command, index: index, observe: observe) { return divergence }
        }
        return nil
    }

    /// Generates and runs a sequence of `length` commands from `seed`; the sequence and the first
    /// divergence, if any.
    func generate(seed: UInt64, length: Int, rules: ModelRules? = nil, observe: (ModelCommand, UInt16) -> Void = { _, _ in }) -> (
        commands: [ModelCommand], divergence: Divergence?
    ) {
        var driver = Driver(fixture: self, rules: rules ?? ModelRules(card: card))
        var generator = ModelGenerator(card: card, random: SeededRandom(seed: seed))
        var commands: [ModelCommand] = [.powerOn]
        if let divergence = driver.step(.powerOn, index: 0, observe: observe) { return (commands, divergence) }
        while commands.count < length {
            let command = generator.next(after: driver.states[0])
            commands.append(command)
            if let divergence = driver.step(command, index: commands.count - 1, observe: observe) { return (commands, divergence) }
        }
        return (commands, nil)
    }

    /// The card and the set of model states consistent with everything the card has answered.
    struct Driver {
        let fixture: ModelFixture
        let rules: ModelRules
        let store = FlakyCardStore()
        var card: VirtualCard
        var states: [ModelState]

        init(fixture: ModelFixture, rules: ModelRules) {
            self.fixture = fixture
            self.rules = rules
            card = try! VirtualCard(image: fixture.image, store: store)
            states = [ModelState(card: fixture.card)]
        }

        mutating func each(_ change: (inout ModelState) -> Void) {
            states = states.map { state in
                var next = state
                change(&next)
                return next
            }.uniqued()
        }

        mutating func step(_ command: ModelCommand, index: Int, observe: (ModelCommand, UInt16) -> Void) -> Divergence? {
            switch command {
            case .powerOn, .reset:
                let atr = command == .powerOn ? card.powerOn() : card.reset()
                each { $0.clearSession(powered: true) }
                guard atr == fixture.card.atr else {
                    return Divergence(
                        index: index, command: command, apdu: [], response: atr, expected: ["the ATR \(Hex.encode(fixture.card.atr))"])
                }
                return nil
            case .powerOff:
                card.powerOff()
                each { $0.clearSession(powered: false) }
                return nil
            case .restart:
                card = try! VirtualCard(image: fixture.image, store: store)
                each { $0.clearSession(powered: false) }
                return nil
            case .failNextWrite:
                store.failNextSave = true
                each { $0.writeFails = true }
                return nil
            default:
                break
            }
            let apdu = command.apdu(in: states[0])!
            let response = card.process(apdu)
            guard response.count >= 2 else {
                return Divergence(index: index, command: command, apdu: apdu, response: response, expected: ["a status word"])
            }
            let sw = UInt16(response[response.count - 2]) << 8 | UInt16(response[response.count - 1])
            let data = Array(response.dropLast(2))
            observe(command, sw)
            var next: [ModelState] = []
            var expected: [String] = []
            for state in states {
                for outcome in rules.outcomes(command, in: state) {
                    if outcome.accepts(sw: sw, data: data) { next.append(outcome.next) }
                    expected.append(Self.describe(outcome))
                }
            }
            guard !next.isEmpty else {
                return Divergence(index: index, command: command, apdu: apdu, response: response, expected: Array(Set(expected)).sorted())
            }
            states = next.uniqued()
            return nil
        }

        static func describe(_ outcome: ModelOutcome) -> String {
            let sw = Hex.encode([UInt8(outcome.sw >> 8), UInt8(outcome.sw & 0xFF)])
            switch outcome.data {
            case .none: return sw
            case .count(let n): return "\(n) bytes + \(sw)"
            case .exactly(let bytes): return "\(bytes.count) bytes (\(Hex.encode(bytes.prefix(8)))…) + \(sw)"
            }
        }
    }
}

extension Array where Element: Hashable {
    /// The elements without repeats, in their first order (so a run replays exactly).
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
