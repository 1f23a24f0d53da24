import Dispatch
import Foundation
import PCSC
import VirtualReader

/// Starts a private PC/SC world and returns once a client sees it: pcscd starts while the cards
/// are loaded (several at once), then every card (or, without cards, every reader) is waited for
/// through pcscd itself.
enum WorldStarter {
    static func start(_ options: WorldOptions, directory: URL, removeDirectory: Bool) throws -> PCSCSandbox {
        // Until the sandbox owns the directory, a mistake (no handler, a bad --card) removes it here.
        func removingDirectoryOnError<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch {
                if removeDirectory { try? FileManager.default.removeItem(at: directory) }
                throw error
            }
        }
        var configuration = try removingDirectoryOnError { try options.configuration(directory: directory) }
        configuration.removeDirectory = removeDirectory
        let cards = try removingDirectoryOnError { try options.assignedCards(slotCount: configuration.simulator.slotCount) }
        let sandbox = try removingDirectoryOnError {
            do { return try PCSCSandbox(configuration) } catch { throw CLIError("\(error)") }
        }
        do {
            try insert(cards, into: sandbox)
            try waitUntilVisible(
                sandbox, slots: cards.isEmpty ? Array(0..<configuration.simulator.slotCount) : cards.map(\.slot),
                withCards: !cards.isEmpty)
        } catch {
            sandbox.shutdown()
            throw error
        }
        return sandbox
    }

    /// Loads and inserts the cards, in parallel when there are several (each load parses
    /// persona.yaml, reads the keys and checks the issuer's signature).
    static func insert(_ cards: [(slot: Int, path: String)], into sandbox: PCSCSandbox) throws {
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: cards.count) { index in
            let (slot, path) = cards[index]
            do {
                _ = try sandbox.simulator.handle(.insert(slot: slot, card: path))
            } catch {
                failures.add("--card \(path): \(error)")
            }
        }
        if let first = failures.first { throw CLIError(first) }
    }

    /// Waits until pcscd shows each slot's card (or reader): a driver that polls (CCID every
    /// 400 ms, vpcd at its next presence check) sees a card later than our handler does.
    static func waitUntilVisible(_ sandbox: PCSCSandbox, slots: [Int], withCards: Bool) throws {
        setenv("PCSCLITE_CSOCK_NAME", sandbox.pcscSocket, 1)
        let deadline = ContinuousClock.now + .seconds(10)
        for slot in slots {
            let name = sandbox.readerName(slot: slot)
            while true {
                guard sandbox.pcscdRunning else {
                    throw CLIError("pcscd stopped while starting; its log:\n\(sandbox.pcscdLog)")
                }
                let left = Int((deadline - ContinuousClock.now) / .milliseconds(1))
                if let channel = try? PCSCChannel(reader: name) {
                    if !withCards || (try? channel.waitForCard(milliseconds: max(0, left))) == true { break }
                }
                guard left > 0 else {
                    throw CLIError(
                        "pcscd did not show \(withCards ? "the card in " : "")\(name) within 10 s (run with --debug and read pcscd.log)")
                }
                usleep(5_000)
            }
        }
    }
}

/// Error messages gathered from several threads.
private final class Failures: @unchecked Sendable {
    private var messages: [String] = []
    private let lock = NSLock()
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var first: String? { lock.withLock { messages.first } }
}
