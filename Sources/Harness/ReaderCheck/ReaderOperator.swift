import Foundation

/// The person at a real reader during `--interactive` checks: told what to do, asked to confirm.
/// Every instruction is one line starting with `ACTION:` on standard output, so a script can play
/// the operator.
package protocol ReaderOperator {
    /// Tells the operator something (no answer expected).
    func say(_ text: String)
    /// Asks for an action at the reader (`ACTION: remove the card …`); the check watches the reader
    /// for its effect.
    func instruct(_ action: String)
    /// Asks the operator to press Enter when ready; false when they typed `skip`, closed standard
    /// input, or did not answer within `timeout`.
    func ready(_ prompt: String, timeout: Duration) -> Bool
}

/// The operator on the terminal: instructions on standard output, answers read from standard input
/// with a timeout.
package struct ConsoleOperator: ReaderOperator {
    package init() {}

    package func say(_ text: String) {
        print(text)
        fflush(nil)
    }

    package func instruct(_ action: String) { say("ACTION: \(action)") }

    package func ready(_ prompt: String, timeout: Duration) -> Bool {
        say("ACTION: \(prompt) — press Enter when ready, or type skip (\(Int(timeout.components.seconds)) s)")
        guard let line = Self.readLine(timeout: timeout) else { return false }
        return line.trimmingCharacters(in: .whitespaces).lowercased() != "skip"
    }

    /// One line from standard input, or nil at its end or after `timeout`.
    static func readLine(timeout: Duration) -> String? {
        let deadline = ContinuousClock.now + timeout
        var bytes: [UInt8] = []
        while true {
            let left = deadline - .now
            guard left > .zero else { return nil }
            var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(1000, max(1, EvidenceText.millis(left)))))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            var byte: UInt8 = 0
            guard read(0, &byte, 1) == 1 else { return nil }
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }
}
