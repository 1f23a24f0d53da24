import Foundation
import FuzzSupport

@testable import Harness

// The script parser (docs/script-format.md): any text parses to a script or fails with a
// ScriptError located in the file it was given; it never traps. Includes resolve next to a
// file in the scratch directory, where none of the names the fuzzer invents exist.

let scriptPath = Scratch.directory.appendingPathComponent("fuzz.apdu").path

/// Builds the fixtures before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: FuzzerArgumentCount, _ argv: FuzzerArgumentVector) -> CInt {
    _ = scriptPath
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScript(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: FuzzInput(data, size).bytes, as: UTF8.self)
    do {
        let script = try ScriptParser.parse(text: text, path: scriptPath)
        fuzzCheck(!script.cases.isEmpty, "a script parsed without any case")
    } catch {
        fuzzCheck(!error.message.isEmpty, "an error without a message at \(error.location)")
        fuzzCheck(error.location.line >= 0, "an error at line \(error.location.line)")
    }
    return 0
}
