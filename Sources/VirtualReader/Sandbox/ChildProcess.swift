import CProcessControl
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with default signal dispositions and an empty signal mask, so that
/// SIGINT stops it even when our own parent ignores SIGINT (as shells do for background jobs).
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    /// Whether the child leads a process group of its own (signals then go to the whole group).
    public let ownsProcessGroup: Bool
    private var exitStatus: Int32?
    private var signalled: Int32?
    private let lock = NSLock()
    private var interruptToken: InterruptCleanup.Token?

    /// How a child is started beyond its arguments.
    public struct Options: Sendable {
        /// The environment (nil: ours).
        public var environment: [String: String]?
        /// stdout and stderr to this file, appended (nil: inherit).
        public var output: String?
        /// stdin from ours rather than /dev/null.
        public var inheritStdin = false
        /// Our descriptors the child gets as 3, 4, … (e.g. a listening socket in the
        /// `sd_listen_fds` convention).
        public var passedDescriptors: [Int32] = []
        /// Start a process group of its own, so `signal` and `stop` reach what the child starts too.
        public var ownProcessGroup = false
        /// The signal the child gets when the thread that started it dies, whatever the reason
        /// (`setpriv --pdeathsig`; the starting thread must outlive the child).
        public var parentDeathSignal: Int32?
        /// Start a session of its own, detached from our terminal (a daemon).
        public var newSession = false
        /// Stop the child (SIGTERM, then SIGKILL) when the process is interrupted (`InterruptCleanup`).
        public var stopOnInterrupt = false

        public init(environment: [String: String]? = nil, output: String? = nil, inheritStdin: Bool = false) {
            self.environment = environment
            self.output = output
            self.inheritStdin = inheritStdin
        }
    }

    /// Starts `arguments[0]` (looked up on PATH) with `environment`, stdout and stderr to `output`
    /// (nil: inherit), stdin from /dev/null unless `inheritStdin`.
    public convenience init(
        _ arguments: [String], environment: [String: String]? = nil, output: String? = nil, inheritStdin: Bool = false
    ) throws {
        try self.init(arguments, options: Options(environment: environment, output: output, inheritStdin: inheritStdin))
    }

    public init(_ arguments: [String], options: Options) throws {
        guard !arguments.isEmpty else { throw ReaderError.badArgument("no command to start") }
        let arguments = options.parentDeathSignal.map { ParentDeathSignal.wrap(arguments, signal: $0) } ?? arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if !options.inheritStdin { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        if let output = options.output {
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // Passed descriptors are first moved above the range they go to, so none overwrites another.
        var staged: [Int32] = []
        defer { for fd in staged { close(fd) } }
        for fd in options.passedDescriptors {
            let high = fcntl(fd, F_DUPFD_CLOEXEC, 64)
            guard high >= 0 else { throw ReaderError.badArgument("cannot pass descriptor \(fd): \(String(cString: strerror(errno)))") }
            staged.append(high)
        }
        for (index, fd) in staged.enumerated() { posix_spawn_file_actions_adddup2(&actions, fd, Int32(3 + index)) }

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
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if options.newSession {
            flags |= Int32(mynasim_posix_spawn_setsid_flag())
        } else if options.ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let env = (options.environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
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
        ownsProcessGroup = options.ownProcessGroup || options.newSession
        if options.stopOnInterrupt {
            let token = InterruptCleanup.shared.register { [weak self] in self?.stop(signal: SIGTERM, grace: .seconds(1)) }
            lock.withLock { interruptToken = token }
        }
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
            if exitStatus == nil { record(status) }
            return exitStatus ?? 128 + SIGKILL
        }
    }

    /// Sends `signal` to the child, or to its whole process group when it leads one.
    public func signal(_ signal: Int32) {
        if ownsProcessGroup {
            kill(-pid, signal)
        } else if poll() == nil {
            kill(pid, signal)
        }
    }

    /// Sends `signal`, waits up to `grace` for an exit, then kills. Returns the exit status. With
    /// a process group of its own, what is left of the group is killed too.
    @discardableResult
    public func stop(signal: Int32 = SIGINT, grace: Duration = .seconds(10)) -> Int32 {
        defer { if ownsProcessGroup { kill(-pid, SIGKILL) } }
        if let done = poll() { return done }
        self.signal(signal)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if let done = poll() { return done }
            usleep(2_000)
        }
        self.signal(SIGKILL)
        return wait()
    }

    /// The signal that ended the process, if one did (its status is then 128 + signal).
    public var terminationSignal: Int32? { lock.withLock { signalled } }

    private func record(_ status: Int32) {
        if let interruptToken { InterruptCleanup.shared.unregister(interruptToken) }
        interruptToken = nil
        let signal = status & 0x7F
        exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        signalled = signal == 0 ? nil : signal
    }
}

/// A parent-death signal for a child, set by util-linux's `setpriv` (Swift cannot call the
/// variadic prctl, and posix_spawn has no hook between fork and exec).
public enum ParentDeathSignal {
    /// `setpriv`, when installed (Debian: util-linux, always there).
    public static let setpriv: String? = PCSCSandbox.which("setpriv")

    /// `arguments` run through `setpriv --pdeathsig`, or unchanged without setpriv.
    public static func wrap(_ arguments: [String], signal: Int32) -> [String] {
        guard let setpriv, let name = name(of: signal) else { return arguments }
        return [setpriv, "--pdeathsig", name, "--"] + arguments
    }

    /// The signal's name as setpriv takes it.
    static func name(of signal: Int32) -> String? {
        [SIGTERM: "TERM", SIGKILL: "KILL", SIGHUP: "HUP", SIGINT: "INT"][signal]
    }
}
