import Foundation
import MynaPersona

/// Where a run's card is.
package enum CardSource: Sendable, Equatable {
    /// A persona's card in this process.
    case persona(URL)
    /// A PC/SC reader, by name, part of a name, or index.
    case reader(String)
    /// A recorded trace answering in place of a card.
    case replay(path: String, mode: ReplayChannel.Mode, slot: Int?)

    /// A channel for the harness. An in-process card starts from the persona's issued state and
    /// never writes its state file.
    package func testChannel() throws -> any TestChannel {
        switch self {
        case .persona(let url): return try InProcessChannel(persona: PersonaDirectory(url: url))
        case .reader(let name): return try PCSCTestChannel(reader: name)
        case .replay(let path, let mode, let slot): return try ReplayChannel(path: path, mode: mode, slot: slot)
        }
    }
}
