import Foundation

/// `mynasim report merge`: the JSON reports of a sharded run's jobs put back together into one
/// run, written again as JUnit XML, JSON and HTML. Every shard of the run must be there exactly
/// once, and together they must hold every case of the run exactly once.
package enum ReportMerge {
    /// A report read from a shard's report directory.
    package enum Report: Sendable {
        case suite(RunResult, path: String)
        case clientCheck(ClientCheckRun, path: String)

        var path: String {
            switch self {
            case .suite(_, let path), .clientCheck(_, let path): return path
            }
        }
    }

    /// Every `*.json` report in `paths` (directories, or report files themselves), in name order.
    package static func load(_ paths: [String]) throws(MergeError) -> [Report] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .missing(path) }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.filter { $0.hasSuffix(".json") }.sorted().map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        guard !files.isEmpty else { throw .noReports(paths) }
        return try files.map { path throws(MergeError) in try read(path) }
    }

    /// One report file: a suite run or a client check.
    static func read(_ path: String) throws(MergeError) -> Report {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        let decoder = JSONDecoder()
        if let run = try? decoder.decode(RunResult.self, from: data) { return .suite(run, path: path) }
        if let run = try? decoder.decode(ClientCheckRun.self, from: data) { return .clientCheck(run, path: path) }
        throw .notAReport(path)
    }

    /// The merged runs, one per run name: suites by their `--name`, client checks by profile.
    package static func merge(_ reports: [Report]) throws(MergeError) -> (suites: [RunResult], clientChecks: [ClientCheckRun]) {
        var suites: [String: [(RunResult, String)]] = [:]
        var checks: [String: [(ClientCheckRun, String)]] = [:]
        var suiteOrder: [String] = []
        var checkOrder: [String] = []
        for report in reports {
            switch report {
            case .suite(let run, let path):
                if suites[run.name] == nil { suiteOrder.append(run.name) }
                suites[run.name, default: []].append((run, path))
            case .clientCheck(let run, let path):
                if checks[run.name] == nil { checkOrder.append(run.name) }
                checks[run.name, default: []].append((run, path))
            }
        }
        var mergedSuites: [RunResult] = []
        for name in suiteOrder { mergedSuites.append(try merge(suites[name]!)) }
        var mergedChecks: [ClientCheckRun] = []
        for name in checkOrder { mergedChecks.append(try merge(checks[name]!)) }
        return (mergedSuites, mergedChecks)
    }

    /// One suite run from its shards.
    static func merge(_ parts: [(RunResult, String)]) throws(MergeError) -> RunResult {
        let name = parts[0].0.name
        let shards = try check(parts.map { ($0.0.shard, $0.1) }, name: name)
        let cases = parts.flatMap(\.0.cases)
        let ordinals = try checkOrdinals(cases.map(\.ordinal), total: shards.totalCases, name: name)
        let ordered = zip(ordinals, cases).sorted { $0.0 < $1.0 }.map(\.1)
        let channels = Array(Set(parts.map(\.0.channel))).sorted()
        return RunResult(
            name: name, channel: channels.joined(separator: ", "), started: parts.map(\.0.started).min() ?? "", cases: ordered,
            mergedShards: shards.total)
    }

    /// One client check from its shards.
    static func merge(_ parts: [(ClientCheckRun, String)]) throws(MergeError) -> ClientCheckRun {
        let first = parts[0].0
        let shards = try check(parts.map { ($0.0.shard, $0.1) }, name: first.name)
        for (run, path) in parts where run.client != first.client || run.facts != first.facts {
            throw .inconsistent(name: first.name, path: path, what: "another client command or other facts than \(parts[0].1)")
        }
        let scenarios = parts.flatMap(\.0.scenarios)
        let ordinals = try checkOrdinals(scenarios.map(\.ordinal), total: shards.totalCases, name: first.name)
        let ordered = zip(ordinals, scenarios).sorted { $0.0 < $1.0 }.map(\.1)
        return ClientCheckRun(
            client: first.client, profile: first.profile, facts: first.facts, scenarios: ordered, mergedShards: shards.total)
    }

    /// Every shard once, all of one run.
    static func check(_ parts: [(ShardInfo?, String)], name: String) throws(MergeError) -> ShardInfo {
        var seen: [Int: String] = [:]
        guard let first = parts[0].0 else { throw .notSharded(name: name, path: parts[0].1) }
        for (shard, path) in parts {
            guard let shard else { throw .notSharded(name: name, path: path) }
            guard shard.total == first.total, shard.totalCases == first.totalCases else {
                throw .inconsistent(
                    name: name, path: path,
                    what: "\(shard.label) of a run of \(shard.totalCases) cases, but \(parts[0].1) is "
                        + "\(first.label) of a run of \(first.totalCases)")
            }
            if let other = seen[shard.index] { throw .duplicateShard(name: name, shard: shard.label, paths: [other, path]) }
            seen[shard.index] = path
        }
        let missing = (1...first.total).filter { seen[$0] == nil }
        guard missing.isEmpty else { throw .missingShards(name: name, missing: missing, total: first.total) }
        return first
    }

    /// Each case of the whole run exactly once.
    static func checkOrdinals(_ ordinals: [Int?], total: Int, name: String) throws(MergeError) -> [Int] {
        let known = ordinals.compactMap { $0 }
        guard known.count == ordinals.count else { throw .incomplete(name: name, detail: "a case has no position in the run") }
        guard Set(known).count == known.count else { throw .incomplete(name: name, detail: "a case appears in two shards") }
        guard known.count == total, known.allSatisfy({ (0..<total).contains($0) }) else {
            throw .incomplete(name: name, detail: "the shards hold \(known.count) cases, the run has \(total)")
        }
        return known
    }

    /// Merges the reports under `paths` and writes each merged run into `directory`; returns the
    /// files written and one line per merged run.
    package static func run(_ paths: [String], into directory: URL) throws -> (files: [URL], runs: [String]) {
        let merged = try merge(load(paths))
        var written: [URL] = []
        var lines: [String] = []
        for run in merged.suites {
            written += try Reports.write(run, to: directory, baseName: run.name)
            let counts = Reports.verdictCounts(run.counts)
            lines.append("\(run.name): \(run.cases.count) cases from \(run.mergedShards ?? 0) shards: \(counts.isEmpty ? "none" : counts)")
        }
        for run in merged.clientChecks {
            written += try ClientCheckReport.write(run, to: directory, baseName: run.name)
            lines.append(
                "\(run.name): \(run.scenarios.count) scenarios from \(run.mergedShards ?? 0) shards: \(ClientCheckReport.Totals(run).line)")
        }
        return (written, lines)
    }
}

/// Why shard reports cannot be merged.
package enum MergeError: Error, Hashable, Sendable, CustomStringConvertible {
    case missing(String)
    case noReports([String])
    case unreadable(String)
    case notAReport(String)
    case notSharded(name: String, path: String)
    case inconsistent(name: String, path: String, what: String)
    case duplicateShard(name: String, shard: String, paths: [String])
    case missingShards(name: String, missing: [Int], total: Int)
    case incomplete(name: String, detail: String)

    package var description: String {
        switch self {
        case .missing(let path): return "\(path): no such file or directory"
        case .noReports(let paths): return "no *.json reports in \(paths.joined(separator: ", "))"
        case .unreadable(let path): return "\(path): cannot read it"
        case .notAReport(let path): return "\(path): not a JSON report of `mynasim suite` or `mynasim client-check`"
        case .notSharded(let name, let path):
            return "\(path): run \(name) was not sharded (run each job with --shard INDEX/TOTAL, then merge their reports)"
        case .inconsistent(let name, let path, let what): return "\(path): run \(name): \(what)"
        case .duplicateShard(let name, let shard, let paths): return "run \(name): \(shard) twice, in \(paths.joined(separator: " and "))"
        case .missingShards(let name, let missing, let total):
            let list = missing.map(String.init).joined(separator: ", ")
            return
                "run \(name): shard\(missing.count == 1 ? "" : "s") \(list) of \(total) missing (did a job fail before writing its reports?)"
        case .incomplete(let name, let detail): return "run \(name): \(detail)"
        }
    }
}
