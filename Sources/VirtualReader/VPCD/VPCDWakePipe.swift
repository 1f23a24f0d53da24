import Glibc

/// A self-pipe: another thread calls ``wake()`` to end the link thread's wait in `poll`.
final class VPCDWakePipe: @unchecked Sendable {
    let readFD: Int32
    private let writeFD: Int32

    init() throws(VPCDLinkError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .system(action: "create a wake-up pipe", reason: String(cString: strerror(errno))) }
        readFD = fds[0]
        writeFD = fds[1]
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Makes the next (or current) wait return. Never blocks: a full pipe already means "wake up".
    func wake() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Empties the pipe after a wake-up has been seen.
    func drain() {
        var scratch = [UInt8](repeating: 0, count: 64)
        while scratch.withUnsafeMutableBytes({ read(readFD, $0.baseAddress, 64) }) > 0 {}
    }

    /// Waits for a wake-up, at most `timeout` (nil: forever). True when woken.
    func wait(timeout: Duration?) -> Bool {
        var pfd = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        while true {
            let r = poll(&pfd, 1, timeout.pollMilliseconds)
            if r < 0 && errno == EINTR { continue }
            if r > 0 { drain() }
            return r > 0
        }
    }
}

extension Optional where Wrapped == Duration {
    /// The timeout argument of poll(2): -1 for forever, else whole milliseconds rounded up.
    var pollMilliseconds: Int32 {
        guard let duration = self else { return -1 }
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 0 }
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }
}
