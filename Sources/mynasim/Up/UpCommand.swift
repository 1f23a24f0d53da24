import ArgumentParser
import Foundation
import MynaCard
import VirtualReader

/// `mynasim up`: a private PC/SC world that stays up, for an afternoon of development.
struct UpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start a private pcscd and the simulator in the background and print the environment that reaches them.",
        discussion: HelpText.paragraphs(
            """
            As ssh-agent does: eval "$(mynasim up --card ~/cards/alice)" sets PCSCLITE_CSOCK_NAME (PC/SC
            clients), MYNASIM_SOCKET (mynasim card, mynasim status) and MYNASIM_UP (mynasim down). The
            world lives in a private directory (--directory, default $TMPDIR/mynasim-up.XXXXXX) with no
            root needed, until `eval "$(mynasim down)"`.

            With --foreground it stays in the foreground for a service manager: stops on SIGINT, SIGTERM
            or SIGHUP, tells systemd when it is ready (Type=notify), and writes the environment to
            DIR/env for `. DIR/env` (docs/mynasim-up.service is a systemd user unit).
            """)
    )
    @OptionGroup var world: WorldOptions
    @Option(name: .long, help: "The world's directory (sockets, reader.conf, env); created if missing.") var directory: String?
    @Flag(name: .long, help: "Stay in the foreground (for a service manager) instead of going to the background.") var foreground = false
    @Option(name: .long, help: "Print the environment for sh, csh or fish (default: from $SHELL).") var shell: ShellSyntax?
    @Flag(name: .long, help: .hidden) var daemon = false
    /// Set by the background start for the directory it created: removed on the way out.
    @Flag(name: .long, help: .hidden) var ownDirectory = false

    func run() throws {
        if foreground || daemon {
            try runWorld()
        } else {
            try startInBackground()
        }
    }

    /// Starts `mynasim up --foreground --daemon` in a session of its own, waits until it is ready,
    /// and prints its environment.
    func startInBackground() throws {
        let created = directory == nil
        let place = try directory.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? TemporaryDirectory.make("mynasim-up")
        let up = UpDirectory(url: place)
        if let pid = up.runningPID {
            throw CLIError("a mynasim up (pid \(pid)) already runs in \(place.path); `mynasim down --directory \(place.path)`")
        }
        try? FileManager.default.removeItem(at: up.environmentFile)
        var arguments = [try Self.executable()] + Array(CommandLine.arguments.dropFirst()) + ["--daemon"]
        if created { arguments += ["--directory", place.path, "--own-directory"] }
        var options = ChildProcess.Options(output: up.logFile.path)
        options.newSession = true
        let daemon = try ChildProcess(arguments, options: options)
        let deadline = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: up.environmentFile.path) {
            if let status = daemon.poll() {
                let log = (try? String(contentsOf: up.logFile, encoding: .utf8)) ?? ""
                if created { try? FileManager.default.removeItem(at: place) }
                throw CLIError("mynasim up did not start (exit \(status)):\n\(log.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            guard ContinuousClock.now < deadline else {
                daemon.stop(signal: SIGTERM, grace: .seconds(2))
                throw CLIError("mynasim up did not get ready within 30 s; its log is \(up.logFile.path)")
            }
            usleep(2_000)
        }
        print(try Self.environmentText(up, syntax: shell ?? .fromLoginShell, pid: daemon.pid), terminator: "")
    }

    /// The world itself, until a signal.
    func runWorld() throws {
        let created: Bool
        let place: URL
        if let directory {
            place = URL(fileURLWithPath: directory).standardizedFileURL
            created = ownDirectory || !FileManager.default.fileExists(atPath: place.path)
            do {
                try FileManager.default.createDirectory(
                    at: place, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw CLIError("--directory \(place.path): cannot create it (\(error.localizedDescription))")
            }
        } else {
            place = try TemporaryDirectory.make("mynasim-up")
            created = true
        }
        let up = UpDirectory(url: place)
        let lock: FileLock
        do { lock = try FileLock(path: up.lockFile.path) } catch {
            throw CLIError("a mynasim up already runs in \(place.path) (its lock \(up.lockFile.path) is held)")
        }
        SignalWaiter.takeOver()
        let sandbox: PCSCSandbox
        do {
            sandbox = try WorldStarter.start(world, directory: place, removeDirectory: false)
        } catch {
            Self.clean(up, created: created, keepLog: daemon)
            throw error
        }
        // A daemon keeps no directory busy (card and trace paths are absolute by now).
        if daemon { chdir("/") }
        try Data("\(getpid())\n".utf8).write(to: up.pidFile)
        let variables = UpDirectory.variables(
            socket: sandbox.pcscSocket, simulator: sandbox.configuration.simulator.addresses[0].description, directory: place)
        let exports = variables.map { ShellSyntax.sh.set($0.0, $0.1) }.joined(separator: "\n") + "\n"
        // Written last and atomically: its presence says the world is ready.
        try Data(exports.utf8).write(to: up.environmentFile, options: .atomic)
        let readers = (0..<sandbox.configuration.simulator.slotCount).map { sandbox.readerName(slot: $0) }
        if !daemon {
            print(Self.environmentText(variables, directory: place, syntax: shell ?? .fromLoginShell, pid: getpid()), terminator: "")
            fflush(nil)
        }
        FileHandle.standardError.write(
            Data("mynasim up: pid \(getpid()) in \(place.path); readers: \(readers.joined(separator: ", "))\n".utf8))
        ServiceNotification.ready(status: "\(readers.count) readers in \(place.path)")
        let signal = SignalWaiter.wait()
        ServiceNotification.stopping()
        FileHandle.standardError.write(Data("mynasim up: stopping (signal \(signal))\n".utf8))
        sandbox.shutdown()
        Self.clean(up, created: created, keepLog: world.debug)
        withExtendedLifetime(lock) {}
    }

    /// Removes what `up` put in the directory, or the directory it created (a --debug run keeps
    /// pcscd.log and up.log).
    static func clean(_ up: UpDirectory, created: Bool, keepLog: Bool) {
        let manager = FileManager.default
        let ours =
            [up.environmentFile, up.pidFile, up.lockFile]
            + PCSCSandbox.FileName.working.map(up.url.appendingPathComponent)
            + (keepLog ? [] : [up.url.appendingPathComponent(PCSCSandbox.FileName.pcscdLog), up.logFile])
        for url in ours { try? manager.removeItem(at: url) }
        if created, (try? manager.contentsOfDirectory(atPath: up.url.path))?.isEmpty ?? false { try? manager.removeItem(at: up.url) }
    }

    /// The environment of a running `up` (read back from its file) in `syntax`.
    static func environmentText(_ up: UpDirectory, syntax: ShellSyntax, pid: pid_t) throws -> String {
        let text = try String(contentsOf: up.environmentFile, encoding: .utf8)
        let variables = text.split(separator: "\n").compactMap { line -> (String, String)? in
            // NAME='value'; export NAME;
            guard let eq = line.firstIndex(of: "="), let end = line.range(of: "; export ") else { return nil }
            let value = line[line.index(after: eq)..<end.lowerBound].dropFirst().dropLast()
            return (String(line[..<eq]), value.replacingOccurrences(of: "'\\''", with: "'"))
        }
        return environmentText(variables, directory: up.url, syntax: syntax, pid: pid)
    }

    /// `variables` set in `syntax`, then a line saying which `up` they reach.
    static func environmentText(_ variables: [(String, String)], directory: URL, syntax: ShellSyntax, pid: pid_t) -> String {
        let lines = variables.map { syntax.set($0.0, $0.1) } + [syntax.echo("mynasim up: pid \(pid), \(directory.path)")]
        return lines.joined(separator: "\n") + "\n"
    }

    /// This binary, so the background copy is the same mynasim.
    static func executable() throws -> String {
        guard let binary = Installation.current.binary else {
            throw CLIError("cannot tell where this mynasim binary is (/proc is not mounted?)")
        }
        return binary.path
    }
}

extension ShellSyntax: ExpressibleByArgument {}
