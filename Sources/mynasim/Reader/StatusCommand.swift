import ArgumentParser
import Dispatch
import Foundation
import MynaApplications
import MynaCard
import VirtualReader

/// `mynasim status`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the simulator's slots, cards, counters and connections.")
    @OptionGroup var socketOption: SimulatorSocketOption
    @Flag(name: .long, help: "Print JSON for machines.") var json = false

    func run() throws {
        if !json, socketOption.socket == nil, let up = try? UpDirectory.fromEnvironment(explicit: nil) {
            guard let pid = up.runningPID else {
                throw CLIError(
                    "the mynasim up in \(up.url.path) is not running ($\(UpDirectory.variable) is stale; eval \"$(mynasim down)\")")
            }
            print("mynasim up: pid \(pid) in \(up.url.path), PC/SC clients use PCSCLITE_CSOCK_NAME=\(up.url.path)/pcscd.comm")
        }
        let reply = try ControlClient(address: socketOption.address).checked(.status)
        guard let status = reply.status else { throw CLIError("the simulator sent no status") }
        if json {
            try JSONOutput.print(status)
            return
        }
        print("listening on \(status.listening.joined(separator: ", "))")
        print("connections: " + status.connections.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        for slot in status.slots {
            let served = slot.servedBy.map { ", served through \($0)" } ?? ""
            guard let card = slot.card else {
                print("slot \(slot.slot): empty (profile \(slot.profile), \(slot.watchers) watching\(served))")
                if let link = slot.link { print("  \(link)") }
                continue
            }
            print("slot \(slot.slot): \(slot.name ?? "?") \(card)")
            print(
                "  \(slot.powered ? "powered" : "unpowered"), ATR \(slot.atr ?? "-"), extended \(slot.extendedLength ? "yes" : "no"), profile \(slot.profile), \(slot.apdus) APDUs, \(slot.watchers) watching"
            )
            print("  tries left: " + slot.triesLeft.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            if slot.faults != .none { print("  faults: \(slot.faults)") }
            if let profile = slot.readerProfile { print("  reader profile \(profile): \(slot.quirks?.description ?? "none")") }
            if let door = slot.servedBy { print("  served through \(door)") }
            if let link = slot.link { print("  \(link)") }
        }
    }
}

extension ControlClient {
    /// Sends a request and turns a refusal into a one-line error.
    @discardableResult
    func checked(_ request: ControlRequest) throws -> ControlReply {
        let reply = try send(request)
        guard reply.ok else { throw CLIError(reply.error ?? "the simulator refused the request") }
        return reply
    }
}
