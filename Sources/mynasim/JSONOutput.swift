import Foundation
import Harness

/// The CLI's `--json` output: pretty, key-sorted, slashes left alone (paths stay readable).
enum JSONOutput {
    static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try Reports.json(value), as: UTF8.self)
    }

    static func print<T: Encodable>(_ value: T) throws { Swift.print(try string(value)) }
}
