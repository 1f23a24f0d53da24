/// Problems with a persona or its directory. Each names the file and, where known, the line.
public enum PersonaError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A value or structure problem at a place in a file.
    case invalid(file: String, line: Int?, column: Int?, message: String)
    /// A file the persona needs is missing or unreadable.
    case missingFile(String, reason: String)
    /// A generation or write step failed.
    case cannotWrite(String, reason: String)
    /// A key or certificate could not be parsed or does not match.
    case badCryptoMaterial(file: String, reason: String)
    /// A program or font that issuing a persona needs is not installed or failed.
    case missingTool(String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let file, let line, let column, let message):
            let place = [line.map { ":\($0)" }, column.map { ":\($0)" }].compactMap { $0 }.joined()
            return "\(file)\(place): \(message)"
        case .missingFile(let file, let reason): return "\(file): \(reason)"
        case .cannotWrite(let file, let reason): return "\(file): cannot write: \(reason)"
        case .badCryptoMaterial(let file, let reason): return "\(file): \(reason)"
        case .missingTool(let tool, let reason): return "\(tool): \(reason)"
        }
    }
}
