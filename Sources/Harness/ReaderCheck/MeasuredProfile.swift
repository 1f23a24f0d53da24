import Foundation
import VirtualReader

/// The reader profile (YAML) of what a reader check measured: the reader's identity, the behaviour
/// seen, in the terms of a quirk profile (so `--reader-profile FILE` emulates this reader), and
/// every figure. It loads with ``ReaderProfile/load(path:)`` like the shipped profiles.
package enum MeasuredProfile {
    /// The profile of `run`.
    package static func profile(_ run: ReaderCheckRun) -> ReaderProfile {
        let reader = run.reader
        return ReaderProfile(
            name: "measured " + reader.name,
            description: "\(reader.name), measured by \(run.tool) reader-check on \(run.date) with \(run.card.description)",
            reader: ReaderProfile.MeasuredReader(
                name: reader.name, vendor: reader.vendor, ifdType: reader.ifdType, version: reader.version, serial: reader.serial,
                firmware: reader.firmware, idVendor: reader.idVendor, idProduct: reader.idProduct, maxAPDUDataSize: reader.maxAPDUDataSize),
            quirks: run.behaviour,
            measured: run.results.map { result in
                ReaderProfile.Measurement(
                    check: result.id, verdict: result.verdict.rawValue,
                    figures: result.figures.map {
                        .init(name: $0.name, value: $0.value, unit: $0.unit, threshold: $0.threshold?.description)
                    })
            })
    }

    /// The profile as YAML text.
    package static func yaml(_ run: ReaderCheckRun) -> String { yaml(profile(run), tool: run.tool) }

    /// Written out rather than by Yams' `YAMLEncoder`, which writes every number in scientific
    /// notation (a 28-character name as `2.8e+1`, 0.28 ms as `2.8e-1`): people read these files.
    static func yaml(_ profile: ReaderProfile, tool: String) -> String {
        var lines = [
            "# A reader profile measured by \(tool) reader-check (docs/reader-check.md).",
            "# Emulate this reader: mynasim sandbox --reader-profile THIS-FILE … (or serve, or card configure).",
            "profile: \(quote(profile.name))",
        ]
        if let description = profile.description { lines.append("description: \(quote(description))") }
        if let reader = profile.reader {
            lines.append("reader:")
            let fields: [(String, String?)] = [
                ("name", reader.name), ("vendor", reader.vendor), ("ifd-type", reader.ifdType), ("version", reader.version),
                ("serial", reader.serial), ("firmware", reader.firmware), ("id-vendor", reader.idVendor), ("id-product", reader.idProduct),
            ]
            for (key, value) in fields { if let value { lines.append("  \(key): \(quote(value))") } }
            if let size = reader.maxAPDUDataSize { lines.append("  max-apdu-data-size: \(size)") }
        }
        let quirks = profile.quirks
        lines.append("behaviour:")
        lines.append("  part10: \(quirks.part10)")
        if let advertised = quirks.advertisesExtended { lines.append("  advertises-extended: \(advertised)") }
        lines.append("  extended-apdus: \(quirks.extendedAPDUs)")
        if let interval = quirks.presencePollingMillis { lines.append("  presence-polling-ms: \(interval)") }
        if let spurious = quirks.spuriousRemoval {
            lines += ["  spurious-removal:", "    after-idle-ms: \(spurious.afterIdleMillis)", "    absent-ms: \(spurious.absentMillis)"]
        }
        lines.append("  drops-last-byte-at: [\(quirks.dropsLastByteAt.map(String.init).joined(separator: ", "))]")
        lines.append("  passes-61xx: \(quirks.passes61xx)")
        lines.append("  exchange-delay-us: \(quirks.exchangeDelayMicros)")
        if let measured = profile.measured {
            lines.append("measured:")
            for measurement in measured {
                lines.append("  - check: \(measurement.check)")
                lines.append("    verdict: \(quote(measurement.verdict))")
                lines.append(measurement.figures.isEmpty ? "    figures: []" : "    figures:")
                for figure in measurement.figures {
                    lines.append("      - name: \(quote(figure.name))")
                    lines.append("        value: \(number(figure.value))")
                    lines.append("        unit: \(quote(figure.unit))")
                    if let threshold = figure.threshold { lines.append("        threshold: \(quote(threshold))") }
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML double-quoted scalar.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\x%02X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A number YAML reads back as the same float.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
