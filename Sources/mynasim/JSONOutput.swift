import Foundation

/// The CLI's `--json` output: pretty, key-sorted, slashes left alone (paths stay readable).
enum JSONOutput {
    static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func print<T: Encodable>(_ value: T) throws { Swift.print(try string(value)) }
}
