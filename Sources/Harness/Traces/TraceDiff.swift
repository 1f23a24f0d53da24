import ISO7816
import MynaApplications
import MynaPersona
import VirtualReader

/// Replays the commands of a recorded session (one slot of a trace, e.g. recorded on a real card
/// with `mynasim record`) against a persona's virtual card, and compares each answer with the
/// recorded one: status word, data length and BER-TLV structure. Values are never compared for
/// the report or shown: they hold the holder's personal data, which differs between any two
/// cards anyway.
package struct TraceDiff: Codable, Sendable {
    /// How one side answered, without its values.
    package struct Answer: Codable, Sendable, Hashable {
        package var status: String
        package var meaning: String
        package var length: Int
        /// Tags and lengths (`30(1152){…}`), when the response starts at a data object.
        package var shape: String?
    }

    /// One exchange of the recording and how the virtual card answered it.
    package struct Exchange: Codable, Sendable {
        /// Position among the slot's exchanges (1-based), as `mynasim trace show` numbers them.
        package var number: Int
        /// The command named, secrets hidden.
        package var command: String
        /// Nil when the recording has no answer (interrupted by a removal, or a mute card).
        package var recorded: Answer?
        package var virtual: Answer
        /// `status`, `length`, `structure`: what differs, each with its detail.
        package var differences: [Difference]
        /// Why it was sent differently, or not compared.
        package var note: String?

        /// Something differs that two cards of the same kind would not: any status word or
        /// structure, or a length other than that of personal data (or any length, `strict`).
        package func differs(strict: Bool = false) -> Bool { differences.contains { strict || !$0.personal } }
    }

    /// One way two answers differ.
    package struct Difference: Codable, Sendable, Hashable {
        package enum Kind: String, Codable, Sendable, CaseIterable {
            case status, length, structure
        }
        package var kind: Kind
        package var detail: String
        /// A length of the holder's personal data (a name, an address, a certificate): it differs
        /// between any two cards.
        package var personal = false
    }

    package var trace: String
    package var card: String
    package var slot: Int
    /// The ATRs of the recording's first power-on and of the virtual card.
    package var recordedATR: String?
    package var virtualATR: String
    package var exchanges: [Exchange]

    /// Whether anything differs: an ATR or any compared exchange (`strict`: lengths of personal data too).
    package func differs(strict: Bool = false) -> Bool { atrDiffers || exchanges.contains { $0.differs(strict: strict) } }
    package var atrDiffers: Bool { recordedATR.map { $0 != virtualATR } ?? false }

    /// Replays `events` (the trace at `trace`) against the card of `persona`. VERIFY commands that the
    /// recorded card accepted are sent with the persona's own value for that credential (the
    /// recording holds another card's PIN) unless `keepCredentials`.
    package init(events: [TraceEvent], trace: String, persona: PersonaDirectory, slot: Int?, keepCredentials: Bool = false) throws {
        let chosen = slot ?? events.first(where: { $0.event == .transmit })?.slot ?? events.first?.slot ?? 0
        var channel = try InProcessChannel(persona: persona)
        let values = Dictionary(channel.image.credentials.map { ($0.policy.id, $0.initialValue) }) { first, _ in first }
        self.trace = trace
        self.card = persona.url.lastPathComponent
        self.slot = chosen
        virtualATR = Hex.encode(channel.powerOn())
        var powered = true
        var context = CardContext()
        var number = 0
        var exchanges: [Exchange] = []
        var continuesStructured = false
        var continuesPersonal = false
        for event in events where event.slot == chosen {
            switch event.event {
            case .powerOn, .reset:
                if recordedATR == nil { recordedATR = event.atr }
                let atr = event.event == .reset && powered ? channel.reset() : channel.powerOn()
                virtualATR = Hex.encode(atr)
                powered = true
                context.reset()
            case .powerOff, .remove, .insert:
                channel.powerOff()
                powered = false
                context.reset()
            case .transmit, .interrupted, .mute:
                guard let hex = event.command, let recordedCommand = try? Hex.decode(hex) else { continue }
                number += 1
                if !powered {
                    _ = channel.powerOn()
                    powered = true
                }
                let recordedResponse = event.event == .transmit ? (try? Hex.decode(event.response ?? "")) : nil
                let description = CommandDescription(recordedCommand, in: context)
                var command = recordedCommand
                var note: String?
                if !keepCredentials, let substitute = Self.substitute(recordedCommand, recordedResponse, context, values) {
                    command = substitute
                    note = "sent with the persona's value; the recorded card accepted its holder's"
                }
                let response = channel.transmit(command)
                let isGetResponse = recordedCommand.count >= 2 && recordedCommand[1] == Instruction.getResponse
                let structured = description.structuredResponse || (isGetResponse && continuesStructured)
                let personal = description.personalResponse || (isGetResponse && continuesPersonal)
                let more = response.count >= 2 && response[response.count - 2] == 0x61
                continuesStructured = structured && more
                continuesPersonal = personal && more
                var exchange = Exchange(
                    number: number, command: description.name,
                    recorded: recordedResponse.flatMap { Self.answer($0, structured: structured) },
                    virtual: Self.answer(response, structured: structured)
                        ?? Answer(status: "-", meaning: "no status word", length: response.count, shape: nil),
                    differences: [], note: note)
                if let recordedResponse {
                    exchange.differences = Self.compare(recordedResponse, response, structured: structured).map { difference in
                        var difference = difference
                        difference.personal = personal && difference.kind == .length
                        return difference
                    }
                    context.update(command: recordedCommand, response: recordedResponse)
                } else {
                    exchange.note =
                        event.event == .mute
                        ? "not compared: the recorded card never answered (mute)"
                        : "not compared: the recorded card was removed before it answered"
                }
                exchanges.append(exchange)
            case .block, .reader, .fault:
                continue
            }
        }
        self.exchanges = exchanges
    }

    /// A VERIFY with a value the recorded card accepted: the same VERIFY with the persona's value.
    static func substitute(
        _ command: [UInt8], _ response: [UInt8]?, _ context: CardContext, _ values: [CredentialID: [UInt8]]
    ) -> [UInt8]? {
        guard let response, response.suffix(2) == [0x90, 0x00], let apdu = try? CommandAPDU(bytes: command),
            apdu.ins == Instruction.verify, apdu.cla & 0x80 == 0, !apdu.data.isEmpty
        else { return nil }
        let file = context.credentialFile(p2: apdu.p2)
        guard let id = file.flatMap({ context.application?.credential(at: $0)?.id }), let value = values[id], value != apdu.data else {
            return nil
        }
        return CommandAPDU.verify(p2: apdu.p2, value: value).bytes
    }

    static func answer(_ response: [UInt8], structured: Bool) -> Answer? {
        guard let r = try? ResponseAPDU(bytes: response) else { return nil }
        return Answer(
            status: r.status.description, meaning: r.status.meaning, length: r.data.count,
            shape: structured && !r.data.isEmpty ? DataShape(r.data)?.text(depth: 2) : nil)
    }

    /// Status word, data length, then tags and declared lengths of the BER-TLV objects.
    static func compare(_ recorded: [UInt8], _ virtual: [UInt8], structured: Bool) -> [Difference] {
        guard let first = try? ResponseAPDU(bytes: recorded), let second = try? ResponseAPDU(bytes: virtual) else {
            return recorded.count == virtual.count ? [] : [Difference(kind: .length, detail: "a response without a status word")]
        }
        var differences: [Difference] = []
        let (a, b) = (first.status, second.status)
        if a != b { differences.append(Difference(kind: .status, detail: "\(a) (\(a.meaning)) vs \(b) (\(b.meaning))")) }
        let (x, y) = (first.data, second.data)
        if x.count != y.count { differences.append(Difference(kind: .length, detail: "\(x.count) vs \(y.count) data bytes")) }
        if structured, !x.isEmpty, !y.isEmpty {
            switch (DataShape(x), DataShape(y)) {
            case (let p?, let q?):
                if let difference = p.firstDifference(from: q) {
                    differences.append(Difference(kind: difference.inTags ? .structure : .length, detail: difference.text))
                }
            case (nil, nil): break
            case (.some, nil): differences.append(Difference(kind: .structure, detail: "BER-TLV in the recording only"))
            case (nil, .some): differences.append(Difference(kind: .structure, detail: "BER-TLV from the virtual card only"))
            }
        }
        return differences
    }
}
