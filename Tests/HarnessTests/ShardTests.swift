import Foundation
import Harness
import ISO7816
import TestSupport
import Testing

/// `--shard I/N` and `mynasim report merge`: a stable split of a run's cases, and shards that
/// merge back into exactly the unsharded run.
@Suite("Shards and merged reports")
struct ShardTests {
    static let suites = ["jpki", "kenmen"].map { Fixtures.repositoryRoot.appendingPathComponent("vectors/suites/\($0)").path }

    @Test func shardsAreParsedFromTheCommandLineAndTheEnvironment() throws {
        #expect(try Shard(argument: "2/3") == Shard(index: 2, total: 3))
        for bad in ["0/3", "4/3", "2", "a/b", "1/0", "2/3/4", ""] {
            #expect(throws: ShardError.self, "\(bad)") { try Shard(argument: bad) }
        }
        // Bazel counts from 0.
        #expect(try Shard.fromEnvironment(["TEST_SHARD_INDEX": "0", "TEST_TOTAL_SHARDS": "3"]) == Shard(index: 1, total: 3))
        #expect(try Shard.fromEnvironment([:]) == nil)
        #expect(throws: ShardError.halfEnvironment(index: "1", total: nil)) { try Shard.fromEnvironment(["TEST_SHARD_INDEX": "1"]) }
        #expect(throws: ShardError.self) { try Shard.fromEnvironment(["TEST_SHARD_INDEX": "3", "TEST_TOTAL_SHARDS": "3"]) }
        #expect(ShardError.indexOutOfRange(index: 4, total: 3).description.contains("count from 1 to 3"))
    }

    /// The documented hash: FNV-1a, 64 bits (its published test vectors), modulo the shard count.
    @Test func theAssignmentIsFNV1aOfTheCaseKey() {
        #expect(Shard.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(Shard.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(Shard.fnv1a("foobar") == 0x8594_4171_f739_67e8)
        #expect(Shard.bucket(of: "foobar", total: 7) == Int(UInt64(0x8594_4171_f739_67e8) % 7))
    }

    func shippedScripts() throws -> [Script] { try Suite.load(Self.suites) }

    @Test func everyCaseIsInExactlyOneShardAndTheSplitIsEven() throws {
        let scripts = try shippedScripts()
        let all = scripts.flatMap { s in s.cases.map { "\(s.path)#\($0.id)" } }
        for total in [1, 2, 3, 7] {
            var seen: [String] = []
            var sizes: [Int] = []
            for index in 1...total {
                let part = SuiteShard(scripts, roots: Self.suites, shard: try Shard(index: index, total: total))
                let cases = part.scripts.flatMap { s in s.cases.map { "\(s.path)#\($0.id)" } }
                sizes.append(cases.count)
                seen += cases
                #expect(part.info?.totalCases == all.count)
            }
            #expect(seen.sorted() == all.sorted(), "\(total) shards")
            // No shard is more than half again as big as an even share.
            #expect(sizes.allSatisfy { Double($0) <= Double(all.count) / Double(total) * 1.5 + 2 }, "\(sizes)")
        }
    }

    @Test func theKeyIsTheSameWhereverTheSuiteIsCheckedOut() {
        let here = SuiteShard.key(script: "/a/b/vectors/suites/jpki/01-select.apdu", caseID: "SEL-001", roots: ["/a/b/vectors/suites/jpki"])
        let there = SuiteShard.key(script: "vectors/suites/jpki/01-select.apdu", caseID: "SEL-001", roots: ["vectors/suites/jpki/"])
        #expect(here == "jpki/01-select.apdu#SEL-001" && here == there)
        #expect(SuiteShard.key(script: "/x/loose.apdu", caseID: "loose", roots: ["/y"]) == "loose.apdu#loose")
    }

    /// Runs the shipped suites in process, whole or as one shard, and returns the run as its JSON report would hold it.
    func run(_ shard: Shard?) throws -> RunResult {
        let part = SuiteShard(try shippedScripts(), roots: Self.suites, shard: shard)
        var channel = try InProcessChannel(persona: Fixtures.persona("yamada-taro"))
        var options = ScriptRunner.Options()
        options.profiles = ["extended"]
        let ran = ScriptRunner(options: options).run(part.scripts, on: &channel)
        let run = RunResult(
            name: "suites", channel: channel.name, started: "2026-11-25T12:00:0\(shard?.index ?? 0)Z",
            cases: shard == nil ? ran : part.annotate(ran), shard: part.info)
        return try JSONDecoder().decode(RunResult.self, from: Reports.json(run))
    }

    @Test func threeShardsMergeIntoExactlyTheUnshardedRun() throws {
        let whole = try run(nil)
        let shards = try (1...3).map { try run(Shard(index: $0, total: 3)) }
        #expect(shards.allSatisfy { !$0.cases.isEmpty && $0.cases.count < whole.cases.count })
        // Any order of the shard reports.
        let reports = [shards[2], shards[0], shards[1]].enumerated().map { ReportMerge.Report.suite($1, path: "shard\($0).json") }
        let merged = try ReportMerge.merge(reports)
        let joined = try #require(merged.suites.first)
        #expect(merged.suites.count == 1 && merged.clientChecks.isEmpty)
        func cases(_ r: RunResult) -> [String] { r.cases.map { "\($0.file)#\($0.id) \($0.verdict.rawValue)" } }
        #expect(cases(joined) == cases(whole))
        #expect(joined.mergedShards == 3 && joined.shard == nil && joined.started == "2026-11-25T12:00:01Z")
        #expect(joined.timingByCommandClass.mapValues { $0.count } == whole.timingByCommandClass.mapValues { $0.count })
        // The JUnit of the merge names the same test cases as the unsharded run's.
        func testcases(_ xml: String) -> [String] {
            xml.components(separatedBy: "<testcase ").dropFirst().map {
                String($0.prefix { $0 != ">" }).replacingOccurrences(of: #"time="[0-9.]*""#, with: "", options: .regularExpression)
            }
        }
        #expect(testcases(Reports.junit(joined)).sorted() == testcases(Reports.junit(whole)).sorted())
    }

    @Test func aMergeRefusesMissingDuplicateAndUnshardedReports() throws {
        let shards = try (1...3).map { try run(Shard(index: $0, total: 3)) }
        func merge(_ runs: [RunResult]) throws {
            _ = try ReportMerge.merge(runs.enumerated().map { ReportMerge.Report.suite($1, path: "s\($0).json") })
        }
        #expect(throws: MergeError.missingShards(name: "suites", missing: [2], total: 3)) { try merge([shards[0], shards[2]]) }
        #expect(throws: MergeError.duplicateShard(name: "suites", shard: "shard 1 of 3", paths: ["s0.json", "s3.json"])) {
            try merge(shards + [shards[0]])
        }
        #expect(throws: MergeError.notSharded(name: "suites", path: "s1.json")) { try merge([shards[0], try run(nil)]) }
        var lying = shards[1]
        lying.cases.removeLast()
        #expect(throws: MergeError.self) { try merge([shards[0], lying, shards[2]]) }
        #expect(MergeError.missingShards(name: "suites", missing: [2], total: 3).description.contains("shard 2 of 3 missing"))
    }

    @Test func shardReportsAreWrittenUnderTheirOwnNamesAndMergedFromDisk() throws {
        let directory = Fixtures.temporaryDirectory("merge")
        for index in 1...2 {
            let part = try run(Shard(index: index, total: 2))
            let files = try Reports.write(part, to: directory.appendingPathComponent("job\(index)"), baseName: "suites")
            #expect(files.map(\.lastPathComponent) == ["junit.xml", "json", "html"].map { "suites.shard-\(index)-of-2.\($0)" })
        }
        let out = directory.appendingPathComponent("merged")
        let written = try ReportMerge.run(["job1", "job2"].map { directory.appendingPathComponent($0).path }, into: out)
        #expect(written.files.map(\.lastPathComponent) == ["suites.junit.xml", "suites.json", "suites.html"])
        let total = try run(nil).cases.count
        #expect(written.runs.count == 1 && written.runs[0].hasPrefix("suites: \(total) cases from 2 shards: "))
        #expect(throws: MergeError.noReports([out.appendingPathComponent("nothing").path])) {
            try FileManager.default.createDirectory(at: out.appendingPathComponent("nothing"), withIntermediateDirectories: true)
            _ = try ReportMerge.load([out.appendingPathComponent("nothing").path])
        }
    }
}
