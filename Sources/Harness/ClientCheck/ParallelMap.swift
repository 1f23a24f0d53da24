import Foundation

/// Work shared by the threads of ``parallelMap(_:width:_:)``: the next item to take and the
/// results so far.
final class ParallelWork<Result: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var results: [Result?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    /// The index of the next item nobody took yet.
    func take() -> Int? {
        lock.withLock {
            guard next < results.count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func store(_ result: Result, at index: Int) { lock.withLock { results[index] = result } }

    var collected: [Result] { lock.withLock { results.compactMap { $0 } } }
}

/// `items.map(body)` on up to `width` threads at once, results in the items' order. The items
/// run in order of their index as threads become free. For blocking work (a scenario waits on
/// its client process), so the width is not bound to the core count.
package func parallelMap<Item: Sendable, Result: Sendable>(
    _ items: [Item], width: Int, _ body: @escaping @Sendable (Item) -> Result
) -> [Result] {
    guard width > 1, items.count > 1 else { return items.map(body) }
    let work = ParallelWork<Result>(count: items.count)
    let done = DispatchGroup()
    for _ in 0..<min(width, items.count) {
        done.enter()
        Thread {
            while let index = work.take() { work.store(body(items[index]), at: index) }
            done.leave()
        }.start()
    }
    done.wait()
    return work.collected
}
