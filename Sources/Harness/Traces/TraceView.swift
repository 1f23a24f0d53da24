import CardTransmission
import ISO7816
import VirtualReader

/// A trace as people read it: each APDU with the T=1 blocks, T=0 TPDUs, reader messages and
/// faults that carried it underneath, and the power, presence and fault events between them.
package struct TraceView: Sendable {
    /// One line of the view and what is indented under it.
    package struct Entry: Sendable {
        package var event: TraceEvent
        /// Events below the APDU level (and faults) that belong to this exchange.
        package var children: [TraceEvent] = []
        /// The exchange's number on its slot (1-based), for APDUs.
        package var number: Int?
        /// What was selected when the command was sent.
        package var context = CardContext()
        /// The command named, for APDUs.
        package var command: CommandDescription?
        /// A GET RESPONSE that continues a response holding personal data.
        package var continuesPersonal = false

        /// An APDU: answered, interrupted by a removal, or sent to a mute card.
        package var isExchange: Bool { [.transmit, .interrupted, .mute].contains(event.event) }
    }

    package var entries: [Entry]
    /// The slots the trace holds events for.
    package var slots: [Int]
    /// The levels the trace holds events of.
    package var levels: Set<TraceEvent.Level>

    /// Groups `events` (in file order) slot by slot.
    package init(_ events: [TraceEvent], showSecrets: Bool = false) {
        var states: [Int: SlotState] = [:]
        var entries: [Entry] = []
        for event in events {
            var state = states[event.slot] ?? SlotState()
            state.add(event, to: &entries, showSecrets: showSecrets)
            states[event.slot] = state
        }
        for slot in states.keys.sorted() { states[slot]?.flush(to: &entries) }
        self.entries = entries
        slots = Array(Set(events.map(\.slot))).sorted()
        levels = Set(events.map(\.effectiveLevel))
    }

    /// How far one slot's grouping has got.
    struct SlotState {
        var context = CardContext()
        var exchanges = 0
        /// Lower-level events waiting for the APDU they carry.
        var pending: [TraceEvent] = []
        /// The entry whose response is still on its way (T=1 blocks after the APDU was answered).
        var open: Int?
        /// Where the latest block went: an entry, or `nil` for the pending ones.
        var lastBlock: Int??
        /// The latest APDU entry.
        var lastExchange: Int?
        var lastResponsePersonal = false

        mutating func add(_ event: TraceEvent, to entries: inout [Entry], showSecrets: Bool) {
            switch event.event {
            case .reader:
                addReaderMessage(event, to: &entries)
            case .block where event.note?.hasPrefix("PPS") == true && open == nil:
                // Protocol selection belongs to the card session, not to an APDU.
                flush(to: &entries)
                entries.append(Entry(event: event))
                lastBlock = .some(entries.count - 1)
            case .block, .fault:
                if let open {
                    entries[open].children.append(event)
                    lastBlock = .some(open)
                    if Self.completesResponse(event) { self.open = nil }
                } else {
                    pending.append(event)
                    lastBlock = .some(nil)
                }
            case .transmit, .interrupted, .mute:
                addExchange(event, to: &entries, showSecrets: showSecrets)
            case .powerOn, .reset, .powerOff, .insert, .remove:
                flush(to: &entries)
                open = nil
                context.reset()
                lastResponsePersonal = false
                entries.append(Entry(event: event))
            }
        }

        mutating func addExchange(_ event: TraceEvent, to entries: inout [Entry], showSecrets: Bool) {
            var entry = Entry(event: event)
            let command = (try? Hex.decode(event.command ?? "")) ?? []
            let response = (try? Hex.decode(event.response ?? "")) ?? []
            exchanges += 1
            entry.number = exchanges
            entry.context = context
            entry.command = CommandDescription(command, in: context, showSecrets: showSecrets)
            entry.children = pending
            if !pending.isEmpty, case .some(nil) = lastBlock { lastBlock = .some(entries.count) }
            pending = []
            let isGetResponse = command.count >= 2 && command[1] == Instruction.getResponse
            entry.continuesPersonal = isGetResponse && lastResponsePersonal
            lastResponsePersonal = (entry.command?.personalResponse ?? false) || entry.continuesPersonal
            // The response's last block (T=1) or TPDU (T=0) is traced after the APDU.
            open = event.event == .transmit ? entries.count : nil
            if event.event == .transmit { context.update(command: command, response: response) }
            lastExchange = entries.count
            entries.append(entry)
        }

        /// A message to an emulated reader: an XfrBlock or a Secure (PIN pad) message carries a
        /// block or an APDU and goes where the latest block went (or to the latest APDU when the
        /// reader passes APDUs); any other message (power, parameters, escape) stands on its own.
        mutating func addReaderMessage(_ event: TraceEvent, to entries: inout [Entry]) {
            let type = (try? Hex.decode(event.command ?? ""))?.first.flatMap(CommandType.init(rawValue:))
            let carries = type == .xfrBlock || type == .secure
            switch (carries, lastBlock, lastExchange) {
            case (true, .some(.some(let index)), _), (true, nil, .some(let index)):
                entries[index].children.append(event)
            case (true, .some(nil), _):
                pending.append(event)
            default:
                entries.append(Entry(event: event))
            }
        }

        /// Lower-level events no APDU claimed (PPS, a block the card never answered) become entries.
        mutating func flush(to entries: inout [Entry]) {
            entries += pending.map { Entry(event: $0) }
            pending = []
        }

        /// The card's last block of a response: an I-block without the more-data bit, or any T=0 TPDU.
        static func completesResponse(_ event: TraceEvent) -> Bool {
            guard event.event == .block, let hex = event.response, let bytes = try? Hex.decode(hex) else { return false }
            guard let block = try? T1Block(bytes: bytes) else { return event.note?.hasPrefix("T=0") == true }
            if case .information(_, let more, _) = block.content { return !more }
            return false
        }
    }
}
