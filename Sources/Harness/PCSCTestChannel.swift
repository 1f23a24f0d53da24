import Foundation
import ISO7816
import PCSC
import VirtualReader

/// A PC/SC reader as a test channel. Our own virtual readers are recognised by name (`mynasim …
/// 00 SS`, whichever reader path a sandbox puts in front of the simulator): their card can be
/// restored through the simulator's control socket (`MYNASIM_SOCKET`); any other reader holds a
/// real card, so destructive cases need permission and the retry counter is guarded.
package final class PCSCTestChannel: TestChannel {
    let channel: PCSCChannel
    package var name: String { "PC/SC \"\(channel.readerName)\"" }
    package let isRealCard: Bool
    let simulatorSlot: Int?

    package init(reader: String) throws {
        channel = try PCSCChannel(reader: reader)
        let ours = channel.readerName.hasPrefix("mynasim ")
        isRealCard = !ours
        let slot = channel.readerName.split(separator: " ").last.flatMap { Int($0, radix: 16) }
        simulatorSlot = ours && ProcessInfo.processInfo.environment["MYNASIM_SOCKET"] != nil ? slot : nil
    }

    package func powerOn() throws -> [UInt8] { try channel.powerOn() }
    package func reset() throws -> [UInt8] { try channel.reset() }
    package func powerOff() throws { try channel.powerOff() }
    package func transmit(_ command: [UInt8]) throws -> [UInt8] { try channel.transmit(command) }

    package func restoreIssuedState() throws -> Bool {
        guard let slot = simulatorSlot, let socket = ProcessInfo.processInfo.environment["MYNASIM_SOCKET"] else { return false }
        let reply = try ControlClient(address: try SocketAddress(socket)).send(.restore(slot: slot))
        guard reply.ok else { throw ReaderError.controlFailed(reply.error ?? "restore refused") }
        _ = try channel.reset()
        return true
    }
}
