import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona
import TestSupport
import Testing

@Suite("Durable card state")
struct DurableStateTests {
    @Test func countersAndChangedPINsSurviveARestart() throws {
        let url = try Fixtures.copyOfPersona("yamada-taro")
        let directory = try PersonaDirectory(url: url)
        var card = try directory.makeCard()
        _ = card.powerOn()
        _ = card.send(JPKIAPDU.selectAP)
        _ = card.send(JPKIAPDU.selectEF("0018"))
        #expect(card.sw(JPKIAPDU.verify("0000")) == "63C2")
        // On disk before the status word was returned.
        let saved = try FileCardStateStore(url: directory.stateURL).load()
        #expect(saved?.credentials["jpki.auth-pin"]?.triesLeft == 2)
        #expect(card.sw(JPKIAPDU.verify(directory.persona.credentials.authPIN)) == "9000")
        #expect(card.sw("0024018004" + Hex.encode(Array("4321".utf8))) == "9000")
        #expect(card.sw(JPKIAPDU.verify("0000")) == "63C2")

        var restarted = try PersonaDirectory(url: url).makeCard()
        _ = restarted.powerOn()
        _ = restarted.send(JPKIAPDU.selectAP)
        #expect(restarted.sw("00200098") == "63C2")
        #expect(restarted.sw("00200098" + "04" + Hex.encode(Array("4321".utf8))) == "9000")
        #expect(try FileCardStateStore(url: directory.stateURL).load()?.credentials["jpki.auth-pin"]?.triesLeft == 3)
        // No temp file is left behind.
        #expect(!FileManager.default.fileExists(atPath: directory.stateURL.path + ".tmp"))
    }

    @Test func aMissingStateFileIsAFreshCard() throws {
        let url = try Fixtures.copyOfPersona("yamada-taro")
        var card = try PersonaDirectory(url: url).makeCard()
        _ = card.powerOn()
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.sw("00200098") == "63C3")
        #expect(card.sw("0020009B") == "63C5")
    }

    @Test func aCorruptStateFileIsAnErrorNamingTheFile() throws {
        let url = try Fixtures.copyOfPersona("yamada-taro")
        let directory = try PersonaDirectory(url: url)
        try Data("{\"version\": 1, \"credentials\": {\"jpki.auth-pin\": {\"triesLeft\": ".utf8).write(to: directory.stateURL)
        #expect {
            try directory.makeCard()
        } throws: { error in
            "\(error)".contains(directory.stateURL.path) && "\(error)".contains("corrupt")
        }
        try Data("{\"version\": 7, \"credentials\": {}}".utf8).write(to: directory.stateURL)
        #expect(throws: CardStateError.unsupportedVersion(path: directory.stateURL.path, version: 7)) { try directory.makeCard() }
    }

    @Test func aFailedWriteFailsTheCommandAndKeepsTheCounter() throws {
        let url = try Fixtures.copyOfPersona("yamada-taro")
        let directory = try PersonaDirectory(url: url)
        let readOnly = url.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: readOnly, withIntermediateDirectories: true)
        // A state path whose directory does not exist cannot be written.
        let store = FileCardStateStore(url: readOnly.appendingPathComponent("missing/state.json"), exitAfterSave: false)
        var card = try VirtualCard(image: directory.cardImage(), store: store)
        _ = card.powerOn()
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.sw("00200098" + "04" + Hex.encode(Array("0000".utf8))) == "6581")
        #expect(card.sw("00200098") == "63C3")
        #expect(card.triesLeft(JPKIApplication.authPIN.id) == 3)
        // The card says why, once, for its owner to log.
        let taken = card.takeStateFailure()
        let failure = try #require(taken)
        #expect(failure.description.contains(readOnly.appendingPathComponent("missing/state.json").path))
        #expect(card.takeStateFailure() == nil)
        #expect(card.sw("00200098") == "63C3" && card.stateFailure == nil)
    }

    /// Regression (crash torture, IntegrationTests/torture): a simulator killed between creating
    /// state.json.tmp and renaming it left the temporary file behind for good.
    @Test func aWriteCutShortByACrashLeavesNoTemporaryFileOnceTheCardIsLockedAgain() throws {
        let url = try Fixtures.copyOfPersona("yamada-taro")
        let directory = try PersonaDirectory(url: url)
        var state = PersistentCardState()
        state.credentials["jpki.auth-pin"] = .init(triesLeft: 1)
        try FileCardStateStore(url: directory.stateURL, exitAfterSave: false).save(state)
        let leftover = DurableFile.temporaryURL(for: directory.stateURL)
        #expect(leftover.path == directory.stateURL.path + ".tmp")
        try Data("{\"version\": 1, \"credentials\": {\"jpki.auth-pin\": {\"tri".utf8).write(to: leftover)

        let lock = try directory.lock()
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        var card = try directory.makeCard()
        _ = card.powerOn()
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.sw("00200098") == "63C1")  // the state the interrupted write did not replace
        withExtendedLifetime(lock) {}
    }

    @Test func aLeftoverIsNotTouchedWhileAnotherProcessHoldsTheLock() throws {
        let url = try Fixtures.copyOfPersona("yamada-taro")
        let directory = try PersonaDirectory(url: url)
        let held = try directory.lock()
        let inFlight = DurableFile.temporaryURL(for: directory.stateURL)
        try Data("{}".utf8).write(to: inFlight)
        #expect(throws: CardStateError.locked(path: url.appendingPathComponent(".card.lock").path)) { try directory.lock() }
        #expect(FileManager.default.fileExists(atPath: inFlight.path))
        withExtendedLifetime(held) {}
    }

    /// Found by the model-based test (ModelBasedTests): a wrong VERIFY whose decrement could not be
    /// written answered 6581 but had already ended the credential's verified status; 6581 means
    /// nothing changed (card reference §status-words).
    @Test func aFailedWriteKeepsTheSecurityState() throws {
        let directory = try Fixtures.persona("yamada-taro")
        let unwritable = Fixtures.temporaryDirectory("ro").appendingPathComponent("missing/state.json")
        var card = try VirtualCard(image: directory.cardImage(), store: FileCardStateStore(url: unwritable, exitAfterSave: false))
        _ = card.powerOn()
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.sw("00200098" + "04" + Hex.encode(Array(directory.persona.credentials.authPIN.utf8))) == "9000")  // no write needed
        #expect(card.sw("00200098" + "04" + Hex.encode(Array("0000".utf8))) == "6581")
        let stillVerified = card.isVerified(JPKIApplication.authPIN.id)
        #expect(stillVerified, "the failed write ended the verified status")
        _ = card.send(JPKIAPDU.selectEF("0017"))
        #expect(card.sw("802A0080" + "33" + Hex.encode(JPKIAPDU.sha256DigestInfo([1, 2, 3])) + "00") == "9000")
        #expect(card.sw("00200098") == "63C3")
    }

    @Test func theCardLockIsExclusive() throws {
        let url = try Fixtures.copyOfPersona("yamada-taro")
        let directory = try PersonaDirectory(url: url)
        let held = try directory.lock()
        #expect(throws: CardStateError.self) { try directory.lock() }
        withExtendedLifetime(held) {}
    }
}
