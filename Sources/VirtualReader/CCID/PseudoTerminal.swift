import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A pseudo-terminal pair in raw mode: the emulated reader holds the master, the driver opens the
/// slave (`/dev/pts/N`) as if it were a serial port.
///
/// By default the emulation keeps a slave descriptor open itself: when the last slave descriptor
/// closes (pcscd stopping or reopening the reader), reads on the master fail with EIO, and bytes
/// written meanwhile would be lost. The master is non-blocking.
public final class PseudoTerminal: @unchecked Sendable {
    /// The master side.
    public let masterFD: Int32
    /// The path of the slave side, e.g. `/dev/pts/3`.
    public let slavePath: String
    private var keptSlaveFD: Int32?
    private let lock = NSLock()
    private var closed = false

    public init(keepSlaveOpen: Bool = true) throws(PTYError) {
        let libc = try PTYFunctions()
        let master = libc.openpt(O_RDWR | O_NOCTTY)
        guard master >= 0 else { throw .pseudoTerminal(errno) }
        guard libc.grantpt(master) == 0 else {
            let e = errno
            Glibc.close(master)
            throw .pseudoTerminal(e)
        }
        guard libc.unlockpt(master) == 0 else {
            let e = errno
            Glibc.close(master)
            throw .pseudoTerminal(e)
        }
        var name = [CChar](repeating: 0, count: 128)
        guard libc.ptsname(master, &name, name.count) == 0 else {
            let e = errno
            Glibc.close(master)
            throw .pseudoTerminal(e)
        }
        let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let flags = fcntl(master, F_GETFL)
        _ = fcntl(master, F_SETFL, flags | O_NONBLOCK)
        let slave = open(path, O_RDWR | O_NOCTTY)
        guard slave >= 0 else {
            let e = errno
            Glibc.close(master)
            throw .pseudoTerminal(e)
        }
        // Raw before anyone else opens it: no echo, no signals (SYNC is ^C), no CR/LF or XON/XOFF processing.
        var settings = termios()
        if tcgetattr(slave, &settings) == 0 {
            cfmakeraw(&settings)
            _ = tcsetattr(slave, TCSANOW, &settings)
        }
        masterFD = master
        slavePath = path
        if keepSlaveOpen {
            keptSlaveFD = slave
        } else {
            Glibc.close(slave)
        }
    }

    deinit { close() }

    /// Closes both sides (idempotent).
    public func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            if let slave = keptSlaveFD { Glibc.close(slave) }
            keptSlaveFD = nil
            Glibc.close(masterFD)
        }
    }

    /// Closes the slave descriptor the emulation kept, so that the master sees the line drop when
    /// every other user closes it too.
    public func releaseSlave() {
        lock.withLock {
            if let slave = keptSlaveFD { Glibc.close(slave) }
            keptSlaveFD = nil
        }
    }
}

/// posix_openpt, grantpt, unlockpt and ptsname_r, looked up in the C library at run time: Swift's
/// Glibc module does not export them (glibc declares them only for _XOPEN_SOURCE).
private struct PTYFunctions {
    typealias OpenPT = @convention(c) (Int32) -> Int32
    typealias Grant = @convention(c) (Int32) -> Int32
    typealias Name = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32

    let openpt: OpenPT
    let grantpt: Grant
    let unlockpt: Grant
    let ptsname: Name

    init() throws(PTYError) {
        func find<T>(_ symbol: String, as type: T.Type) throws(PTYError) -> T {
            guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), symbol) else {
                throw .missingFunction(symbol)
            }
            return unsafeBitCast(address, to: type)
        }
        openpt = try find("posix_openpt", as: OpenPT.self)
        grantpt = try find("grantpt", as: Grant.self)
        unlockpt = try find("unlockpt", as: Grant.self)
        ptsname = try find("ptsname_r", as: Name.self)
    }
}

/// A symbolic link with a stable name pointing at the pty slave, for reader.conf's DEVICENAME.
public struct StableSymlink: Hashable, Sendable {
    public let path: String
    public let target: String

    /// Creates (or atomically replaces) the link at `path` pointing to `target`.
    public init(path: String, target: String) throws(PTYError) {
        self.path = path
        self.target = target
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        guard symlink(target, temporary) == 0 else { throw .link(temporary, errno) }
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw .link(path, e)
        }
    }

    /// Removes the link if it still points to this target.
    public func remove() {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return }
        let current = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if current == target { unlink(path) }
    }
}

/// Why the pty could not be set up or used.
public enum PTYError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The system would not give out a pseudo-terminal (or its slave side would not open).
    case pseudoTerminal(Int32)
    /// The stable link pcscd's reader.conf names could not be made at this path.
    case link(String, Int32)
    /// The host's internal wake-up pipe could not be made (out of file descriptors).
    case pipe(Int32)
    case alreadyStarted
    case missingFunction(String)

    public var description: String {
        switch self {
        case .pseudoTerminal(let code):
            return "no pseudo-terminal available: \(String(cString: strerror(code))) (is /dev/pts mounted and the pty limit not reached?)"
        case .link(let path, let code):
            return
                "cannot create the reader link \(path): \(String(cString: strerror(code))) (the --ccid-links directory must exist and be writable)"
        case .pipe(let code): return "cannot create a pipe: \(String(cString: strerror(code)))"
        case .alreadyStarted: return "the reader host is already running"
        case .missingFunction(let name): return "the C library has no \(name); pseudo-terminals need glibc's Unix98 ptys"
        }
    }
}
