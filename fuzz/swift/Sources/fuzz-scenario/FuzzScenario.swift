import Foundation
import FuzzSupport

@testable import Harness

// Client-check scenario files (docs/client-rules.md): any YAML loads into scenarios or fails with
// an error naming the file; what a loaded scenario turns into (its fault plan, its expectation for
// a set of facts) never traps.

let scenarioPath = Scratch.directory.appendingPathComponent("scenarios.yaml").path
let factSets: [ScenarioFacts] = [[:], ["purpose": "authentication", "method": "pin"], ["method": "visual"]]

/// Builds the fixtures before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: FuzzerArgumentCount, _ argv: FuzzerArgumentVector) -> CInt {
    _ = (scenarioPath, factSets)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenario(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = Scratch.file("scenarios.yaml", FuzzInput(data, size).bytes)
    do {
        for scenario in try ClientScenario.load(scenarioPath) {
            _ = scenario.faultPlan
            for facts in factSets { _ = scenario.expectation(for: facts) }
        }
    } catch {
        fuzzCheck(error.description.contains(scenarioPath), "an error that does not name the file: \(error)")
    }
    return 0
}
