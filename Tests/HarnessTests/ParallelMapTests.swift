import Foundation
import Harness
import Testing

/// `client-check -j N`: scenarios run side by side, at most N at once, results in order.
@Suite("Parallel scenarios")
struct ParallelMapTests {
    /// Counts how many bodies run at the same moment.
    final class Gauge: @unchecked Sendable {
        let lock = NSLock()
        var running = 0
        var most = 0
        func enter() {
            lock.withLock {
                running += 1
                most = max(most, running)
            }
        }
        func leave() { lock.withLock { running -= 1 } }
    }

    @Test(arguments: [1, 3, 8])
    func resultsKeepTheirOrderAndAtMostWidthRunAtOnce(width: Int) {
        let gauge = Gauge()
        let results = parallelMap(Array(0..<12), width: width) { item -> Int in
            gauge.enter()
            defer { gauge.leave() }
            usleep(useconds_t(20_000 + (11 - item) * 2_000))  // later items finish first
            return item * item
        }
        #expect(results == (0..<12).map { $0 * $0 })
        #expect(gauge.most <= width && gauge.most == min(width, 12))
    }
}
