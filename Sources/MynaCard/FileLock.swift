import Foundation

/// An exclusive advisory lock (flock) held for as long as the value lives, so two processes
/// never drive the same card state at once.
public final class FileLock: @unchecked Sendable {
    private let fd: Int32
    /// The lock file.
    public let path: String

    /// Takes the lock without waiting; throws ``CardStateError/locked(path:)`` if it is held.
    public init(path: String) throws(CardStateError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .locked(path: path)
        }
        self.fd = fd
        self.path = path
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
