import Foundation
import ISO7816
import MynaCard
import TestSupport
import Testing

/// Generated command sequences, compared status word by status word (and data, where the model
/// knows it) with an independent model of the card's security state (Model/: written from
/// docs/card-reference.md and docs/fidelity.md). A divergence is shrunk to a minimal sequence.
///
/// Sizes (docs/testing.md): by default a CI size per persona; `MYNASIM_MODEL_COMMANDS=N` runs
/// about N commands over the four personas, `MYNASIM_MODEL_LENGTH` sets the sequence length (60)
/// and `MYNASIM_MODEL_SEED` the first seed (so a reported failure replays).
@Suite("Model-based testing of the card")
struct ModelBasedTests {
    static let personas = ["yamada-taro", "takahashi-face", "suzuki-minor", "tanaka-short"]
    static let environment = ProcessInfo.processInfo.environment
    static let length = environment["MYNASIM_MODEL_LENGTH"].flatMap(Int.init) ?? 60
    static let sequences = environment["MYNASIM_MODEL_COMMANDS"].flatMap(Int.init).map { max(1, $0 / length / personas.count) } ?? 200
    /// `MYNASIM_MODEL_STATISTICS=1` prints how often each kind of command got each status word.
    static let statistics = environment["MYNASIM_MODEL_STATISTICS"] == "1"
    static let firstSeed = environment["MYNASIM_MODEL_SEED"].flatMap { UInt64($0) } ?? 0x6D79_6E61_7369_6D00

    @Test(arguments: personas)
    func sequencesAgreeWithTheModel(persona: String) throws {
        let fixture = try ModelFixture(persona)
        var statusWords: [UInt16: Int] = [:]
        var pairs: [String: Int] = [:]
        var commands = 0
        let started = ContinuousClock.now
        for n in 0..<Self.sequences {
            let seed = Self.firstSeed &+ UInt64(n) &* 0x1_0001 &+ UInt64(persona.utf8.count)
            let (sequence, divergence) = fixture.generate(seed: seed, length: Self.length) { command, sw in
                statusWords[sw, default: 0] += 1
                if Self.statistics { pairs["\(command.kind) → \(String(sw, radix: 16, uppercase: true))", default: 0] += 1 }
            }
            commands += sequence.count
            if divergence != nil {
                let (minimal, found) = ModelShrinker { fixture.run($0) }.shrink(sequence)
                let steps = minimal.enumerated().map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n")
                Issue.record("\(persona), seed \(seed): \(found)\nminimal sequence (\(minimal.count) commands):\n\(steps)")
                return
            }
        }
        let elapsed = ContinuousClock.now - started
        print(
            "model-based \(persona): \(Self.sequences) sequences, \(commands) commands, 0 divergences, \(statusWords.count) status words, "
                + "\(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))")
        if Self.statistics {
            print(pairs.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)" }.joined(separator: "\n"))
        }
        // The generator reached deep: successes and the refusals that guard the security state.
        #expect(statusWords[0x9000, default: 0] > commands / 10)
        for sw: UInt16 in [0x6982, 0x6A82, 0x6986] { #expect(statusWords[sw, default: 0] > 0, "never answered \(String(sw, radix: 16))") }
        #expect(statusWords.keys.contains { $0 & 0xFFF0 == 0x63C0 })
        if persona != "takahashi-face" { #expect(statusWords[0x6984, default: 0] > 0, "no credential was ever blocked") }
    }

    /// A model with one deliberate mistake (the retry query uses a try) must disagree with the
    /// card, and the shrinker must bring the sequence down to a handful of commands ending in a query.
    @Test func aMistakeInTheModelIsFoundAndShrunk() throws {
        let fixture = try ModelFixture("yamada-taro")
        var rules = ModelRules(card: fixture.card)
        rules.mutation = .queryUsesATry
        var failing: [ModelCommand]?
        for seed in UInt64(1)...50 {
            let (sequence, divergence) = fixture.generate(seed: seed, length: 80, rules: rules)
            if divergence != nil {
                failing = sequence
                break
            }
        }
        let sequence = try #require(failing, "50 sequences never asked the retry counter")
        let (minimal, divergence) = ModelShrinker { fixture.run($0, rules: rules) }.shrink(sequence)
        #expect(minimal.count <= 4, "\(minimal)")
        #expect(minimal.count < sequence.count)
        guard case .verify(_, _, nil, false) = minimal.last else {
            Issue.record("the minimal sequence does not end in a retry query: \(minimal)")
            return
        }
        #expect(divergence.index == minimal.count - 1)
        // The same sequence agrees with the model as written.
        #expect(fixture.run(minimal) == nil)
    }
}
