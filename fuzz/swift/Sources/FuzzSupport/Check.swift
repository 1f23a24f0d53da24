import Foundation

/// Stops the run when an invariant does not hold: libFuzzer sees the abort as a crash and saves
/// the input that caused it. The message says what was expected.
public func fuzzCheck(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
) {
    guard !condition() else { return }
    FileHandle.standardError.write(Data("fuzz invariant failed (\(file):\(line)): \(message())\n".utf8))
    abort()
}

/// The signature of libFuzzer's `LLVMFuzzerInitialize`, which each target defines to build its
/// fixtures (personas, a simulator) before the first input, so that their allocations are not
/// counted against any input.
public typealias FuzzerArgumentCount = UnsafeMutablePointer<CInt>?
/// The argument vector libFuzzer passes to `LLVMFuzzerInitialize`.
public typealias FuzzerArgumentVector = UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
