import ArgumentParser
import Dispatch
import Foundation
import MynaApplications
import MynaCard
import VirtualReader

/// `mynasim card insert|remove|configure|restore|connect|disconnect`.
struct CardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Insert, remove, reconfigure or restore a card in a running simulator.",
        subcommands: [Insert.self, Remove.self, Configure.self, Restore.self, Connect.self, Disconnect.self]
    )

    struct Insert: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Insert a persona's card into a slot.")
        @OptionGroup var socketOption: SimulatorSocketOption
        @Option(name: .long, help: "Slot number.") var slot: Int = 0
        @Argument(help: "Persona directory.") var directory: String
        func run() throws {
            let path = URL(fileURLWithPath: directory).standardizedFileURL.path
            try ControlClient(address: socketOption.address).checked(.insert(slot: slot, card: path))
            print("inserted \(path) into slot \(slot)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the card from a slot.")
        @OptionGroup var socketOption: SimulatorSocketOption
        @Option(name: .long, help: "Slot number.") var slot: Int = 0
        func run() throws {
            try ControlClient(address: socketOption.address).checked(.remove(slot: slot))
            print("removed the card from slot \(slot)")
        }
    }

    struct Configure: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a slot's timing profile, faults and reader quirk profile.")
        @OptionGroup var socketOption: SimulatorSocketOption
        @Option(name: .long, help: "Slot number.") var slot: Int = 0
        @OptionGroup var behaviour: SlotBehaviourOptions
        @Option(name: .long, help: "Remove the card after N more APDUs.") var removeAfter: Int?
        @Option(name: .long, help: "Remove the card while APDU number N (since insert) is processed.") var removeDuring: Int?
        @Flag(name: .long, help: "The card stops answering.") var mute = false
        @Option(name: .long, help: "Delay the next exchange by MICROSECONDS, once.") var delayNext: Int?
        @Option(name: .long, help: "Answer with this ATR variant.") var atr: CardATR?
        @Flag(name: .long, help: "Refuse extended-length APDUs and do not advertise them.") var shortOnly = false
        @Option(name: .long, help: "Answer wrongly on purpose (repeatable).") var hostile: [HostileFault] = []
        @OptionGroup(title: "Below the APDU level") var transmission: TransmissionFaultOptions
        @Option(
            name: .long,
            help: "Emulated PIN pad: keys to press at the next PIN entry (0-9, # OK, C cancel, < back, * clear, T no key until timeout).")
        var keypad: String?
        @Flag(name: .long, help: "Clear every fault.") var clear = false
        @Option(
            name: .long,
            help: "Put a reader quirk profile in front of the slot: NAME (vectors/reader-profiles), a YAML file, or none.")
        var readerProfile: String?

        func run() throws {
            let faults = FaultPlan(
                removeAfterAPDUs: removeAfter, removeDuringAPDU: removeDuring, mute: mute, delayNextMicros: delayNext,
                atr: atr, shortOnly: shortOnly, hostile: hostile.isEmpty ? nil : Set(hostile), transmission: transmission.transmission,
                line: transmission.line)
            let anyFault = clear || faults != .none
            let client = try ControlClient(address: socketOption.address)
            let profile = try behaviour.timingProfile(default: nil)
            if anyFault || profile != nil { try client.checked(.configure(slot: slot, profile: profile, faults: anyFault ? faults : nil)) }
            if let keypad { try client.checked(.keypad(slot: slot, keys: keypad)) }
            if let readerProfile {
                try client.checked(.readerProfile(slot: slot, profile: try ReaderProfileAssignment.load(readerProfile)))
            }
            print("slot \(slot) configured")
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give the card in a slot its issued state back (retry counters, PINs) and power it off.")
        @OptionGroup var socketOption: SimulatorSocketOption
        @Option(name: .long, help: "Slot number.") var slot: Int = 0
        func run() throws {
            try ControlClient(address: socketOption.address).checked(.restore(slot: slot))
            print("restored the card in slot \(slot) to its issued state")
        }
    }

    struct Connect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect a slot's card out to vsmartcard's vpcd reader driver (Linux, macOS, Windows).",
            discussion: HelpText.paragraphs(
                """
                The card keeps reconnecting with backoff while the driver is away; `mynasim status` shows the
                link. The vpcd protocol has no authentication: only loopback unless --vpcd-allow-remote.
                """))
        @OptionGroup var socketOption: SimulatorSocketOption
        @Option(name: .long, help: "Slot number.") var slot: Int = 0
        @Option(name: .long, help: "vpcd's HOST:PORT (its reader.conf DEVICENAME /dev/null:PORT listens there).") var vpcd: String
        @Flag(name: .long, help: "Allow a non-loopback host.") var vpcdAllowRemote = false

        func run() throws {
            try ControlClient(address: socketOption.address).checked(.connectVPCD(slot: slot, endpoint: vpcd, allowRemote: vpcdAllowRemote))
            print("slot \(slot): connecting to vpcd at \(vpcd)")
        }
    }

    struct Disconnect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a slot's vpcd link (the driver sees the card removed).")
        @OptionGroup var socketOption: SimulatorSocketOption
        @Option(name: .long, help: "Slot number.") var slot: Int = 0

        func run() throws {
            try ControlClient(address: socketOption.address).checked(.disconnectVPCD(slot: slot))
            print("slot \(slot): vpcd link ended")
        }
    }
}
