import CardTransmission
import Foundation
import ISO7816
import VirtualReader

/// Prints a ``TraceView`` as readable exchanges: numbered commands with their names, the bytes
/// (secrets and personal data masked, long data elided), decoded status words, power and
/// presence events, faults, interrupted and unanswered commands, and the blocks and reader
/// messages under each APDU down to a chosen level.
package struct TraceRenderer: Sendable {
    package struct Options: Sendable {
        /// Show PIN values and personal data instead of masking them.
        package var showSecrets = false
        /// The deepest level shown under each APDU (faults are always shown); nil: every level.
        package var level: TraceEvent.Level?
        /// Only this slot's events.
        package var slot: Int?
        /// Data bytes shown before `… (N bytes)`.
        package var dataLimit = 16
        package init() {}
    }

    package var options: Options

    package init(options: Options = Options()) { self.options = options }

    /// The whole trace: a heading, one block per entry and a summary.
    package func render(_ events: [TraceEvent], source: String) -> String {
        let selected = options.slot.map { slot in events.filter { $0.slot == slot } } ?? events
        let view = TraceView(selected, showSecrets: options.showSecrets)
        let start = selected.first.flatMap { TraceTime.seconds($0.time) }
        var lines = [heading(view, selected, source: source, start: start)]
        let slotPrefix = view.slots.count > 1
        for entry in view.entries {
            lines += render(entry, start: start, slotPrefix: slotPrefix)
        }
        lines.append("")
        lines.append(summary(view))
        return lines.joined(separator: "\n")
    }

    func heading(_ view: TraceView, _ events: [TraceEvent], source: String, start: Double?) -> String {
        let order: [TraceEvent.Level] = [.apdu, .tpdu, .reader]
        let levels = order.filter(view.levels.contains).map(\.rawValue).joined(separator: ", ")
        let slots = view.slots.map(String.init).joined(separator: ", ")
        var text =
            "\(source): \(events.count) events · slot\(view.slots.count == 1 ? "" : "s") \(slots) · levels \(levels.isEmpty ? "-" : levels)"
        if let first = events.first {
            text += " · from \(first.time)"
            if let start, let end = events.last.flatMap({ TraceTime.seconds($0.time) }) { text += " for \(Self.elapsed(end - start))" }
        }
        if !options.showSecrets { text += "\nPIN values and personal data are masked (--show-secrets shows them)." }
        return text + "\n"
    }

    static let indent = String(repeating: " ", count: 20)

    func render(_ entry: TraceView.Entry, start: Double?, slotPrefix: Bool) -> [String] {
        let event = entry.event
        let time = start.flatMap { start in TraceTime.seconds(event.time).map { Self.elapsed($0 - start, signed: true) } } ?? event.time
        let slot = slotPrefix ? "[slot \(event.slot)] " : ""
        let number = entry.number.map { "#\($0)" } ?? ""
        let lead = number.padding(toLength: 6, withPad: " ", startingAt: 0) + time.padding(toLength: 14, withPad: " ", startingAt: 0)
        switch event.event {
        case .transmit, .interrupted, .mute:
            return exchange(entry, lead: lead + slot)
        case .insert:
            return [lead + slot + "card inserted" + (event.card.map { " (\(URL(fileURLWithPath: $0).lastPathComponent))" } ?? "")]
        case .remove:
            return [lead + slot + "card removed"]
        case .powerOn, .reset:
            let atr = event.atr.flatMap { try? Hex.decode($0) }.map { " · ATR \(Hex.encode($0, separator: " "))" } ?? ""
            return [lead + slot + (event.event == .powerOn ? "power on" : "reset") + atr]
        case .powerOff:
            return [lead + slot + "power off"]
        case .fault:
            return [lead + slot + "FAULT " + (event.note ?? "")]
        case .block, .reader:
            guard shows(event) else { return [] }
            return [lead + slot + lowerLevel(event, maskCommand: false, maskResponse: false)]
        }
    }

    func exchange(_ entry: TraceView.Entry, lead: String) -> [String] {
        let event = entry.event
        let command = (try? Hex.decode(event.command ?? "")) ?? []
        let description = entry.command ?? CommandDescription(command, in: entry.context)
        let secret = description.secret && !options.showSecrets
        let personal = (description.personalResponse || entry.continuesPersonal) && !options.showSecrets
        var head = lead + description.name
        if let micros = event.durationMicros { head += "  (\(Reports.formatMicros(micros)))" }
        var lines = [event.event == .interrupted ? head + "  ✗ INTERRUPTED" : head]
        lines.append(
            Self.indent + "> "
                + CommandDescription.commandText(
                    command, secret: description.secret, showSecrets: options.showSecrets, limit: options.dataLimit))
        switch event.event {
        case .interrupted:
            let after = event.durationMicros.map { " (after \(Reports.formatMicros($0)))" } ?? ""
            lines.append(Self.indent + "✗ no response: the card was removed while it worked on this command\(after)")
        case .mute:
            lines.append(Self.indent + "✗ no response: the card is mute")
        default:
            lines.append(Self.indent + "< " + responseText(event.response, personal: personal, structured: description.structuredResponse))
        }
        for child in entry.children where shows(child) {
            lines.append(Self.indent + "  " + lowerLevel(child, maskCommand: secret, maskResponse: personal))
        }
        return lines
    }

    /// Data (elided, or its BER-TLV shape when personal), then the status word and its meaning.
    func responseText(_ hex: String?, personal: Bool, structured: Bool) -> String {
        guard let hex, let bytes = try? Hex.decode(hex), let response = try? ResponseAPDU(bytes: bytes) else { return "(no status word)" }
        let (status, data) = (response.status, response.data)
        var text = ""
        if !data.isEmpty {
            if personal {
                let shape = structured ? DataShape(data).map { ": \($0.text(depth: 1))" } ?? "" : ""
                text = "[\(data.count) bytes of personal data\(shape)] "
            } else {
                text = BytesText.elided(data, limit: options.dataLimit) + " "
            }
        }
        return text + "\(Hex.encode([status.sw1, status.sw2], separator: " ")) · \(status.meaning)"
    }

    /// Whether the options show this event under its APDU.
    func shows(_ event: TraceEvent) -> Bool {
        if event.event == .fault { return true }
        guard let level = options.level else { return true }
        let rank: [TraceEvent.Level: Int] = [.apdu: 0, .tpdu: 1, .reader: 2]
        return rank[event.effectiveLevel, default: 0] <= rank[level, default: 2]
    }

    /// A block, TPDU, reader message or fault on one line; the bytes of a secret command or a
    /// personal response are replaced by what the block is.
    func lowerLevel(_ event: TraceEvent, maskCommand: Bool, maskResponse: Bool) -> String {
        switch event.event {
        case .fault:
            return "FAULT \(event.note ?? "")"
        case .block:
            let isT0 = event.note?.hasPrefix("T=0") == true
            let label = isT0 ? "T=0" : (event.note?.hasPrefix("PPS") == true ? "PPS" : "T=1")
            let sent = bytesText(event.command, masked: maskCommand, isT0: isT0)
            let answer = event.response.map { "< " + bytesText($0, masked: maskResponse, isT0: isT0) } ?? "< (no answer)"
            let note = maskCommand || maskResponse ? nil : event.note
            return "\(label) > \(sent)  \(answer)\(note.map { "  · \($0)" } ?? "")"
        default:
            let sent = bytesText(event.command, masked: maskCommand, isT0: false)
            let answer = event.response.map { "< " + bytesText($0, masked: maskResponse, isT0: false) } ?? ""
            let note = maskCommand || maskResponse ? nil : event.note
            return "reader > \(sent)  \(answer)\(note.map { "  · \($0)" } ?? "")"
        }
    }

    /// A block's bytes, or when masked what the block is (`I(0) 9 bytes`) without its contents.
    func bytesText(_ hex: String?, masked: Bool, isT0: Bool) -> String {
        guard let hex, let bytes = try? Hex.decode(hex) else { return "-" }
        guard masked else { return BytesText.elided(bytes, limit: options.dataLimit) }
        if !isT0, let block = try? T1Block(bytes: bytes) { return "\(block) [contents hidden]" }
        return "[\(bytes.count) bytes hidden]"
    }

    func summary(_ view: TraceView) -> String {
        let exchanges = view.entries.filter(\.isExchange)
        let interrupted = exchanges.filter { $0.event.event == .interrupted }.count
        let mute = exchanges.filter { $0.event.event == .mute }.count
        let power = view.entries.filter { [.powerOn, .reset, .powerOff].contains($0.event.event) }.count
        let faults = view.entries.reduce(0) { count, entry in
            count + (entry.event.event == .fault ? 1 : 0) + entry.children.filter { $0.event == .fault }.count
        }
        var parts = ["\(exchanges.count) exchange\(exchanges.count == 1 ? "" : "s")"]
        if interrupted > 0 { parts.append("\(interrupted) interrupted by a removal") }
        if mute > 0 { parts.append("\(mute) unanswered (mute card)") }
        parts.append("\(power) power event\(power == 1 ? "" : "s")")
        if faults > 0 { parts.append("\(faults) fault\(faults == 1 ? "" : "s")") }
        return parts.joined(separator: ", ")
    }

    /// `+12.345 ms`, `+1.234 s`.
    static func elapsed(_ seconds: Double, signed: Bool = false) -> String {
        let sign = signed ? "+" : ""
        return seconds < 1 ? sign + String(format: "%.3f ms", seconds * 1000) : sign + String(format: "%.3f s", seconds)
    }
}
