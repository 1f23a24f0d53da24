import Foundation
import Harness
import ISO7816
import MynaPersona
import TestSupport
import Testing

/// The shipped suites fit any card: run in-process against every shipped persona and freshly
/// issued ones, with the variables `--card` would bind, nothing fails, and every case that does
/// not run says why in terms of the card.
@Suite("Shipped suites on every persona")
struct ShippedSuiteTests {
    static let suites = ["jpki", "jpki-kat", "kenmen"].map { Fixtures.repositoryRoot.appendingPathComponent("vectors/suites/\($0)").path }

    static var shippedPersonas: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: Fixtures.personas.path)) ?? []).filter {
            FileManager.default.fileExists(atPath: Fixtures.personas.appendingPathComponent("\($0)/persona.yaml").path)
        }.sorted()
    }

    /// What `mynasim suite --card DIR` does, in-process.
    static func run(_ directory: PersonaDirectory, variables given: ScriptVariables? = nil) throws -> [CaseResult] {
        let variables = given ?? ScriptVariables(persona: directory.persona)
        let scripts = try Suite.scripts(in: suites).map { try ScriptParser.parse(path: $0, variables: variables.values) }
        var options = ScriptRunner.Options()
        options.variables = variables
        if directory.persona.card.extendedLength { options.profiles = ["extended"] }
        var channel = try InProcessChannel(persona: directory)
        return ScriptRunner(options: options).run(scripts, on: &channel)
    }

    /// The reasons a case may give for not running on `persona`'s card.
    static func acceptable(_ result: CaseResult, on persona: Persona) -> Bool {
        guard result.verdict == .notApplicable, let message = result.message else { return result.verdict == .pass }
        if message.contains("this case is for another card") { return result.id.hasPrefix("KAT-") }
        if message.hasPrefix("profile 'extended'") { return !persona.card.extendedLength }
        if message.hasPrefix("needs SIGN_PW: the card has no signature certificate") { return !persona.card.hasSignatureCertificate }
        if message.hasPrefix("needs AUTH_PIN: a face-authentication card")
            || message.hasPrefix("needs TEXT_PIN: a face-authentication card")
        {
            return persona.card.faceAuthentication
        }
        return false
    }

    static func check(_ results: [CaseResult], on directory: PersonaDirectory, name: String) {
        #expect(results.count >= 204 + 31 + 14, "\(name): only \(results.count) cases")
        let unexpected = results.filter { !acceptable($0, on: directory.persona) }
        #expect(unexpected.isEmpty, "\(name): \(unexpected.map { "\($0.id) \($0.verdict.rawValue): \($0.message ?? "")" })")
    }

    @Test(arguments: shippedPersonas)
    func theSuitesPassOnEveryShippedPersona(_ name: String) throws {
        let directory = try Fixtures.persona(name)
        let results = try Self.run(directory)
        Self.check(results, on: directory, name: name)
        // The persona's own known-answer vectors run and pass; no other persona's do.
        let own = results.filter { $0.id.hasPrefix("KAT-\(name)-") }
        #expect(!own.isEmpty && own.allSatisfy { $0.verdict == .pass }, "\(own.map { "\($0.id) \($0.message ?? "")" })")
        #expect(results.filter { $0.id.hasPrefix("KAT-") && !$0.id.hasPrefix("KAT-\(name)-") }.allSatisfy { $0.verdict == .notApplicable })
    }

    @Test func theSuitesPassOnAFreshPersona() throws {
        let directory = try Fixtures.newPersona("fresh-suite")
        let results = try Self.run(directory)
        Self.check(results, on: directory, name: "fresh")
        // Every JPKI and 券面 case runs on an adult's card; only the other cards' KAT files do not.
        #expect(results.filter { !$0.id.hasPrefix("KAT-") }.allSatisfy { $0.verdict == .pass })
    }

    @Test func theSuitesPassOnAFreshFaceAuthenticationCardWithoutExtendedLength() throws {
        let directory = try Fixtures.newPersona("fresh-face") {
            $0.faceAuthentication = true
            $0.extendedLength = false
        }
        let results = try Self.run(directory)
        Self.check(results, on: directory, name: "fresh face")
        #expect(results.contains { $0.message?.hasPrefix("needs AUTH_PIN: a face-authentication card's PINs are blocked") == true })
        #expect(results.contains { $0.message?.hasPrefix("profile 'extended' is not active") == true })
    }

    /// A wrong PIN given for the card is said once, in words, costs one try, and the cases that
    /// need it are skipped instead of failing one after another.
    @Test func aCredentialThatIsNotTheCardsIsReportedOnceAndNotSentAgain() throws {
        let directory = try Fixtures.persona("sato-hanako")
        var variables = ScriptVariables(persona: directory.persona)
        try variables.assign("AUTH_PIN=\"8642\"")
        let scripts = try Suite.scripts(in: [Self.suites[0]]).map { try ScriptParser.parse(path: $0, variables: variables.values) }
        var options = ScriptRunner.Options()
        options.variables = variables
        options.profiles = ["extended"]
        var channel = try InProcessChannel(persona: directory)
        let ledger = CredentialLedger()
        let results = ScriptRunner(options: options).run(scripts, on: &channel, credentials: ledger)
        let failed = results.filter { $0.verdict == .fail || $0.verdict == .inconclusive }
        #expect(failed.count == 1, "\(failed.map { "\($0.id): \($0.message ?? "")" })")
        #expect(
            failed.first?.message?.hasSuffix(
                "the PIN given for AUTH_PIN is not this card's: 63C2 after the first VERIFY (2 tries left); the remaining cases that need it are skipped"
            )
                == true, "\(failed.first?.message ?? "")")
        let skipped = results.filter { $0.verdict == .skipped }
        #expect(skipped.count > 40)
        #expect(skipped.allSatisfy { $0.message == "needs AUTH_PIN, which the card refused in \(failed[0].id) (63C2)" })
        #expect(ledger.refused.map(\.name) == ["AUTH_PIN"])
        // Only the first VERIFY sent the wrong PIN: one try spent, never a second.
        let sent = results.flatMap(\.steps).compactMap(\.exchange?.command).filter { $0.hasPrefix("0020") && $0.hasSuffix("0438363432") }
        #expect(sent.count == 1, "\(sent)")
        // The signature password was the card's: its cases ran and passed.
        #expect(results.filter { $0.id == "VER-007" }.map(\.verdict) == [.pass])
    }

    @Test func aBlockedCredentialIsSaidToBeBlocked() throws {
        let card = ScriptedChannel(["0020009804 31323334".replacingOccurrences(of: " ", with: ""): ["6984"]])
        var options = ScriptRunner.Options()
        try options.variables.assign("AUTH_PIN=31323334")
        let script = try ScriptParser.parse(
            text: "case A \"first\"\n  00200098 04 $AUTH_PIN => 9000\nend\ncase B \"second\"\n  00200098 04 $AUTH_PIN => 9000\nend",
            path: "/s/blocked.apdu", variables: options.variables.values)
        var channel = card
        let results = ScriptRunner(options: options).run([script], on: &channel)
        #expect(results.map(\.verdict) == [.fail, .skipped])
        #expect(
            results[0].message
                == "/s/blocked.apdu:2:3: the card says AUTH_PIN's PIN is blocked (6984 referenced data not usable (blocked)); "
                + "the remaining cases that need it are skipped")
        #expect(card.sent.count == 1)
    }
}
