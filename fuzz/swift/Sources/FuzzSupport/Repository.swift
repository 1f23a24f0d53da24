import Foundation
import MynaPersona

/// The repository the fuzz package sits in (fuzz/swift/ of it), for the shipped vectors.
public enum Repository {
    /// The repository root: `MYNASIM_ROOT`, else found from this source file's path.
    public static let root: URL = {
        if let root = ProcessInfo.processInfo.environment["MYNASIM_ROOT"] { return URL(fileURLWithPath: root) }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { url.deleteLastPathComponent() }
        return url
    }()

    /// A shipped persona directory, e.g. `yamada-taro`.
    public static func persona(_ name: String) -> URL { root.appendingPathComponent("vectors/personas/\(name)") }

    /// Loads a shipped persona or stops the fuzzer with a message (the vectors must be there).
    public static func loadPersona(_ name: String) -> PersonaDirectory {
        do {
            return try PersonaDirectory(url: persona(name))
        } catch {
            FileHandle.standardError.write(Data("fuzz: cannot load the persona \(name) (set MYNASIM_ROOT?): \(error)\n".utf8))
            exit(2)
        }
    }
}

/// A private directory for one fuzzer process (removed at exit is not needed: it lives in the
/// system's temporary directory and holds a few small files).
public enum Scratch {
    public static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mynasim-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Writes `bytes` to a file of the scratch directory and returns its path.
    public static func file(_ name: String, _ bytes: [UInt8]) -> String {
        let url = directory.appendingPathComponent(name)
        FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        return url.path
    }

    /// A copy of a shipped persona in the scratch directory (a card whose state may change).
    public static func copyOfPersona(_ name: String) -> URL {
        let destination = directory.appendingPathComponent("personas/\(name)")
        if !FileManager.default.fileExists(atPath: destination.path) {
            try? FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            do { try FileManager.default.copyItem(at: Repository.persona(name), to: destination) } catch {
                FileHandle.standardError.write(Data("fuzz: cannot copy the persona \(name): \(error)\n".utf8))
                exit(2)
            }
            for leftover in [PersonaDirectory.FileName.state, PersonaDirectory.FileName.lock] {
                try? FileManager.default.removeItem(at: destination.appendingPathComponent(leftover))
            }
        }
        return destination
    }
}
