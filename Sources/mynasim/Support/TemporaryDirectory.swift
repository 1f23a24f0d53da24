import Foundation

/// A new private directory (mode 0700) under $TMPDIR (default /tmp), named PREFIX.XXXXXX.
enum TemporaryDirectory {
    static func make(_ prefix: String) throws -> URL {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            throw CLIError("cannot create a directory in \(base) (\(String(cString: strerror(errno)))); set TMPDIR to a writable directory")
        }
        let path = template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return URL(fileURLWithPath: String(decoding: path, as: UTF8.self))
    }

    /// Removes `url` and what is in it, again if another thread was still writing into it.
    static func remove(_ url: URL) {
        for _ in 0..<20 where FileManager.default.fileExists(atPath: url.path) {
            try? FileManager.default.removeItem(at: url)
            usleep(5_000)
        }
    }
}
