import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a reader host's loop ended.
public enum HostTermination: Hashable, Sendable, CustomStringConvertible {
    /// ``PTYReaderHost/stop()`` was called.
    case stopped
    /// The pty failed (read or poll error, e.g. EIO once no slave descriptor is open): the reader is gone.
    case vanished(String)

    public var description: String {
        switch self {
        case .stopped: return "stopped"
        case .vanished(let why): return "pty vanished: \(why)"
        }
    }
}

/// Runs one emulated reader on a pseudo-terminal: one thread reads the master, feeds the
/// ``ReaderSession`` and writes each answer (echo, notification and answer frame) with a single
/// write, unless the host's deadline for it has passed.
public final class PTYReaderHost: @unchecked Sendable {
    /// The pty; its slave is what reader.conf names (directly or through ``link``).
    public let terminal: PseudoTerminal
    /// The stable symlink to the slave, when one was asked for.
    public let link: StableSymlink?
    /// A half-received frame is refused after this much silence.
    public var characterTimeout: Duration = .milliseconds(200)

    private var session: ReaderSession
    private let trace: (any ReaderTrace)?
    private let lock = NSLock()
    private var pendingFaults: [LinkFault] = []
    private var started = false
    private var termination: HostTermination?
    private let finished = DispatchSemaphore(value: 0)
    private let wakePipe: (read: Int32, write: Int32)
    private let onTermination: (@Sendable (HostTermination) -> Void)?

    /// A host for `session` on a new pty, with an optional symlink at `linkPath`.
    public init(
        session: ReaderSession, linkPath: String? = nil, keepSlaveOpen: Bool = true, trace: (any ReaderTrace)? = nil,
        onTermination: (@Sendable (HostTermination) -> Void)? = nil
    ) throws(PTYError) {
        terminal = try PseudoTerminal(keepSlaveOpen: keepSlaveOpen)
        if let linkPath {
            link = try StableSymlink(path: linkPath, target: terminal.slavePath)
        } else {
            link = nil
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw .pipe(errno) }
        wakePipe = (fds[0], fds[1])
        self.session = session
        self.trace = trace
        self.onTermination = onTermination
    }

    deinit {
        Glibc.close(wakePipe.read)
        Glibc.close(wakePipe.write)
    }

    /// The path reader.conf should name: the symlink if any, else the slave.
    public var devicePath: String { link?.path ?? terminal.slavePath }

    /// Starts the I/O thread.
    public func start() throws(PTYError) {
        let alreadyStarted = lock.withLock { () -> Bool in
            defer { started = true }
            return started
        }
        guard !alreadyStarted else { throw .alreadyStarted }
        let thread = Thread { [self] in run() }
        thread.name = "ccid-reader \(terminal.slavePath)"
        thread.start()
    }

    /// Switches a fault on; it applies from the next frame the host sends.
    public func inject(_ fault: LinkFault) {
        lock.withLock { pendingFaults.append(fault) }
    }

    /// Stops the loop, waits for it, removes the symlink and closes the pty. Idempotent.
    public func stop() {
        let wasStarted = lock.withLock { started }
        if wasStarted {
            var byte: UInt8 = 1
            _ = write(wakePipe.write, &byte, 1)
            finished.wait()
            finished.signal()
        }
        link?.remove()
        terminal.close()
    }

    /// How the loop ended, once it has.
    public var terminationReason: HostTermination? { lock.withLock { termination } }

    private func record(_ events: [ReaderTraceEvent]) {
        guard let trace else { return }
        for event in events { trace.record(event) }
    }

    private func run() {
        record([.lifecycle("reader on \(terminal.slavePath) (\(session.firmware.model.name))")])
        let reason = loop()
        record([.lifecycle("reader loop ended: \(reason)")])
        lock.withLock { termination = reason }
        finished.signal()
        onTermination?(reason)
    }

    private func loop() -> HostTermination {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var fds = [
                pollfd(fd: terminal.masterFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0),
            ]
            let timeout: Int32 =
                session.isMidFrame
                ? Int32(
                    characterTimeout.components.seconds * 1000
                        + characterTimeout.components.attoseconds / 1_000_000_000_000_000) : -1
            let ready = poll(&fds, 2, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                return .vanished("poll: \(String(cString: strerror(errno)))")
            }
            if fds[1].revents != 0 { return .stopped }
            if ready == 0 {
                emit(session.lineIdle())
                continue
            }
            let revents = Int32(fds[0].revents)
            if revents & Int32(POLLNVAL) != 0 { return .vanished("master descriptor is no longer valid") }
            guard revents & Int32(POLLIN | POLLHUP | POLLERR) != 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(terminal.masterFD, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return .vanished("read: \(String(cString: strerror(errno))) (errno \(errno))")
            }
            if count == 0 { return .vanished("end of file on the master") }
            let receivedAt = ContinuousClock.now
            applyPendingFaults()
            emit(session.receive(buffer[0..<count], at: receivedAt))
        }
    }

    private func applyPendingFaults() {
        let faults = lock.withLock { () -> [LinkFault] in
            defer { pendingFaults.removeAll() }
            return pendingFaults
        }
        for fault in faults {
            session.inject(fault)
            record([.fault("armed: \(fault)")])
        }
    }

    private func emit(_ output: SessionOutput) {
        record(output.events)
        for transmission in output.transmissions {
            let now = ContinuousClock.now
            if let deadline = transmission.deadline, now > deadline {
                record([.lateAnswerSuppressed(lateBy: deadline.duration(to: now))])
                continue
            }
            writeAll(transmission.bytes, until: transmission.deadline)
            record([.sent(transmission.bytes)])
        }
    }

    /// Writes with as few calls as the pty allows (one, unless its buffer is full).
    private func writeAll(_ bytes: [UInt8], until deadline: ContinuousClock.Instant?) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(terminal.masterFD, base + offset, raw.count - offset)
            }
            if written > 0 {
                offset += written
                continue
            }
            if written < 0 && errno != EAGAIN && errno != EINTR { return }
            var fd = pollfd(fd: terminal.masterFD, events: Int16(POLLOUT), revents: 0)
            _ = poll(&fd, 1, 100)
            if let deadline, ContinuousClock.now > deadline { return }
        }
    }
}
