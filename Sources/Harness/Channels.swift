import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona

/// What a runner knows about the channel it drives.
package protocol TestChannel: CardChannel {
    /// For reports, e.g. `in-process yamada-taro` or `PC/SC "mynasim Virtual Reader 00 00"`.
    var name: String { get }
    /// A real card may be blocked for good: destructive cases need explicit permission.
    var isRealCard: Bool { get }
    /// Restores the card to its issued state (counters, changed PINs); false if impossible.
    mutating func restoreIssuedState() throws -> Bool
}

/// The virtual card in this process. Each run starts from the persona's issued state and never
/// writes the persona's state file.
package struct InProcessChannel: TestChannel {
    package var card: VirtualCard
    let image: CardImage
    package let name: String
    package var isRealCard: Bool { false }

    package init(persona: PersonaDirectory) throws {
        image = persona.cardImage()
        card = try VirtualCard(image: image, store: InMemoryCardStateStore())
        name = "in-process \(persona.url.lastPathComponent)"
    }

    package mutating func powerOn() -> [UInt8] { card.powerOn() }
    package mutating func reset() -> [UInt8] { card.reset() }
    package mutating func powerOff() { card.powerOff() }
    package mutating func transmit(_ command: [UInt8]) -> [UInt8] { card.process(command) }

    package mutating func restoreIssuedState() throws -> Bool {
        card = try VirtualCard(image: image, store: InMemoryCardStateStore())
        return true
    }
}

/// Answers `61xx` with GET RESPONSE and `6Cxx` by resending with the right Le, at most
/// `limit` times per command, as a bare channel would leave to the host. Switchable.
struct ResponseFollowUp {
    var getResponse = true
    var wrongLe = true
    var limit = 32

    func exchange(_ command: [UInt8], on channel: inout some CardChannel) throws -> [UInt8] {
        var response = try channel.transmit(command)
        var data: [UInt8] = []
        var rounds = 0
        while response.count >= 2, rounds < limit {
            let sw1 = response[response.count - 2]
            let sw2 = response[response.count - 1]
            if sw1 == 0x61 && getResponse {
                data += response.dropLast(2)
                response = try channel.transmit([command[0] & 0x80 == 0 ? 0x00 : command[0], 0xC0, 0x00, 0x00, sw2])
            } else if sw1 == 0x6C && wrongLe && command.count >= 5 {
                var again = command
                again[again.count - 1] = sw2
                response = try channel.transmit(again)
            } else {
                break
            }
            rounds += 1
        }
        return data + response
    }
}

/// Words for a failure of the card or reader under test. The channels throw the project's own
/// errors, whose descriptions are sentences; anything else is named without its internals.
enum ChannelWords {
    static func describe(_ error: any Error) -> String {
        let foundation = String(reflecting: type(of: error)).hasPrefix("Foundation.")
        if !foundation { return String(describing: error) }
        return FileProblem.systemReason(error).map { "the system said: \($0)" } ?? "an unexpected failure of the channel"
    }
}
