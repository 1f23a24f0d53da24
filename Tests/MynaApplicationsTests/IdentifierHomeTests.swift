import Foundation
import MynaApplications
import Testing

/// Every AID, file id and credential id has one home, this module: nothing else in `Sources/`
/// spells one out (tests and vectors may).
@Suite("One home for the card's identifiers")
struct IdentifierHomeTests {
    static let sources: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Sources")
    }()

    /// The Swift files outside this module, with their text.
    static func otherSources() throws -> [(path: String, text: String)] {
        let enumerator = FileManager.default.enumerator(atPath: sources.path)
        return try (enumerator?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".swift") && !$0.hasPrefix("MynaApplications/") }
            .map { ($0, try String(contentsOf: sources.appendingPathComponent($0), encoding: .utf8)) }
    }

    /// What a spelled-out identifier looks like in source: an AID as hex text or as bytes, a file
    /// id as a 4-digit literal below `0040` (hex text or `0x` number), a credential id string.
    static var patterns: [(String, NSRegularExpression)] {
        var out: [(String, String)] = CardApplicationID.allCases.map { application in
            let hex = application.aid.map { String(format: "%02X", $0) }
            return ("the \(application.rawValue) AID", hex.joined() + "|" + hex.prefix(4).map { "0x\($0)" }.joined(separator: ",\\s*"))
        }
        out.append(("a file id", #"\b0x00[0-3][0-9A-Fa-f]\b|"00[0-3][0-9A-F]""#))
        out.append(("a credential id", #""(jpki|text|visual|common|juki)\.[a-z0-9-]+""#))
        return out.map { ($0.0, try! NSRegularExpression(pattern: $0.1)) }
    }

    @Test func noIdentifierIsSpelledOutOutsideTheApplicationsModule() throws {
        var found: [String] = []
        for (path, text) in try Self.otherSources() {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = String(line)
                // Comments may name a file ("EF 0002") for people.
                let code = line.components(separatedBy: "//").first ?? line
                for (what, pattern) in Self.patterns where pattern.firstMatch(in: code, range: NSRange(code.startIndex..., in: code)) != nil
                {
                    found.append("Sources/\(path):\(number + 1): \(what): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(found.isEmpty, "take these from MynaApplications:\n\(found.joined(separator: "\n"))")
    }

    @Test func theScanWouldCatchEachKindOfLiteral() throws {
        let caught = [
            "let aid = \"D392F000260100000001\"", "let b: [UInt8] = [0xD3, 0x92, 0xF0, 0x00]", "select(0x000A)", "select(\"001B\")",
            "CredentialID(\"jpki.auth-pin\")",
        ]
        let fileName = "static let commonKey = \"common.key.pem\""
        for line in caught {
            #expect(Self.patterns.contains { $0.1.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil }, "\(line)")
        }
        #expect(!Self.patterns.contains { $0.1.firstMatch(in: fileName, range: NSRange(fileName.startIndex..., in: fileName)) != nil })
    }
}
