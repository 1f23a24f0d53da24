import Foundation
import VirtualReader

/// The write end of the self-pipe the signal handler writes to (set once, before any handler).
nonisolated(unsafe) private var signalPipe: (read: Int32, write: Int32) = (-1, -1)

/// SIGINT, SIGTERM and SIGHUP taken over by a handler that only writes the signal's number to a
/// pipe, and read from that pipe by whichever thread waits. A handler works whatever thread the
/// kernel picks and whatever mask it has (a command's `run` does not run on the main thread), and
/// replaces the SIG_IGN a shell gives background jobs for SIGINT. Children are started with
/// default dispositions (`ChildProcess`).
enum SignalWaiter {
    static let signals = [SIGINT, SIGTERM, SIGHUP]

    /// Installs the handlers (idempotent). Until then the signals have their default action.
    static func takeOver() {
        guard signalPipe.read < 0 else { return }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        signalPipe = (fds[0], fds[1])
        for sig in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { received in
                var number = received
                _ = write(signalPipe.write, &number, MemoryLayout<Int32>.size)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(sig, &action, nil)
        }
    }

    /// Waits for one of the signals and returns it (`takeOver()` must have run).
    @discardableResult
    static func wait() -> Int32 {
        takeOver()
        var number: Int32 = 0
        while true {
            let n = read(signalPipe.read, &number, MemoryLayout<Int32>.size)
            if n == MemoryLayout<Int32>.size { return number }
            if n < 0, errno != EINTR { return SIGTERM }
        }
    }

    /// For commands that work in their main thread: on the first signal, a thread of its own
    /// undoes what is registered with `InterruptCleanup` (clients, private PC/SC worlds, temporary
    /// directories), then the process ends by that signal, as if it had not been caught.
    static func cleanUpOnSignal() {
        takeOver()
        let thread = Thread {
            let received = wait()
            InterruptCleanup.shared.runAll()
            fflush(nil)
            signal(received, SIG_DFL)
            raise(received)
            _exit(128 + received)
        }
        thread.start()
    }
}
