import Foundation

/// A new private directory (mode 0700) under $TMPDIR (default /tmp), named PREFIX.XXXXXX.
enum TemporaryDirectory {
    static func make(_ prefix: String) throws -> URL {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            throw CLIError("cannot create a directory in \(base) (\(String(cString: strerror(errno)))); set TMPDIR to a writable directory")
        }
        return URL(fileURLWithPath: String(cString: template))
    }
}
