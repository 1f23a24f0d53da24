import Foundation

/// A private PC/SC world: our simulator, and a pcscd of its own that listens on a private socket
/// and puts a reader driver in front of the slots (our IFD handler, pcsc-lite's CCID driver before
/// an emulated serial reader, or vsmartcard's vpcd), so a test or a user's command runs against
/// virtual cards with no system changes. As root the daemon is handed its socket by
/// `systemd-socket-activate`; as another user it also runs in a user and mount namespace
/// (`unshare -rm`) with a private /run, because pcscd always writes /run/pcscd.
public final class PCSCSandbox: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var simulator: ReaderSimulator.Configuration
        /// Our IFD handler (for the `ifdHandler` path).
        public var handlerPath: String
        public var readerPath: ReaderPath = .ifdHandler
        public var pcscdDebug = false
        public var directory: URL

        public init(directory: URL, handlerPath: String, slotCount: Int) {
            self.directory = directory
            self.handlerPath = handlerPath
            simulator = ReaderSimulator.Configuration(addresses: [.unix(directory.appendingPathComponent("sim.sock").path)])
            simulator.slotCount = slotCount
        }

        /// The reader name pcscd gives slot `slot`.
        public func readerName(slot: Int) -> String {
            String(format: "%@ 00 %02X", readerPath.friendlyName, slot)
        }
    }

    public let configuration: Configuration
    public let simulator: ReaderSimulator
    private let pcscd: ChildProcess
    /// The client socket: clients need `PCSCLITE_CSOCK_NAME` set to it.
    public let pcscSocket: String

    /// The environment a client needs to reach this world.
    public var environment: [String: String] {
        ["PCSCLITE_CSOCK_NAME": pcscSocket, "MYNASIM_SOCKET": configuration.simulator.addresses[0].description]
    }

    /// Starts the simulator and pcscd, and waits until pcscd's socket exists.
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
        let path = configuration.readerPath
        if path == .ifdHandler, !FileManager.default.isReadableFile(atPath: configuration.handlerPath) {
            throw ReaderError.badArgument(
                "IFD handler not found at \(configuration.handlerPath); build it with `make handler` or pass --handler")
        }
        if let driver = SystemDrivers.required(for: path), !FileManager.default.fileExists(atPath: driver.path) {
            throw ReaderError.badArgument("--reader \(path) needs \(driver.path) (apt-get install \(driver.package))")
        }
        for tool in ["pcscd", "systemd-socket-activate"] where Self.which(tool) == nil {
            throw ReaderError.badArgument("\(tool) is not installed (apt-get install pcscd systemd)")
        }
        let slots = configuration.simulator.slotCount
        guard slots <= path.maximumSlots(slots) else {
            throw ReaderError.badArgument("--reader \(path) serves at most \(path.maximumSlots(slots)) slots, \(slots) asked")
        }
        let dir = configuration.directory
        let readers = dir.appendingPathComponent("readers.d")
        try FileManager.default.createDirectory(at: readers, withIntermediateDirectories: true)

        simulator = try ReaderSimulator(configuration.simulator)
        simulator.start()
        let entry: String
        switch path {
        case .ifdHandler:
            entry = """
                FRIENDLYNAME "\(path.friendlyName)"
                DEVICENAME mynasim:\(configuration.simulator.addresses[0])@slots:\(slots)
                LIBPATH \(configuration.handlerPath)

                """
        case .ccid(let model):
            let reader = try simulator.exposeCCID(
                model: model, slots: Array(0..<model.slotCount), linkPath: dir.appendingPathComponent("ccid").path)
            entry = reader.readerConfiguration(friendlyName: path.friendlyName, driver: SystemDrivers.ccidSerial)
        case .vpcd:
            let port = try Self.freePortPair()
            for slot in 0..<slots {
                try simulator.connectVPCD(slot: slot, to: try VPCDEndpoint(host: "127.0.0.1", port: port + UInt16(slot)))
            }
            entry = """
                FRIENDLYNAME "\(path.friendlyName)"
                DEVICENAME /dev/null:\(port)
                LIBPATH \(SystemDrivers.vpcd)

                """
        }
        try entry.write(to: readers.appendingPathComponent("mynasim"), atomically: true, encoding: .utf8)

        pcscSocket = dir.appendingPathComponent("pcscd.comm").path
        var daemon = ["systemd-socket-activate", "-l", pcscSocket, "pcscd", "--foreground", "--config", readers.path]
        if configuration.pcscdDebug { daemon += ["--debug", "--apdu"] }
        let arguments: [String]
        if getuid() == 0 {
            arguments = daemon
        } else {
            // A private /run inside a user namespace: pcscd may write /run/pcscd there.
            let quoted = daemon.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            arguments = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", "mount -t tmpfs tmpfs /run && exec \(quoted)"]
        }
        let log = dir.appendingPathComponent("pcscd.log")
        let process = try ChildProcess(arguments, output: log.path)
        pcscd = process
        // Readiness by polling for the socket, never by sleeping a guessed time.
        let deadline = ContinuousClock.now + .seconds(10)
        while !FileManager.default.fileExists(atPath: pcscSocket) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                simulator.stop()
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw ReaderError.badArgument("pcscd did not start (log \(log.path)):\n\(text)")
            }
            usleep(2_000)
        }
        chmod(pcscSocket, 0o666)
    }

    /// The reader name pcscd gives slot `slot`.
    public func readerName(slot: Int) -> String { configuration.readerName(slot: slot) }

    /// Two free consecutive TCP ports on loopback (vpcd listens on PORT and PORT+1), chosen by the
    /// kernel and checked by binding both.
    static func freePortPair() throws(ReaderError) -> UInt16 {
        for _ in 0..<32 {
            guard let first = try? SocketListener(address: .tcp(host: "127.0.0.1", port: 0)) else { continue }
            let port = first.boundPort
            first.close()
            guard port > 0, port < 65_535, let a = try? SocketListener(address: .tcp(host: "127.0.0.1", port: port)) else { continue }
            defer { a.close() }
            guard let b = try? SocketListener(address: .tcp(host: "127.0.0.1", port: port + 1)) else { continue }
            b.close()
            return port
        }
        throw .badArgument("no two free consecutive TCP ports on 127.0.0.1 for vpcd")
    }

    /// Stops pcscd (SIGINT: orderly, calls IFDHCloseChannel) and the simulator. pcscd 1.9.9 only
    /// notices SIGINT in its main thread's select(); a connection to its socket wakes it.
    public func shutdown() {
        if pcscd.poll() == nil {
            kill(pcscd.pid, SIGINT)
            let deadline = ContinuousClock.now + .seconds(10)
            while pcscd.poll() == nil && ContinuousClock.now < deadline {
                if let address = try? SocketAddress(pcscSocket), let poke = try? SocketConnection.connect(to: address) { poke.close() }
                usleep(20_000)
            }
            pcscd.stop(signal: SIGKILL, grace: .seconds(1))
        }
        simulator.stop()
    }

    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin:/usr/sbin:/sbin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"] {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Where our handler is: an explicit path, `MYNASIM_IFD_HANDLER`, the build tree beside the
    /// executable, or the installed driver.
    public static func locateHandler(explicit: String?, executable: String) -> String {
        if let explicit { return explicit }
        if let env = ProcessInfo.processInfo.environment["MYNASIM_IFD_HANDLER"], !env.isEmpty { return env }
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("ifd-handler/libifd-mynasim.so").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return "/usr/lib/pcsc/drivers/serial/libifd-mynasim.so"
    }
}
