import Foundation
import FuzzSupport
import VirtualReader

@testable import Harness

// Client-check rule profiles (docs/client-rules.md): any YAML loads into a profile or fails with
// an error naming the file; a profile that loads is evaluated against a session of real
// exchanges (a JPKI authentication: SELECTs, the retry query, VERIFY, a signature) without
// trapping, and every verdict names its rule.

let profilePath = Scratch.directory.appendingPathComponent("profile.yaml").path
let session = ClientSession(trace: SampleTrace.events)
let factSets: [ScenarioFacts] = [[:], ["purpose": "authentication", "method": "pin"], ["method": "visual", "card": "face"]]

/// Builds the fixtures before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: FuzzerArgumentCount, _ argv: FuzzerArgumentVector) -> CInt {
    _ = (profilePath, session, factSets)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProfile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = Scratch.file("profile.yaml", FuzzInput(data, size).bytes)
    do {
        let profile = try ClientProfile.load(profilePath)
        let engine = RuleEngine(profile: profile)
        for facts in factSets {
            let verdicts = engine.evaluate(session, facts: facts)
            for verdict in verdicts {
                fuzzCheck(profile.rules.contains { $0.id == verdict.rule }, "a verdict for an unknown rule \(verdict.rule)")
            }
        }
    } catch {
        fuzzCheck(error.description.contains(profilePath), "an error that does not name the file: \(error)")
    }
    return 0
}
