import Foundation
import ISO7816
import TestSupport
import Testing
import Yams

/// `trace show`, `diff`, `--shard` and `report merge` as a user (and a CI job) runs them.
@Suite("mynasim trace, diff, shards and merged reports", .serialized)
struct HarnessReportCLITests {
    func mynasim(_ args: [String], environment: [String: String] = [:]) throws -> Oracle.ProcessResult {
        try Oracle.run(Oracle.mynasim, args, environment: environment)
    }

    static let repository = Fixtures.repositoryRoot
    static let jpki = repository.appendingPathComponent("vectors/suites/jpki").path
    static let yamada = repository.appendingPathComponent("vectors/personas/yamada-taro").path

    /// Cases as `file#id verdict`, in report order.
    func cases(_ json: URL) throws -> [String] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as! [String: Any]
        return (object["cases"] as! [[String: Any]]).map { "\($0["file"]!)#\($0["id"]!) \($0["verdict"]!)" }
    }

    /// The `<testcase>` names of a JUnit file.
    func testcases(_ junit: URL) throws -> [String] {
        let xml = try String(contentsOf: junit, encoding: .utf8)
        return xml.components(separatedBy: "<testcase ").dropFirst().map { String($0.prefix { $0 != ">" }.split(separator: " time=")[0]) }
    }

    @Test func threeShardsOfASuiteMergeIntoExactlyTheUnshardedRun() throws {
        let root = Fixtures.temporaryDirectory("shards")
        let whole = try mynasim([
            "suite", Self.jpki, "--card", Self.yamada, "--plain", "--report-dir", root.appendingPathComponent("whole").path,
        ])
        #expect(whole.status == 0, "\(whole.stderr)")
        var sizes: [Int] = []
        for index in 1...3 {
            let dir = root.appendingPathComponent("s\(index)").path
            // Shard 2 from the environment (Bazel counts from 0), the others from --shard.
            let r =
                index == 2
                ? try mynasim(
                    ["suite", Self.jpki, "--card", Self.yamada, "--plain", "--report-dir", dir],
                    environment: ["TEST_SHARD_INDEX": "1", "TEST_TOTAL_SHARDS": "3"])
                : try mynasim(["suite", Self.jpki, "--card", Self.yamada, "--plain", "--shard", "\(index)/3", "--report-dir", dir])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("(shard \(index) of 3: "))
            sizes.append(try cases(URL(fileURLWithPath: dir).appendingPathComponent("jpki.shard-\(index)-of-3.json")).count)
        }
        let merged = root.appendingPathComponent("merged")
        let merge = try mynasim(["report", "merge"] + (1...3).map { root.appendingPathComponent("s\($0)").path } + ["--out", merged.path])
        #expect(merge.status == 0, "\(merge.stderr)")
        let expected = try cases(root.appendingPathComponent("whole/jpki.json"))
        #expect(sizes.allSatisfy { $0 > 0 } && sizes.reduce(0, +) == expected.count)
        #expect(merge.stdout.contains("jpki: \(expected.count) cases from 3 shards: \(expected.count) pass"))
        #expect(try cases(merged.appendingPathComponent("jpki.json")) == expected)
        #expect(
            try testcases(merged.appendingPathComponent("jpki.junit.xml")).sorted()
                == testcases(root.appendingPathComponent("whole/jpki.junit.xml")).sorted())
        #expect(try String(contentsOf: merged.appendingPathComponent("jpki.html"), encoding: .utf8).contains("merged from 3 shards"))

        let missing = try mynasim(["report", "merge", root.appendingPathComponent("s1").path, "--out", merged.path])
        #expect(missing.status != 0 && missing.stderr.contains("shards 2, 3 of 3 missing"))
        let bad = try mynasim(["suite", Self.jpki, "--card", Self.yamada, "--shard", "4/3"])
        #expect(bad.status != 0 && bad.stderr.contains("shard 4 does not exist in a run of 3 shards"))
        let half = try mynasim(["suite", Self.jpki, "--card", Self.yamada], environment: ["TEST_TOTAL_SHARDS": "3"])
        #expect(half.status != 0 && half.stderr.contains("TEST_SHARD_INDEX is not"))
    }

    /// A recorded session: the JPKI AP, the auth certificate's header, the PIN.
    func recorded() throws -> String {
        let root = Fixtures.temporaryDirectory("recorded")
        let script = root.appendingPathComponent("s.apdu")
        try """
        00A4040C0AD392F000260100000001
        00A4020C02000A
        00B0000004
        00A4020C020018
        0020008004\(Hex.encode(Array("1234".utf8)))
        """.write(to: script, atomically: true, encoding: .utf8)
        let trace = root.appendingPathComponent("card.trace").path
        let r = try mynasim(["record", "--card", Self.yamada, "--out", trace, "--report-dir", root.path, script.path])
        #expect(r.status == 0, "\(r.stderr)")
        return trace
    }

    @Test func traceShowPrintsReadableExchangesWithThePINHidden() throws {
        let trace = try recorded()
        let shown = try mynasim(["trace", "show", trace])
        #expect(shown.status == 0, "\(shown.stderr)")
        for expected in [
            "power on · ATR 3B E0 00 FF 81 31 FE 45 14", "#1 ", "SELECT JPKI AP", "READ BINARY 000A (authentication certificate) @0 Le 4",
            "VERIFY 0018 利用者証明用暗証番号 (authentication PIN) [4 bytes hidden]", "> 00 20 00 80 04 [4 bytes hidden]", "< 90 00 · success",
            "[4 bytes of personal data: 30(", "5 exchanges, 1 power event",
        ] {
            #expect(shown.stdout.contains(expected), "missing: \(expected)")
        }
        #expect(!shown.stdout.contains("31 32 33 34"))
        let secrets = try mynasim(["trace", "show", "--show-secrets", trace])
        #expect(secrets.stdout.contains("\"1234\"") && secrets.stdout.contains("31 32 33 34"))
        let noSlot = try mynasim(["trace", "show", "--slot", "5", trace])
        #expect(noSlot.status != 0 && noSlot.stderr.contains("no events on slot 5 (the trace has slot 0)"))
        let garbage = Fixtures.temporaryDirectory("garbage").appendingPathComponent("t.jsonl")
        try "{\"time\": 1}\n".write(to: garbage, atomically: true, encoding: .utf8)
        let bad = try mynasim(["trace", "show", garbage.path])
        #expect(bad.status != 0 && bad.stderr.contains("t.jsonl:1:"))
    }

    @Test func diffExitsZeroWhenTheCardsAgreeOneWhenTheyDifferTwoWhenItCannotCompare() throws {
        let trace = try recorded()
        let same = try mynasim(["diff", trace, "--card", Self.yamada])
        #expect(same.status == 0 && same.stdout.contains("5 exchanges: 5 the same, 0 differ"), "\(same.stdout)\(same.stderr)")
        let face = try mynasim(["diff", trace, "--card", Self.repository.appendingPathComponent("vectors/personas/takahashi-face").path])
        #expect(face.status == 1 && face.stdout.contains("differs   status: 9000"), "\(face.stdout)")
        let json = try mynasim(["diff", "--json", trace, "--card", Self.yamada])
        let object = try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any]
        #expect((object?["exchanges"] as? [Any])?.count == 5)
        let nothing = try mynasim(["diff", "/nonexistent/card.trace", "--card", Self.yamada])
        #expect(nothing.status == 2 && nothing.stderr.contains("/nonexistent/card.trace: cannot read the trace"))
    }

    // MARK: the CI examples

    static let ci = repository.appendingPathComponent("docs/ci")

    func yaml(_ name: String) throws -> [String: Any] {
        let text = try String(contentsOf: Self.ci.appendingPathComponent(name), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    /// Every command line of the file's `run:` / `script:` steps that calls mynasim, with `$…` and
    /// `${{ … }}` left as they are.
    func mynasimCommands(_ node: Any) -> [String] {
        switch node {
        case let text as String:
            return text.split(separator: "\n").map(String.init).filter { $0.contains("mynasim ") && $0.contains(".build/debug/mynasim") }
        case let list as [Any]:
            return list.flatMap(mynasimCommands)
        case let map as [String: Any]:
            return map.flatMap { key, value in
                ["run", "script"].contains(key) || value is [String: Any] || value is [Any] ? mynasimCommands(value) : []
            }
        default:
            return []
        }
    }

    /// The subcommand and the options a command line uses exist: `mynasim SUBCOMMAND --help` lists each option.
    func checkExists(_ line: String) throws {
        let words = line.split(separator: " ").map(String.init)
        guard let start = words.firstIndex(where: { $0.hasSuffix("/mynasim") }) else { return }
        var arguments = Array(words[(start + 1)...])
        if let client = arguments.firstIndex(of: "--") { arguments = Array(arguments[..<client]) }
        var subcommand = [arguments[0]]
        if ["report", "trace", "card", "persona"].contains(arguments[0]) { subcommand.append(arguments[1]) }
        let help = try mynasim(subcommand + ["--help"])
        #expect(help.status == 0, "mynasim \(subcommand.joined(separator: " ")) does not exist")
        for option in arguments where option.hasPrefix("-") {
            #expect(help.stdout.contains(option + " ") || help.stdout.contains(option + ","), "\(subcommand) has no \(option)")
        }
    }

    @Test func theGitHubWorkflowShardsThreeWaysAndMerges() throws {
        let workflow = try yaml("github-actions.yml")
        let jobs = try #require(workflow["jobs"] as? [String: Any])
        let conformance = try #require(jobs["conformance"] as? [String: Any])
        let matrix = (conformance["strategy"] as? [String: Any])?["matrix"] as? [String: Any]
        #expect(matrix?["shard"] as? [Int] == [1, 2, 3])
        let merge = try #require(jobs["merge"] as? [String: Any])
        #expect((merge["needs"] as? [String])?.contains("conformance") == true && merge["if"] as? String == "always()")
        let commands = mynasimCommands(workflow)
        #expect(commands.contains { $0.contains("--shard ${{ matrix.shard }}/3") })
        #expect(commands.contains { $0.contains("report merge") })
        // Folded lines (`run: >`) are one command each.
        for command in commands { try checkExists(command) }
    }

    @Test func theGitLabPipelineShardsThreeWaysAndMerges() throws {
        let pipeline = try yaml("gitlab-ci.yml")
        let conformance = try #require(pipeline["conformance"] as? [String: Any])
        #expect(conformance["parallel"] as? Int == 3)
        let merge = try #require(pipeline["merge"] as? [String: Any])
        #expect((merge["needs"] as? [String])?.contains("conformance") == true && merge["when"] as? String == "always")
        let stages = try #require(pipeline["stages"] as? [String])
        #expect(stages.firstIndex(of: conformance["stage"] as! String)! < stages.firstIndex(of: merge["stage"] as! String)!)
        let commands = mynasimCommands(pipeline)
        #expect(commands.contains { $0.contains("--shard $CI_NODE_INDEX/$CI_NODE_TOTAL") })
        #expect(commands.contains { $0.contains("report merge") })
        for command in commands { try checkExists(command) }
    }
}
