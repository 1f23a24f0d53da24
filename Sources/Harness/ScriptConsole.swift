import Foundation
import ISO7816

/// Sees a run as it happens: each case starting, each exchange and each reset.
package protocol ScriptObserver: AnyObject {
    func caseStarted(_ testCase: TestCase, of script: Script)
    func exchanged(command: [UInt8], response: [UInt8], location: SourceLocation)
    func reset(atr: [UInt8], location: SourceLocation)
}

/// Prints exchanges the way pcsc-tools' scriptor does: `> 00 A4 04 0C …` for the command,
/// `< 90 00 : success` for the response (data folded 16 bytes to a line, the status word's meaning
/// after the colon), `> RESET` / `< OK: 3B …` for a reset. Used with `-v`, and by default for
/// scripts without expectations.
package final class ScriptorConsole: ScriptObserver {
    /// Print every script's exchanges, or only those of scripts without expectations.
    let everything: Bool
    let write: (String) -> Void
    private var printing = false

    package init(everything: Bool, write: @escaping (String) -> Void) {
        self.everything = everything
        self.write = write
    }

    package func caseStarted(_ testCase: TestCase, of script: Script) {
        printing = everything || !script.hasExpectations
        if printing, script.cases.count > 1 || everything { write("# \(testCase.id)  \(testCase.title)") }
    }

    package func exchanged(command: [UInt8], response: [UInt8], location: SourceLocation) {
        guard printing else { return }
        write(Self.command(command))
        write(Self.response(response))
    }

    package func reset(atr: [UInt8], location: SourceLocation) {
        guard printing else { return }
        write("> RESET")
        write("< OK: " + Self.spaced(atr))
    }

    /// `> 00 A4 04 0C …`, folded like the response.
    package static func command(_ bytes: [UInt8]) -> String { "> " + folded(bytes) }

    /// `< DATA… SW1 SW2 : meaning`.
    package static func response(_ bytes: [UInt8]) -> String {
        guard bytes.count >= 2 else { return "< " + spaced(bytes) + " : no status word" }
        let status = StatusWord(bytes[bytes.count - 2], bytes[bytes.count - 1])
        return "< " + folded(bytes) + " : " + status.meaning
    }

    /// Hex bytes separated by spaces, 16 to a line; continuation lines indented under the first.
    static func folded(_ bytes: [UInt8]) -> String {
        stride(from: 0, to: max(bytes.count, 1), by: 16).map { spaced(Array(bytes[$0..<min($0 + 16, bytes.count)])) }
            .joined(separator: "\n  ")
    }

    static func spaced(_ bytes: [UInt8]) -> String { bytes.map { Hex.encode([$0]) }.joined(separator: " ") }
}
