import ArgumentParser
import Foundation

/// `mynasim down`: stop the world `mynasim up` started.
struct DownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop the private pcscd and simulator of `mynasim up` and print the commands that unset its environment.",
        discussion: HelpText.paragraphs(
            """
            eval "$(mynasim down)" finds the world through MYNASIM_UP (or --directory), sends it SIGTERM,
            waits until it has stopped pcscd and the simulator and removed its files, and unsets
            PCSCLITE_CSOCK_NAME, MYNASIM_SOCKET and MYNASIM_UP.
            """)
    )
    @Option(name: .long, help: "The world's directory (default: $MYNASIM_UP).") var directory: String?
    @Option(name: .long, help: "Print for sh, csh or fish (default: from $SHELL).") var shell: ShellSyntax?

    func run() throws {
        let up = try UpDirectory.fromEnvironment(explicit: directory)
        let syntax = shell ?? .fromLoginShell
        var message = "mynasim down: nothing was running in \(up.url.path)"
        if let pid = up.runningPID {
            guard kill(pid, SIGTERM) == 0 else {
                throw CLIError("cannot signal mynasim up (pid \(pid)): \(String(cString: strerror(errno)))")
            }
            let deadline = ContinuousClock.now + .seconds(15)
            while up.runningPID != nil {
                guard ContinuousClock.now < deadline else {
                    throw CLIError("mynasim up (pid \(pid)) did not stop within 15 s; kill -KILL \(pid) ends it")
                }
                usleep(2_000)
            }
            message = "mynasim down: stopped pid \(pid)"
        } else {
            UpCommand.clean(up, created: false, keepLog: true)
        }
        let names = UpDirectory.variables(socket: "", simulator: "", directory: up.url).map(\.0)
        print((names.map(syntax.unset) + [syntax.echo(message)]).joined(separator: "\n"))
    }
}
