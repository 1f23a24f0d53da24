/// A command-line problem, printed by ArgumentParser as one line: `Error: <description>`.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
