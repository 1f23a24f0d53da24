import CProcessControl
import Foundation

/// What a command leaves behind: processes it started and did not wait for. With this process a
/// child subreaper, they are re-parented to us instead of PID 1, so a sandbox can stop them once
/// its command has exited.
public enum Orphans {
    /// Makes this process the reaper of its descendants' orphans. False where the kernel refuses.
    @discardableResult
    public static func adopt() -> Bool { mynasim_become_child_subreaper() == 0 }

    /// Our children's PIDs, from /proc (each /proc/PID/stat's fourth field is the parent).
    public static func children(of parent: pid_t = getpid()) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name -> pid_t? in
            guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8) else { return nil }
            // "PID (COMMAND) STATE PPID …": the command may hold spaces and parentheses.
            guard let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, let ppid = pid_t(fields[1]), ppid == parent else { return nil }
            return pid
        }
    }

    /// Stops every child except `keep`: SIGTERM, up to `grace` to exit, then SIGKILL; reaps them.
    /// Returns how many there were.
    @discardableResult
    public static func stop(keeping keep: Set<pid_t>, grace: Duration = .milliseconds(500)) -> Int {
        let strays = children().filter { !keep.contains($0) }
        stop(strays, grace: grace)
        return strays.count
    }

    /// Stops these children of ours: SIGTERM, up to `grace` to exit, then SIGKILL; reaps them.
    public static func stop(_ pids: [pid_t], grace: Duration = .milliseconds(500)) {
        guard !pids.isEmpty else { return }
        for pid in pids { kill(pid, SIGTERM) }
        var left = Set(pids)
        let deadline = ContinuousClock.now + grace
        while !left.isEmpty {
            for pid in left {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid || (kill(pid, 0) != 0 && errno == ESRCH) { left.remove(pid) }
            }
            guard !left.isEmpty else { break }
            if ContinuousClock.now >= deadline {
                for pid in left {
                    kill(pid, SIGKILL)
                    var status: Int32 = 0
                    waitpid(pid, &status, 0)
                }
                break
            }
            usleep(2_000)
        }
    }
}
