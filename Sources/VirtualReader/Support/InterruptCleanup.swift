import Foundation

/// What must be undone when the process is told to stop (SIGINT, SIGTERM, SIGHUP) in the middle
/// of its work: clients to stop, private PC/SC worlds to tear down, directories to remove. Each
/// is registered while it exists; `runAll()` (from the thread that took the signal) undoes them
/// newest first, so a client stops before the pcscd it talks to.
public final class InterruptCleanup: @unchecked Sendable {
    /// The process's registry (sandboxes and children register here).
    public static let shared = InterruptCleanup()

    /// A registration, to withdraw once the thing is cleaned up in the normal way.
    public struct Token: Hashable, Sendable {
        let id: Int
    }

    private let lock = NSLock()
    private var next = 0
    private var actions: [(id: Int, action: @Sendable () -> Void)] = []
    private var ran = false

    public init() {}

    /// Registers `action`; once `runAll()` has run, runs it at once instead (a world started while
    /// the process is being stopped is stopped too).
    @discardableResult
    public func register(_ action: @escaping @Sendable () -> Void) -> Token {
        let (id, late) = lock.withLock { () -> (Int, Bool) in
            next += 1
            if !ran { actions.append((next, action)) }
            return (next, ran)
        }
        if late { action() }
        return Token(id: id)
    }

    public func unregister(_ token: Token) {
        lock.withLock { actions.removeAll { $0.id == token.id } }
    }

    /// How many actions are registered.
    public var count: Int { lock.withLock { actions.count } }

    /// Runs every registered action, newest first, once.
    public func runAll() {
        let pending = lock.withLock { () -> [@Sendable () -> Void] in
            ran = true
            defer { actions = [] }
            return actions.reversed().map(\.action)
        }
        for action in pending { action() }
    }
}
