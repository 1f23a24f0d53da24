import Foundation

/// A private PC/SC world: our simulator, and a pcscd of its own that listens on a private socket
/// and puts a reader driver in front of the slots (our IFD handler, pcsc-lite's CCID driver before
/// an emulated serial reader, or vsmartcard's vpcd), so a test or a user's command runs against
/// virtual cards with no system changes. pcscd is handed a listening socket we bound (the
/// `sd_listen_fds` convention systemd uses), so it starts at once, while the caller loads cards.
/// pcscd insists on /run/pcscd: as a user other than root on a machine without it, pcscd runs in a
/// user and mount namespace (`unshare -rm`) with a private /run.
public final class PCSCSandbox: @unchecked Sendable {
    /// What the sandbox makes in its directory.
    public enum FileName {
        public static let simulatorSocket = "sim.sock"
        public static let pcscSocket = "pcscd.comm"
        public static let readers = "readers.d"
        public static let ccidLinks = "ccid"
        public static let pcscdLog = "pcscd.log"
        /// Everything but the log.
        public static let working = [simulatorSocket, pcscSocket, readers, ccidLinks]
    }

    public struct Configuration: Sendable {
        public var simulator: ReaderSimulator.Configuration
        /// Our IFD handler (for the `ifdHandler` path).
        public var handlerPath: String
        public var readerPath: ReaderPath = .ifdHandler
        public var pcscdDebug = false
        /// How long our IFD handler waits for the card before it reports an error (its DEVICENAME
        /// `timeout:` option; nil: the handler's default of 15 s).
        public var handlerTimeoutMillis: Int?
        public var directory: URL
        /// Remove `directory` on shutdown (unless pcscd ran with --debug, whose log is kept).
        public var removeDirectory = false

        public init(directory: URL, handlerPath: String, slotCount: Int) {
            self.directory = directory
            self.handlerPath = handlerPath
            simulator = ReaderSimulator.Configuration(addresses: [.unix(directory.appendingPathComponent(FileName.simulatorSocket).path)])
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
    private let stopLock = NSLock()
    private var stopped = false
    private var interruptToken: InterruptCleanup.Token?

    /// pcscd's PID (for a report; stop it with `shutdown`).
    public var pcscdPID: pid_t { pcscd.pid }

    /// The environment a client needs to reach this world.
    public var environment: [String: String] {
        ["PCSCLITE_CSOCK_NAME": pcscSocket, "MYNASIM_SOCKET": configuration.simulator.addresses[0].description]
    }

    /// Starts the simulator and pcscd. Both sockets listen when this returns; pcscd loads its
    /// driver meanwhile, and a client's first call waits for it.
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
        guard Self.which("pcscd") != nil else { throw ReaderError.badArgument("pcscd is not installed (apt-get install pcscd)") }
        let slots = configuration.simulator.slotCount
        guard slots <= path.maximumSlots(slots) else {
            throw ReaderError.badArgument("--reader \(path) serves at most \(path.maximumSlots(slots)) slots, \(slots) asked")
        }
        let dir = configuration.directory
        let readers = dir.appendingPathComponent(FileName.readers)
        try FileManager.default.createDirectory(at: readers, withIntermediateDirectories: true)

        simulator = try ReaderSimulator(configuration.simulator)
        simulator.start()
        do {
            let entry = try Self.readerEntry(path, configuration: configuration, simulator: simulator, directory: dir)
            try entry.write(to: readers.appendingPathComponent("mynasim"), atomically: true, encoding: .utf8)
            pcscSocket = dir.appendingPathComponent(FileName.pcscSocket).path
            pcscd = try Self.startPCSCD(configuration, socket: pcscSocket, readers: readers)
        } catch {
            simulator.stop()
            throw error
        }
        interruptToken = InterruptCleanup.shared.register { [weak self] in self?.shutdown() }
    }

    /// The reader.conf entry that puts `path`'s driver in front of the slots.
    static func readerEntry(
        _ path: ReaderPath, configuration: Configuration, simulator: ReaderSimulator, directory: URL
    ) throws -> String {
        let slots = configuration.simulator.slotCount
        switch path {
        case .ifdHandler:
            return """
                FRIENDLYNAME "\(path.friendlyName)"
                DEVICENAME mynasim:\(configuration.simulator.addresses[0])@slots:\(slots)\(configuration.handlerTimeoutMillis.map { "@timeout:\($0)" } ?? "")
                LIBPATH \(configuration.handlerPath)

                """
        case .ccid(let model):
            let reader = try simulator.exposeCCID(
                model: model, slots: Array(0..<model.slotCount), linkPath: directory.appendingPathComponent(FileName.ccidLinks).path)
            return reader.readerConfiguration(friendlyName: path.friendlyName, driver: SystemDrivers.ccidSerial)
        case .vpcd:
            let port = try freePortPair()
            for slot in 0..<slots {
                try simulator.connectVPCD(slot: slot, to: try VPCDEndpoint(host: "127.0.0.1", port: port + UInt16(slot)))
            }
            return """
                FRIENDLYNAME "\(path.friendlyName)"
                DEVICENAME /dev/null:\(port)
                LIBPATH \(SystemDrivers.vpcd)

                """
        }
    }

    /// Binds pcscd's socket and starts pcscd with it as descriptor 3 (LISTEN_FDS=1, LISTEN_PID set
    /// by the shell that execs pcscd, so the PID matches). pcscd gets SIGTERM if we die.
    static func startPCSCD(_ configuration: Configuration, socket: String, readers: URL) throws -> ChildProcess {
        let listener = try SocketListener(address: .unix(socket), mode: 0o666)
        // Our copy only: closing the listener would unlink the socket pcscd serves.
        defer { close(listener.fd) }
        var daemon = ["pcscd", "--foreground", "--config", readers.path]
        if configuration.pcscdDebug { daemon += ["--debug", "--apdu"] }
        // The parent-death signal is set on the child below and again on pcscd itself: entering a user
        // namespace (the second case) changes the credentials, which clears it (prctl(2)).
        let launch = ParentDeathSignal.wrap(daemon, signal: SIGTERM).map(shellQuoted).joined(separator: " ")
        let arguments: [String]
        if getuid() == 0 || Self.isDirectory("/run/pcscd") {
            // pcscd makes /run/pcscd (root can; for another user it must exist, and writing its PID
            // file there then fails harmlessly: pcscd logs it and carries on).
            arguments = ["sh", "-c", "export LISTEN_PID=$$ LISTEN_FDS=1; exec \(launch)"]
        } else {
            // No /run/pcscd, and no right to make it: a private /run inside a user namespace, which
            // hides everything under the real /run from pcscd.
            guard !configuration.directory.standardizedFileURL.path.hasPrefix("/run/") else {
                throw ReaderError.badArgument(
                    "\(configuration.directory.path): pcscd runs with a private /run here (no /run/pcscd), so its directory "
                        + "must be outside /run; set TMPDIR or --directory elsewhere")
            }
            arguments = [
                "unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                "mount -t tmpfs tmpfs /run && export LISTEN_PID=$$ LISTEN_FDS=1 && exec \(launch)",
            ]
        }
        var environment = ProcessInfo.processInfo.environment
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { environment[name] = nil }
        var options = ChildProcess.Options(
            environment: environment, output: configuration.directory.appendingPathComponent(FileName.pcscdLog).path)
        options.passedDescriptors = [listener.fd]
        options.parentDeathSignal = SIGTERM
        return try ChildProcess(arguments, options: options)
    }

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    static func shellQuoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The reader name pcscd gives slot `slot`.
    public func readerName(slot: Int) -> String { configuration.readerName(slot: slot) }

    /// pcscd's log so far (for a message when it did not come up).
    public var pcscdLog: String {
        (try? String(contentsOf: configuration.directory.appendingPathComponent(FileName.pcscdLog), encoding: .utf8)) ?? ""
    }

    /// Whether pcscd is still running.
    public var pcscdRunning: Bool { pcscd.isRunning }

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

    /// Stops pcscd, then the simulator, then removes the directory if asked; safe to call twice
    /// and from another thread. pcscd takes SIGTERM as an immediate exit ("direct suicide": no
    /// reader is closed, only its PID file is removed), where SIGINT first sleeps a second and
    /// then closes every reader. Nothing of pcscd's outlives it (the card state is the
    /// simulator's, written before each response), so the quick way loses nothing.
    public func shutdown() {
        let first = stopLock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        if let interruptToken { InterruptCleanup.shared.unregister(interruptToken) }
        pcscd.stop(signal: SIGTERM, grace: .seconds(2))
        simulator.stop()
        if configuration.removeDirectory, !configuration.pcscdDebug {
            try? FileManager.default.removeItem(at: configuration.directory)
        }
    }

    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin:/usr/sbin:/sbin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Where our handler is: `Installation.current`'s lookup (an explicit path, MYNASIM_HANDLER,
    /// the install prefix, the source tree, the system driver directory).
    public static func locateHandler(explicit: String?) throws(LookupError) -> String {
        try Installation.current.locate(.handler, explicit: explicit, option: "--handler FILE").path
    }
}
