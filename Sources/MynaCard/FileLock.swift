import Foundation

/// An exclusive advisory lock (flock) held for as long as the value lives, so two processes
/// never drive the same card state at once.
public final class FileLock: @unchecked Sendable {
    private let fd: Int32
    /// The lock file.
    public let path: String

    /// Takes the lock without waiting; throws ``CardStateError/locked(path:)`` if it is held.
    ///
    /// In a directory this process cannot write (a read-only mount, a persona owned by someone
    /// else) the lock file is opened for reading, or, when it was never created, the directory
    /// itself is locked: the card can still be used, and each state change it cannot save is
    /// refused with `6581`.
    public init(path: String) throws(CardStateError) {
        var fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0, errno == EROFS || errno == EACCES {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0, errno == ENOENT {
                fd = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            }
        }
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
