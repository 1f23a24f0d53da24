import Foundation
import VirtualReader

/// A short, real client session (a JPKI authentication as OpenSC performs it, card reference
/// §jpki-host-sequences), for targets that evaluate rules against a trace.
public enum SampleTrace {
    public static let events: [TraceEvent] = {
        let exchanges: [(String, String)] = [
            ("00A4040C0AD392F000260100000001", "9000"),
            ("00A4020C02000A", "9000"),
            ("00B0000004", "308205D99000"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
            ("0020008004" + "31323334", "9000"),
            ("00A4020C020017", "9000"),
            (
                "802A00803330313030D06096086480165030402010500042000000000000000000000000000000000000000000000000000000000000000000000",
                "6A86"
            ),
            ("00A4040C0AD3921000310001010408", "9000"),
        ]
        var events = [TraceEvent(time: "2026-01-01T00:00:00.000000Z", slot: 0, event: .insert, card: "yamada-taro")]
        events.append(TraceEvent(time: "2026-01-01T00:00:00.100000Z", slot: 0, event: .powerOn, atr: "3BE000FF8131FE4514"))
        for (i, (command, response)) in exchanges.enumerated() {
            events.append(
                TraceEvent(
                    time: "2026-01-01T00:00:01.\(String(format: "%06d", i * 1000))Z", slot: 0, event: .transmit, command: command,
                    response: response, durationMicros: 1000))
        }
        events.append(TraceEvent(time: "2026-01-01T00:00:02.000000Z", slot: 0, event: .powerOff))
        return events
    }()
}
