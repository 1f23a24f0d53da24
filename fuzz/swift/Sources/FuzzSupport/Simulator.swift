import Foundation
import MynaPersona
import VirtualReader

/// A simulator for the targets that drive one: two slots, listening on a Unix socket in the
/// scratch directory, slot 0 holding a scratch copy of yamada-taro (its state file changes).
public enum FuzzSimulator {
    public static let socketPath = Scratch.directory.appendingPathComponent("mynasim.sock").path
    public static let cardPath = Scratch.copyOfPersona("yamada-taro").path

    public static let shared: ReaderSimulator = {
        do {
            let simulator = try ReaderSimulator(ReaderSimulator.Configuration(addresses: [.unix(socketPath)]))
            _ = try simulator.handle(.insert(slot: 0, card: cardPath))
            return simulator
        } catch {
            FileHandle.standardError.write(Data("fuzz: cannot start the simulator: \(error)\n".utf8))
            exit(2)
        }
    }()

    /// Back to the starting point: slot 0 holds the card in its issued state, no faults, instant
    /// timing; slot 1 is empty.
    public static func reset() {
        let simulator = shared
        for slot in simulator.slots {
            if slot.index != 0 || simulator.status().slots[0].card != cardPath { _ = try? simulator.handle(.remove(slot: slot.index)) }
            _ = try? simulator.handle(.configure(slot: slot.index, profile: .instant, faults: FaultPlan.none))
        }
        if simulator.status().slots[0].card == nil { _ = try? simulator.handle(.insert(slot: 0, card: cardPath)) }
        _ = try? simulator.handle(.restore(slot: 0))
        simulator.slots[0].powerOff()
    }
}
