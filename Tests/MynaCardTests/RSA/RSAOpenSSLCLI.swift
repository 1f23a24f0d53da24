import Foundation

/// The `openssl` command-line tool, run as a subprocess: the external oracle of these tests.
enum OpenSSLCLI {
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `openssl arguments…` with stdin from /dev/null (a passphrase prompt would fail, not hang).
    @discardableResult
    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // stderr is read on another thread so that neither pipe can fill up and block the child.
        let errorText = ErrorText()
        let reader = Thread { errorText.set(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)) }
        reader.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: output, stderr: errorText.wait())
    }

    /// Runs `openssl` and returns stdout, failing the test's `try` when it exits non-zero.
    static func output(_ arguments: [String]) throws -> Data {
        let result = try run(arguments)
        guard result.status == 0 else { throw CLIError.failed(arguments.joined(separator: " "), result.stderr) }
        return result.stdout
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("libcrypto-rsa-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `bytes` to `name` in a fresh temporary directory and returns the path.
    static func file(_ bytes: some Sequence<UInt8>, name: String = "blob.bin") throws -> String {
        let url = try temporaryDirectory().appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Writes `text` to a file and returns the path.
    static func file(_ text: String, name: String) throws -> String {
        try file(Array(text.utf8), name: name)
    }

    enum CLIError: Error, CustomStringConvertible {
        case failed(String, String)
        var description: String {
            switch self {
            case .failed(let command, let stderr): return "openssl \(command) failed: \(stderr)"
            }
        }
    }
}

/// stderr text handed from the reader thread to the caller.
private final class ErrorText: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var text = ""

    func set(_ value: String) {
        text = value
        done.signal()
    }

    func wait() -> String {
        done.wait()
        return text
    }
}

/// Test keys made by the `openssl` CLI (not by the code under test), once per test process.
enum TestKeys {
    /// An RSA-2048 key as PKCS#8 PEM (`openssl genpkey`).
    static let pkcs8PEM: String = {
        let data = try? OpenSSLCLI.output(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        return String(decoding: data ?? Data(), as: UTF8.self)
    }()

    /// The same key as PKCS#1 PEM (`openssl rsa -traditional`).
    static let pkcs1PEM: String = {
        guard let path = try? OpenSSLCLI.file(pkcs8PEM, name: "key.pem"),
            let data = try? OpenSSLCLI.output(["rsa", "-in", path, "-traditional"])
        else { return "" }
        return String(decoding: data, as: UTF8.self)
    }()

    /// The key's file (PKCS#1 PEM), for `openssl pkeyutl -inkey`.
    static let privateKeyFile: String = (try? OpenSSLCLI.file(pkcs1PEM, name: "key.pem")) ?? "/nonexistent"

    /// The public key's file (SPKI PEM, `openssl rsa -pubout`).
    static let publicKeyFile: String = {
        guard let data = try? OpenSSLCLI.output(["rsa", "-in", privateKeyFile, "-pubout"]),
            let path = try? OpenSSLCLI.file(data, name: "pub.pem")
        else { return "/nonexistent" }
        return path
    }()

    /// The modulus as `openssl rsa -modulus` prints it, as bytes.
    static func modulus() throws -> [UInt8] {
        let line = String(decoding: try OpenSSLCLI.output(["rsa", "-in", privateKeyFile, "-noout", "-modulus"]), as: UTF8.self)
        return hexBytes(line.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "Modulus=", with: ""))
    }
}

/// Bytes from hex text (test helper; no validation beyond pairs of hex digits).
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).compactMap {
        UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)
    }
}

/// Random bytes for inputs.
func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}
