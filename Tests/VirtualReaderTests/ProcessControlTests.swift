import Foundation
import TestSupport
import Testing

@testable import VirtualReader

/// Children started the way the sandbox starts them, and what the sandbox does to stop them.
@Suite("Child processes")
struct ProcessControlTests {
    /// Polls until `condition` holds or 5 s pass.
    func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    /// Whether the process runs (a zombie does not).
    func running(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    func output(of arguments: [String], options: ChildProcess.Options = .init()) throws -> (ChildProcess, URL) {
        let file = Fixtures.temporaryDirectory("child").appendingPathComponent("out")
        var options = options
        options.output = file.path
        return (try ChildProcess(arguments, options: options), file)
    }

    @Test func aPassedDescriptorIsTheChildsDescriptor3() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        var options = ChildProcess.Options()
        options.passedDescriptors = [fds[1]]
        let (child, _) = try output(of: ["sh", "-c", "echo through-3 >&3"], options: options)
        close(fds[1])
        #expect(child.wait() == 0)
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(fds[0], &buffer, buffer.count)
        #expect(String(decoding: buffer.prefix(max(0, n)), as: UTF8.self) == "through-3\n")
    }

    @Test func stoppingAChildWithItsOwnGroupStopsWhatItStarted() throws {
        var options = ChildProcess.Options()
        options.ownProcessGroup = true
        let (child, file) = try output(of: ["sh", "-c", "sleep 60 & echo $!; wait"], options: options)
        #expect(eventually { ((try? String(contentsOf: file, encoding: .utf8)) ?? "").hasSuffix("\n") })
        let grandchild = try #require(
            pid_t(((try? String(contentsOf: file, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(running(grandchild))
        #expect(child.stop(signal: SIGTERM, grace: .seconds(2)) == 128 + SIGTERM)
        #expect(eventually { !running(grandchild) })
    }

    @Test func aChildGetsItsParentDeathSignalWhenTheThreadThatStartedItEnds() throws {
        try #require(ParentDeathSignal.setpriv != nil, "setpriv (util-linux) is needed")
        let file = Fixtures.temporaryDirectory("pdeath").appendingPathComponent("out")
        let started = Started()
        // The kernel sends the signal when the starting *thread* exits: the documented caveat. The
        // thread waits for "ready" (setpriv has set the signal and run the shell) before it ends.
        let thread = Thread {
            var options = ChildProcess.Options(output: file.path)
            options.parentDeathSignal = SIGTERM
            started.child = try? ChildProcess(
                ["sh", "-c", "trap 'echo got-TERM; exit 0' TERM; echo ready; while :; do sleep 0.05; done"], options: options)
            _ = eventually { ((try? String(contentsOf: file, encoding: .utf8)) ?? "").contains("ready") }
        }
        thread.start()
        #expect(eventually { ((try? String(contentsOf: file, encoding: .utf8)) ?? "").contains("got-TERM") })
        #expect(started.child?.stop(signal: SIGKILL, grace: .seconds(2)) == 0)  // exited by its trap, never hangs the test
    }

    @Test func orphansAreFoundAmongOurChildrenAndStopped() throws {
        #expect(Orphans.adopt())
        let (child, file) = try output(of: ["sh", "-c", "sleep 60 & echo $!"])
        #expect(child.wait() == 0)
        let orphan = try #require(
            pid_t(((try? String(contentsOf: file, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
        // Its shell is gone: with us a subreaper, the sleep is now our child, not PID 1's.
        #expect(Orphans.children().contains(orphan))
        Orphans.stop([orphan])
        #expect(!running(orphan))
        #expect(!Orphans.children().contains(orphan))
    }

    @Test func interruptCleanupRunsNewestFirstOnceAndLateRegistrationsAtOnce() {
        let cleanup = InterruptCleanup()
        let log = Log()
        cleanup.register { log.add("directory") }
        let token = cleanup.register { log.add("withdrawn") }
        cleanup.register { log.add("pcscd") }
        cleanup.register { log.add("client") }
        cleanup.unregister(token)
        cleanup.runAll()
        cleanup.runAll()
        #expect(log.entries == ["client", "pcscd", "directory"])
        cleanup.register { log.add("late") }
        #expect(log.entries.last == "late" && cleanup.count == 0)
    }
}

private final class Started: @unchecked Sendable {
    var child: ChildProcess?
}

private final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var entries: [String] { lock.withLock { items } }
}
