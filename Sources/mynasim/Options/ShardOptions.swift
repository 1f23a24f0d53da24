import ArgumentParser
import Foundation
import Harness

/// `--shard INDEX/TOTAL` (or Bazel's `TEST_SHARD_INDEX` and `TEST_TOTAL_SHARDS`): run one part of
/// a suite or a client check, for CI matrices; `mynasim report merge` puts the parts together.
struct ShardOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Run only shard INDEX of TOTAL (from 1, e.g. 2/3); `mynasim report merge` joins the shards' reports.",
            discussion: "Without it, TEST_SHARD_INDEX (from 0) and TEST_TOTAL_SHARDS are used when set.",
            valueName: "INDEX/TOTAL"))
    var shard: String?

    func validate() throws {
        if let shard {
            do { _ = try Shard(argument: shard) } catch { throw ValidationError(error.description) }
        }
    }

    /// The shard to run, or nil for the whole run. Tells a Bazel test runner that sharding is
    /// supported by touching `TEST_SHARD_STATUS_FILE`.
    func resolve(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard? {
        let resolved: Shard?
        do throws(ShardError) {
            if let shard { resolved = try Shard(argument: shard) } else { resolved = try Shard.fromEnvironment(environment) }
        } catch {
            throw CLIError(error.description)
        }
        if resolved != nil, let status = environment["TEST_SHARD_STATUS_FILE"], !status.isEmpty,
            !FileManager.default.fileExists(atPath: status)
        {
            _ = FileManager.default.createFile(atPath: status, contents: nil)
        }
        return resolved
    }
}
