import Foundation

/// What must be undone when the process is told to stop (SIGINT, SIGTERM, SIGHUP) in the middle
/// of its work: clients to stop, private PC/SC worlds to tear down, directories to remove. Each
/// is registered while it exists; `runAll()` (from the thread that took the signal) undoes them
/// newest first, so a client stops before the pcscd it talks to.
public enum InterruptCleanup {
    /// A registration, to withdraw once the thing is cleaned up in the normal way.
    public struct Token: Hashable, Sendable {
        let id: Int
    }

    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var next = 0
        var actions: [(id: Int, action: @Sendable () -> Void)] = []
        var ran = false
    }

    private static let registry = Registry()

    /// Registers `action`; if an interrupt's cleanup already ran, runs it at once.
    @discardableResult
    public static func register(_ action: @escaping @Sendable () -> Void) -> Token {
        let (id, late) = registry.lock.withLock { () -> (Int, Bool) in
            registry.next += 1
            if !registry.ran { registry.actions.append((registry.next, action)) }
            return (registry.next, registry.ran)
        }
        if late { action() }
        return Token(id: id)
    }

    public static func unregister(_ token: Token) {
        registry.lock.withLock { registry.actions.removeAll { $0.id == token.id } }
    }

    /// Runs every registered action, newest first, once.
    public static func runAll() {
        let actions = registry.lock.withLock { () -> [@Sendable () -> Void] in
            registry.ran = true
            defer { registry.actions = [] }
            return registry.actions.reversed().map(\.action)
        }
        for action in actions { action() }
    }
}
