import Foundation

/// The systemd readiness notification (`Type=notify`): one datagram to `$NOTIFY_SOCKET`.
enum ServiceNotification {
    /// Sends `READY=1` with our PID when a service manager asked for it; nothing otherwise.
    static func ready(status: String) {
        guard let path = ProcessInfo.processInfo.environment["NOTIFY_SOCKET"], !path.isEmpty else { return }
        send("READY=1\nMAINPID=\(getpid())\nSTATUS=\(status)", to: path)
    }

    static func stopping() {
        guard let path = ProcessInfo.processInfo.environment["NOTIFY_SOCKET"], !path.isEmpty else { return }
        send("STOPPING=1", to: path)
    }

    private static func send(_ message: String, to path: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // "@name" is an abstract socket: a leading NUL byte instead of the @.
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                message.withCString { sendto(fd, $0, strlen($0), Int32(MSG_NOSIGNAL), target, length) }
            }
        }
    }
}
