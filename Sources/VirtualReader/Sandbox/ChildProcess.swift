import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with default signal dispositions and an empty signal mask, so that
/// SIGINT stops it even when our own parent ignores SIGINT (as shells do for background jobs,
/// and as pcscd needs for its orderly shutdown).
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private var exitStatus: Int32?
    private var signalled: Int32?
    private let lock = NSLock()

    /// Starts `arguments[0]` (looked up on PATH) with `environment`, stdout and stderr to `output`
    /// (nil: inherit), stdin from /dev/null unless `inheritStdin`.
    public init(_ arguments: [String], environment: [String: String]? = nil, output: String? = nil, inheritStdin: Bool = false) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if !inheritStdin { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        if let output {
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, &envp)
        guard result == 0 else {
            throw ReaderError.badArgument("cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        self.pid = pid
    }

    /// Whether the process has not exited yet (reaps it if it has).
    public var isRunning: Bool { poll() == nil }

    /// The exit status once it has exited (128+signal for a signal), else nil.
    public func poll() -> Int32? {
        lock.withLock {
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            guard r == pid else { return nil }
            record(status)
            return exitStatus
        }
    }

    /// Waits for the process to exit and returns its status.
    public func wait() -> Int32 {
        if let done = poll() { return done }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return lock.withLock {
            record(status)
            return exitStatus!
        }
    }

    /// Sends `signal`, waits up to `grace` for an exit, then kills. Returns the exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGINT, grace: Duration = .seconds(10)) -> Int32 {
        if let done = poll() { return done }
        kill(pid, signal)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if let done = poll() { return done }
            usleep(5_000)
        }
        kill(pid, SIGKILL)
        return wait()
    }

    /// The signal that ended the process, if one did (its status is then 128 + signal).
    public var terminationSignal: Int32? { lock.withLock { signalled } }

    private func record(_ status: Int32) {
        let signal = status & 0x7F
        exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        signalled = signal == 0 ? nil : signal
    }
}
