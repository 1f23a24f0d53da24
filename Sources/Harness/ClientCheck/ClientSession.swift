import Foundation
import ISO7816
import MynaApplications
import VirtualReader

/// One exchange of a client session with what the card's state was when it was sent, worked out
/// from the exchanges before it: the rules judge commands in their context.
package struct ClientExchange: Sendable {
    /// Position in the session (0-based) and the card session (power cycle) it belongs to.
    package var index: Int
    package var cardSession: Int
    package var time: String
    package var command: [UInt8]
    package var response: [UInt8]
    package var apdu: CommandAPDU?
    /// The application selected when the command was sent, and whether by its full AID.
    package var application: CardApplicationID?
    package var selectedByFullAID: Bool
    /// The current EF when the command was sent (after a SELECT by FID).
    package var currentFile: FileID?

    package var ins: UInt8? { apdu?.ins ?? command.dropFirst().first }

    /// The file the command concerns: the one a SELECT by FID selects, else the current EF.
    package var concernedFile: UInt16? {
        if let apdu, apdu.ins == 0xA4, apdu.p1 == 0x02, apdu.data.count == 2 { return UInt16(apdu.data[0]) << 8 | UInt16(apdu.data[1]) }
        return currentFile
    }
    package var status: StatusWord {
        response.count >= 2 ? StatusWord(response[response.count - 2], response[response.count - 1]) : StatusWord(0x6F00)
    }
    package var data: [UInt8] { Array(response.dropLast(2)) }
    package var hasCommandData: Bool { !(apdu?.data.isEmpty ?? true) }

    /// The key a VERIFY or COMPUTE DIGITAL SIGNATURE refers to: the SFI in P2 (`80|sfi`) or the
    /// current EF.
    package var keyReference: UInt16? {
        guard let apdu else { return nil }
        if apdu.p2 & 0x80 != 0, apdu.p2 & 0x1F != 0 { return UInt16(apdu.p2 & 0x1F) }
        return currentFile
    }

    /// A SELECT by DF name: the application it names, if one.
    package var selectsApplication: (CardApplicationID?, name: [UInt8])? {
        guard let apdu, apdu.ins == 0xA4, apdu.p1 == 0x04 else { return nil }
        return (CardApplicationID.selected(by: apdu.data)?.application, apdu.data)
    }

    package var description: String { "#\(index + 1) \(Hex.encode(command)) → \(Hex.encode(response))" }
}

/// What a client did to the card during one check: the reader's trace of one slot, and how the
/// client process ended.
package struct ClientSession: Sendable {
    package var exchanges: [ClientExchange]
    /// Card-level events in order, with the exchange count before each (for "what came after").
    package var events: [(kind: TraceEvent.Kind, afterExchanges: Int, time: String)]
    package var exitStatus: Int32?
    /// Killed for running past the scenario's time limit.
    package var timedOut: Bool
    /// Terminated by a signal (a crash, unless `timedOut`).
    package var signal: Int32?
    package var output: String
    /// Wall-clock time the client process ended (the trace's format).
    package var endedAt: String?

    /// Builds the session from trace events of one slot.
    package init(
        trace: [TraceEvent], slot: Int = 0, exitStatus: Int32? = 0, timedOut: Bool = false, signal: Int32? = nil,
        output: String = "", endedAt: String? = nil
    ) {
        var exchanges: [ClientExchange] = []
        var events: [(TraceEvent.Kind, Int, String)] = []
        var application: CardApplicationID?
        var fullAID = false
        var file: FileID?
        var cardSession = 0
        for event in trace where event.slot == slot {
            switch event.event {
            case .transmit:
                guard let commandHex = event.command, let command = try? Hex.decode(commandHex) else { continue }
                let response = (try? Hex.decode(event.response ?? "")) ?? []
                var exchange = ClientExchange(
                    index: exchanges.count, cardSession: cardSession, time: event.time, command: command, response: response,
                    apdu: try? CommandAPDU(bytes: command), application: application, selectedByFullAID: fullAID, currentFile: file)
                // Work out the state after this exchange.
                if let apdu = exchange.apdu, apdu.ins == 0xA4, exchange.status.isSuccess {
                    switch apdu.p1 {
                    case 0x04:
                        let selected = CardApplicationID.selected(by: apdu.data)
                        application = selected?.application
                        fullAID = selected?.fullAID ?? false
                        file = nil
                    case 0x02 where apdu.data.count == 2: file = FileID(apdu.data[0]) << 8 | FileID(apdu.data[1])
                    case 0x00:
                        application = nil
                        file = nil
                    default: break
                    }
                }
                exchange.index = exchanges.count
                exchanges.append(exchange)
            case .powerOn, .reset, .powerOff, .insert, .remove:
                events.append((event.event, exchanges.count, event.time))
                application = nil
                fullAID = false
                file = nil
                cardSession += 1
            case .mute, .interrupted:
                events.append((event.event, exchanges.count, event.time))
            case .block, .reader, .fault:
                continue  // below the APDU level: the rules judge APDUs
            }
        }
        self.exchanges = exchanges
        self.events = events.map { (kind: $0.0, afterExchanges: $0.1, time: $0.2) }
        self.exitStatus = exitStatus
        self.timedOut = timedOut
        self.signal = signal
        self.output = output
        self.endedAt = endedAt
    }
}

/// Problems with client-check inputs (profiles, scenarios, traces) or runs.
package enum ClientCheckError: Error, CustomStringConvertible, Sendable {
    /// A file (with `:line` where known) and what is wrong with it.
    case file(String, String)
    case run(String)

    package var description: String {
        switch self {
        case .file(let place, let message): return "\(place): \(message)"
        case .run(let message): return message
        }
    }
}
