import Foundation

/// A suite run narrowed to one shard: the scripts with only this shard's cases, and each kept
/// case's position in the whole run for the reports.
package struct SuiteShard: Sendable {
    /// One case of the whole run.
    struct Item: Sendable {
        var script: Int
        var path: String
        var testCase: TestCase
        var key: String
    }

    /// The scripts with this shard's cases (a script left without cases is dropped).
    package var scripts: [Script]
    let selection: ShardSelection<Item>

    /// What reports say about the shard (nil for an unsharded run).
    package var info: ShardInfo? { selection.info }

    /// Narrows `scripts` (found under the suite directories `roots`) to `shard`; nil keeps all.
    package init(_ scripts: [Script], roots: [String], shard: Shard?) {
        var items: [Item] = []
        for (index, script) in scripts.enumerated() {
            for testCase in script.cases {
                items.append(
                    Item(
                        script: index, path: script.path, testCase: testCase,
                        key: Self.key(script: script.path, caseID: testCase.id, roots: roots)))
            }
        }
        selection = ShardSelection(items, shard: shard, key: \.key)
        var kept = scripts.map { script -> Script in
            var copy = script
            copy.cases = []
            return copy
        }
        for item in selection.items { kept[item.script].cases.append(item.testCase) }
        self.scripts = kept.filter { !$0.cases.isEmpty }
    }

    /// A case's name for sharding: `SUITE/PATH#ID`, the script's path under the suite directory it
    /// was found in (led by that directory's name, so the key is the same wherever the suite is
    /// checked out), or the file name for a script outside every suite directory.
    package static func key(script path: String, caseID: String, roots: [String]) -> String {
        let file = URL(fileURLWithPath: path).standardizedFileURL.path
        for root in roots {
            let directory = URL(fileURLWithPath: root).standardizedFileURL
            let prefix = directory.path.hasSuffix("/") ? directory.path : directory.path + "/"
            if file.hasPrefix(prefix) { return directory.lastPathComponent + "/" + file.dropFirst(prefix.count) + "#" + caseID }
        }
        return URL(fileURLWithPath: path).lastPathComponent + "#" + caseID
    }

    /// The results with each case's position in the whole run (results come in the kept cases' order).
    package func annotate(_ results: [CaseResult]) -> [CaseResult] {
        var pending = Array(zip(selection.items, selection.ordinals))
        return results.map { result in
            var result = result
            if let found = pending.firstIndex(where: { $0.0.testCase.id == result.id && $0.0.path == result.file }) {
                result.ordinal = pending[found].1
                pending.remove(at: found)
            }
            return result
        }
    }
}
