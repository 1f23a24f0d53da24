import Foundation

/// SIGINT/SIGTERM/SIGHUP handled by waiting for them: restored to their default action (a shell
/// starts background jobs with SIGINT ignored, and Linux discards an ignored signal even while it
/// is blocked), blocked in every thread (call `block()` before starting any), then taken with
/// `sigwait`.
enum SignalWaiter {
    static let signals = [SIGINT, SIGTERM, SIGHUP]

    static func block() {
        for sig in signals { signal(sig, SIG_DFL) }
        var set = sigset_t()
        sigemptyset(&set)
        for sig in signals { sigaddset(&set, sig) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits for one of the signals and returns it.
    @discardableResult
    static func wait() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in signals { sigaddset(&set, sig) }
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        return received
    }
}
