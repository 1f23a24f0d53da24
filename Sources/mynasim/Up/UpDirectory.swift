import Foundation
import MynaCard

/// The directory of a running `mynasim up`: its sockets, its reader.conf, and the files `down`
/// and `status` find it by (`MYNASIM_UP` names it).
struct UpDirectory {
    /// The variable that names the directory.
    static let variable = "MYNASIM_UP"
    let url: URL

    var pidFile: URL { url.appendingPathComponent("up.pid") }
    var lockFile: URL { url.appendingPathComponent("up.lock") }
    /// The environment in sh syntax, for `. DIR/env` (written once the world is ready).
    var environmentFile: URL { url.appendingPathComponent("env") }
    /// What the background `up` prints (the daemon has no terminal).
    var logFile: URL { url.appendingPathComponent("up.log") }

    /// The directory `MYNASIM_UP` names, or an error saying how to get one.
    static func fromEnvironment(explicit: String?) throws -> UpDirectory {
        guard let path = explicit ?? ProcessInfo.processInfo.environment[variable], !path.isEmpty else {
            throw CLIError("no mynasim up to talk to: \(variable) is not set (run eval \"$(mynasim up …)\" first, or pass --directory DIR)")
        }
        return UpDirectory(url: URL(fileURLWithPath: path))
    }

    /// The PID of the `up` that holds the lock, or nil when none does (not started, or gone).
    var runningPID: pid_t? {
        guard FileManager.default.fileExists(atPath: lockFile.path) else { return nil }
        // Holding the lock is proof of life: the running `up` keeps it until it has cleaned up.
        if (try? FileLock(path: lockFile.path)) != nil { return nil }
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The variables a client needs.
    static func variables(socket pcsc: String, simulator: String, directory: URL) -> [(String, String)] {
        [("PCSCLITE_CSOCK_NAME", pcsc), ("MYNASIM_SOCKET", simulator), (variable, directory.path)]
    }
}

/// How `up` and `down` print variables: for `eval` in sh, csh or fish, as ssh-agent does.
enum ShellSyntax: String, CaseIterable {
    case sh, csh, fish

    func set(_ name: String, _ value: String) -> String {
        let quoted = "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
        switch self {
        case .sh: return "\(name)=\(quoted); export \(name);"
        case .csh: return "setenv \(name) \(quoted);"
        case .fish: return "set -gx \(name) \(quoted);"
        }
    }

    func unset(_ name: String) -> String {
        switch self {
        case .sh: return "unset \(name);"
        case .csh: return "unsetenv \(name);"
        case .fish: return "set -e \(name);"
        }
    }

    func echo(_ text: String) -> String {
        "echo '" + text.replacingOccurrences(of: "'", with: "'\\''") + "';"
    }

    /// From `$SHELL` (ssh-agent's rule: a name ending in csh is csh).
    static var fromLoginShell: ShellSyntax {
        let shell = ProcessInfo.processInfo.environment["SHELL"] ?? ""
        if shell.hasSuffix("csh") { return .csh }
        if shell.hasSuffix("fish") { return .fish }
        return .sh
    }
}
