import Foundation
import Yams

/// A YAML file decoded into a `Decodable` type, strictly and keeping the node tree, so that any
/// problem is reported with the file, line and column of the value it concerns: a key the type
/// does not know is an error naming the nearest valid key, a value outside an enumeration lists
/// the valid ones. Persona files, client profiles and scenarios (and any later YAML input) load
/// through it.
public struct YAMLDocument<Value: Decodable> {
    public let path: String
    public let value: Value
    let root: Node

    /// Reads and decodes `url`. Every failure is a ``PersonaError/invalid(file:line:column:message:)``
    /// or ``PersonaError/missingFile(_:reason:)`` naming the file.
    public init(url: URL) throws(PersonaError) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .missingFile(url.path, reason: FileProblem.reading(url.path, error))
        }
        try self.init(text: text, path: url.path)
    }

    /// Decodes `text` as if it were the file at `path`.
    public init(text: String, path: String) throws(PersonaError) {
        self.path = path
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.locate(error, in: path)
        } catch {
            throw .invalid(file: path, line: nil, column: nil, message: "not YAML")
        }
        guard let node else { throw .invalid(file: path, line: 1, column: 1, message: "the file is empty") }
        root = node
        do {
            value = try YAMLNodeDecoder.decode(Value.self, from: node)
        } catch {
            let field = error.path.isEmpty ? "" : "\(error.path.joined(separator: ".")): "
            throw .invalid(file: path, line: error.mark?.line, column: error.mark?.column, message: field + error.message)
        }
    }

    /// A problem at a key path, located in the file (the deepest node that exists on the path).
    public func problem(at path: [String], _ message: String) -> PersonaError {
        let mark = Self.node(at: path, in: root)?.mark
        return .invalid(file: self.path, line: mark?.line, column: mark?.column, message: "\(path.joined(separator: ".")): \(message)")
    }

    static func node(at path: [String], in root: Node) -> Node? {
        var node = root
        for key in path {
            if let mapping = node.mapping, let next = mapping[key] {
                node = next
            } else if let sequence = node.sequence, let index = Int(key), sequence.indices.contains(index) {
                node = sequence[index]
            } else {
                break
            }
        }
        return node
    }

    static func locate(_ error: YamlError, in file: String) -> PersonaError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return .invalid(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)")
        case .reader(let problem, let offset, _, _):
            return .invalid(file: file, line: nil, column: nil, message: "not readable as YAML text at byte \(offset ?? 0): \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .invalid(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "the key '\(duplicates.joined(separator: "', '"))' appears more than once in this mapping")
        default:
            return .invalid(file: file, line: nil, column: nil, message: "not readable as YAML")
        }
    }
}
