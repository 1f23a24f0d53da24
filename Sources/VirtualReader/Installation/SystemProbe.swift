import Foundation

/// What `Doctor` asks of the machine: a seam so its checks can be tested on any machine.
public protocol SystemProbe: Sendable {
    /// The path of an executable found on PATH or in the system directories, else nil.
    func executable(_ name: String) -> String?
    func exists(_ path: String) -> Bool
    /// Runs a program and returns its exit status and output (stdout and stderr), or nil if it
    /// could not be started.
    func run(_ arguments: [String]) -> (status: Int32, output: String)?
    var isRoot: Bool { get }
    var environment: [String: String] { get }
}

/// The machine this process runs on.
public struct LiveSystemProbe: SystemProbe {
    public init() {}

    public func executable(_ name: String) -> String? { PCSCSandbox.which(name) }

    public func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    public func run(_ arguments: [String]) -> (status: Int32, output: String)? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mynasim-doctor-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        guard (try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)) != nil else { return nil }
        let log = directory.appendingPathComponent("output").path
        guard let process = try? ChildProcess(arguments, options: ChildProcess.Options(output: log)) else { return nil }
        let deadline = ContinuousClock.now + .seconds(10)
        var status = process.poll()
        while status == nil, ContinuousClock.now < deadline {
            usleep(2_000)
            status = process.poll()
        }
        let final = status ?? process.stop(signal: SIGKILL, grace: .zero)
        return (final, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    public var isRoot: Bool { getuid() == 0 }

    public var environment: [String: String] { ProcessInfo.processInfo.environment }
}
