import Foundation
import Yams

/// A YAML file decoded into a `Decodable` type, keeping the node tree so that any problem can
/// be reported with the file, line and column of the value it concerns.
public struct YAMLDocument<Value: Decodable> {
    public let path: String
    public let value: Value
    let root: Node

    /// Reads and decodes `url`. Every failure is a ``PersonaError/invalid(file:line:column:message:)``
    /// or ``PersonaError/missingFile(_:reason:)`` naming the file.
    public init(url: URL) throws(PersonaError) {
        path = url.path
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .missingFile(url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.locate(error, in: url.path)
        } catch {
            throw .invalid(file: url.path, line: nil, column: nil, message: "\(error)")
        }
        guard let node else { throw .invalid(file: url.path, line: 1, column: 1, message: "the file is empty") }
        root = node
        do {
            value = try YAMLDecoder().decode(Value.self, from: node)
        } catch let error as DecodingError {
            throw Self.describe(error, root: node, file: url.path)
        } catch {
            throw .invalid(file: url.path, line: nil, column: nil, message: "\(error)")
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
        default:
            return .invalid(file: file, line: nil, column: nil, message: "YAML: \(error)")
        }
    }

    static func describe(_ error: DecodingError, root: Node, file: String) -> PersonaError {
        func keys(_ path: [CodingKey]) -> [String] { path.map { $0.intValue.map(String.init) ?? $0.stringValue } }
        let path: [String]
        let message: String
        switch error {
        case .keyNotFound(let key, let context):
            path = keys(context.codingPath)
            message = "missing key '\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            path = keys(context.codingPath)
            message = "expected \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            path = keys(context.codingPath)
            message = "expected a value of type \(type)"
        case .dataCorrupted(let context):
            path = keys(context.codingPath)
            message = context.debugDescription
        @unknown default:
            path = []
            message = "\(error)"
        }
        let mark = node(at: path, in: root)?.mark
        let field = path.isEmpty ? "" : "\(path.joined(separator: ".")): "
        return .invalid(file: file, line: mark?.line, column: mark?.column, message: field + message)
    }
}
