import Foundation

/// A suite: every `*.apdu` script under one or more directories, in name order. Scripts under an
/// `include/` directory are pieces other scripts include, not scripts of their own.
package enum Suite {
    /// The script files of the suites in `directories`.
    package static func scripts(in directories: [String]) throws(SuiteError) -> [String] {
        var files: [String] = []
        for directory in directories {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
                let enumerator = FileManager.default.enumerator(atPath: directory)
            else { throw .notADirectory(directory) }
            let found = (enumerator.allObjects as? [String] ?? []).filter { path in
                path.hasSuffix(".apdu") && !path.split(separator: "/").dropLast().contains("include")
            }
            files += found.sorted().map { (directory as NSString).appendingPathComponent($0) }
        }
        guard !files.isEmpty else { throw .empty(directories) }
        return files
    }

    /// The parsed scripts of the suites in `directories`.
    package static func load(_ directories: [String]) throws -> [Script] {
        try scripts(in: directories).map { path throws(ScriptError) in try ScriptParser.parse(path: path) }
    }
}

/// Why a suite cannot be run.
package enum SuiteError: Error, Hashable, Sendable, CustomStringConvertible {
    case notADirectory(String)
    case empty([String])

    package var description: String {
        switch self {
        case .notADirectory(let path): return "\(path): not a directory (a suite is a directory of *.apdu scripts)"
        case .empty(let directories): return "no *.apdu scripts under \(directories.joined(separator: ", "))"
        }
    }
}
