import ArgumentParser
import Foundation
import VirtualReader

/// `mynasim sandbox`: run a command in a private PC/SC world with virtual cards.
struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run COMMAND against virtual cards through a private pcscd, then tear it all down.",
        discussion: HelpText.paragraphs(
            """
            Starts the simulator with the given cards, a pcscd of its own loading our IFD handler on a
            private socket, runs COMMAND with PCSCLITE_CSOCK_NAME and MYNASIM_SOCKET set, and exits with
            COMMAND's status. Nothing on the system changes; a system pcscd may keep running.

            SIGINT, SIGTERM and SIGHUP go to COMMAND; once it has exited, whatever it left running is
            stopped, then pcscd and the simulator, and the sandbox's directory is removed. If mynasim
            itself is killed, pcscd and COMMAND get SIGTERM from the kernel.

            Example:
              mynasim sandbox --card ~/cards/alice -- opensc-tool -n
            """)
    )
    @OptionGroup var world: WorldOptions
    @Argument(parsing: .postTerminator, help: "The command to run.") var command: [String] = []

    func run() throws {
        guard !command.isEmpty else { throw CLIError("give the command after --, e.g. mynasim sandbox --card DIR -- opensc-tool -l") }
        let directory = try TemporaryDirectory.make("mynasim-sandbox")
        SignalWaiter.takeOver()
        Orphans.adopt()
        let sandbox = try WorldStarter.start(world, directory: directory, removeDirectory: true)
        defer {
            sandbox.shutdown()
            if world.debug { FileHandle.standardError.write(Data("mynasim sandbox: kept \(directory.path) (pcscd.log)\n".utf8)) }
        }
        var options = ChildProcess.Options(
            environment: ProcessInfo.processInfo.environment.merging(sandbox.environment) { $1 }, inheritStdin: true)
        options.parentDeathSignal = SIGTERM
        // In a terminal's foreground the command stays in our process group, so it can read the
        // terminal (a PIN prompt) and Ctrl-C reaches it from the terminal itself; elsewhere it gets
        // a group of its own, and a signal to us reaches everything it started (a shell's children too).
        let foreground = Self.inForegroundOfTerminal
        options.ownProcessGroup = !foreground
        let process = try ChildProcess(command, options: options)
        // A timeout's SIGTERM, a hangup or a SIGINT goes to the command (a terminal's Ctrl-C has
        // reached it already); the world is torn down after it exits.
        let forwarder = Thread {
            while true {
                let received = SignalWaiter.wait()
                if !(foreground && received == SIGINT) { process.signal(received) }
            }
        }
        forwarder.start()
        let status = process.wait()
        Orphans.stop(keeping: [sandbox.pcscdPID])
        if status != 0 { throw ExitCode(status) }
    }

    /// Whether we are in the foreground process group of a controlling terminal.
    static var inForegroundOfTerminal: Bool {
        let fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return tcgetpgrp(fd) == getpgrp()
    }
}
