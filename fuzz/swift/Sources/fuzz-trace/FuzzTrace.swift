import Foundation
import FuzzSupport
import VirtualReader

@testable import Harness

// The trace reader behind replay, client-check and `mynasim trace`: any file reads into events or
// fails with an error naming the file and line. Events that read become a client session per
// slot, judged by the shipped rule profiles, and a replay card that answers every recorded
// command with its recorded response.

let tracePath = Scratch.directory.appendingPathComponent("trace.jsonl").path
let profiles: [RuleEngine] = ["jpki-generic", "qualification-check"].map { name in
    let path = Repository.root.appendingPathComponent("vectors/client-profiles/\(name).yaml").path
    do { return RuleEngine(profile: try ClientProfile.load(path)) } catch {
        FileHandle.standardError.write(Data("fuzz-trace: cannot load \(path): \(error)\n".utf8))
        exit(2)
    }
}

/// Builds the fixtures before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: FuzzerArgumentCount, _ argv: FuzzerArgumentVector) -> CInt {
    _ = (tracePath, profiles)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrace(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = Scratch.file("trace.jsonl", FuzzInput(data, size).bytes)
    let events: [TraceEvent]
    do { events = try TraceFile.read(tracePath) } catch {
        fuzzCheck(error.description.contains(tracePath), "an error that does not name the file: \(error)")
        return 0
    }
    for slot in Set(events.map(\.slot)).sorted().prefix(4) {
        let session = ClientSession(trace: events, slot: slot)
        fuzzCheck(session.exchanges.count <= events.count, "more exchanges than events")
        for engine in profiles { _ = engine.evaluate(session, facts: ["purpose": "authentication", "method": "pin"]) }
    }
    for mode in ReplayChannel.Mode.allCases {
        guard let replay = try? ReplayChannel(path: tracePath, mode: mode) else { continue }
        _ = replay.powerOn()
        for exchange in replay.exchanges.prefix(64) {
            guard let response = try? replay.transmit(exchange.command) else {
                fuzzCheck(mode == .strict, "skipping replay found no answer to a recorded command")
                break
            }
            if mode == .strict { fuzzCheck(response == exchange.response, "strict replay answered another response") }
        }
    }
    return 0
}
