import Foundation

extension NSLocking {
    /// `withLock` that keeps a typed error type.
    func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
