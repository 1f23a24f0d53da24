import Foundation
import ISO7816

/// External oracles: the `openssl` CLI and processes run the way a user runs them.
package enum Oracle {
    package struct ProcessResult: Sendable {
        package var status: Int32
        package var stdout: String
        package var stderr: String
        package var stdoutData: Data
    }

    /// Runs `executable` with `arguments`, feeding `input` on stdin.
    @discardableResult
    package static func run(
        _ executable: String, _ arguments: [String], input: Data? = nil, environment: [String: String] = [:]
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(input) }
        try inPipe.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty child never blocks on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), stdoutData: outData
        )
    }

    /// Writes bytes to a temporary file and returns its path.
    package static func file(_ bytes: [UInt8], name: String = "blob.bin", in directory: URL? = nil) -> String {
        let dir = directory ?? Fixtures.temporaryDirectory("oracle")
        let url = dir.appendingPathComponent(name)
        try! Data(bytes).write(to: url)
        return url.path
    }

    /// SHA-256 by openssl (so the tests do not trust the code under test to hash).
    package static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        let path = file(bytes)
        let result = try! run("openssl", ["dgst", "-sha256", "-binary", path])
        return Array(result.stdoutData)
    }

    /// `openssl pkeyutl -verifyrecover`: the bytes under a PKCS#1 v1.5 signature, recovered
    /// with the certificate's public key (nil if the signature does not verify).
    package static func recoverPKCS1(signature: [UInt8], certificateDER: [UInt8]) throws -> [UInt8]? {
        let dir = Fixtures.temporaryDirectory("verify")
        let cert = file(certificateDER, name: "cert.der", in: dir)
        let pem = dir.appendingPathComponent("cert.pem").path
        guard try run("openssl", ["x509", "-inform", "DER", "-in", cert, "-out", pem]).status == 0 else { return nil }
        let sig = file(signature, name: "sig.bin", in: dir)
        let r = try run(
            "openssl", ["pkeyutl", "-verifyrecover", "-certin", "-inkey", pem, "-in", sig, "-pkeyopt", "rsa_padding_mode:pkcs1"])
        return r.status == 0 ? Array(r.stdoutData) : nil
    }

    /// `openssl pkeyutl -verifyrecover -pubin`: the bytes under a PKCS#1 v1.5 signature, recovered
    /// with a PEM public key (nil if the signature does not verify).
    package static func recoverPKCS1(signature: [UInt8], publicKeyFile: String) throws -> [UInt8]? {
        let dir = Fixtures.temporaryDirectory("verify")
        let r = try run(
            "openssl",
            [
                "pkeyutl", "-verifyrecover", "-pubin", "-inkey", publicKeyFile,
                "-in", file(signature, name: "sig.bin", in: dir), "-pkeyopt", "rsa_padding_mode:pkcs1",
            ])
        return r.status == 0 ? Array(r.stdoutData) : nil
    }

    /// The public half of a CV certificate's certified key as a PEM file, written by openssl from
    /// the raw modulus and exponent (an ASN.1 config for `openssl asn1parse -genconf`).
    package static func publicKeyFile(modulus: [UInt8], exponent: [UInt8]) throws -> String {
        let dir = Fixtures.temporaryDirectory("key")
        let config = """
            asn1=SEQUENCE:pubkey
            [pubkey]
            n=INTEGER:0x\(Hex.encode(modulus))
            e=INTEGER:0x\(Hex.encode(exponent))
            """
        let conf = file(Array(config.utf8), name: "key.conf", in: dir)
        let der = dir.appendingPathComponent("key.der").path
        let pem = dir.appendingPathComponent("key.pem").path
        guard try run("openssl", ["asn1parse", "-genconf", conf, "-out", der, "-noout"]).status == 0,
            try run("openssl", ["rsa", "-RSAPublicKey_in", "-inform", "DER", "-in", der, "-pubout", "-out", pem]).status == 0
        else { throw OracleError.failed("openssl could not build a public key from the CV certificate") }
        return pem
    }

    /// ImageMagick's `identify -format`: e.g. `%m %w %h %[colorspace]` → `JP2 180 240 Gray`.
    package static func identify(_ bytes: [UInt8], format: String) throws -> String {
        let r = try run("identify", ["-format", format, file(bytes)])
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `openssl dgst -sha256 -verify` of a message signature (sha256WithRSAEncryption or PSS).
    package static func verifyMessage(_ message: [UInt8], signature: [UInt8], certificateDER: [UInt8], pss: Bool = false) throws -> Bool {
        let dir = Fixtures.temporaryDirectory("verify")
        let cert = file(certificateDER, name: "cert.der", in: dir)
        let pub = dir.appendingPathComponent("pub.pem").path
        let extract = try run("sh", ["-c", "openssl x509 -inform DER -in '\(cert)' -pubkey -noout > '\(pub)'"])
        guard extract.status == 0 else { return false }
        var args = ["dgst", "-sha256", "-verify", pub, "-signature", file(signature, name: "sig.bin", in: dir)]
        if pss { args += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"] }
        args.append(file(message, name: "msg.bin", in: dir))
        let r = try run("openssl", args)
        return r.status == 0 && r.stdout.contains("Verified OK")
    }

    /// `openssl dgst -sha256 -verify` with the public half of a PEM private key (made by `openssl rsa -pubout`).
    package static func verifyMessage(_ message: [UInt8], signature: [UInt8], privateKeyFile: String) throws -> Bool {
        let dir = Fixtures.temporaryDirectory("verify")
        let pub = dir.appendingPathComponent("pub.pem").path
        guard try run("openssl", ["rsa", "-in", privateKeyFile, "-pubout", "-out", pub]).status == 0 else { return false }
        return try verifyMessage(message, signature: signature, publicKeyFile: pub)
    }

    /// `openssl dgst -sha256 -verify PUBKEY`.
    package static func verifyMessage(_ message: [UInt8], signature: [UInt8], publicKeyFile: String) throws -> Bool {
        let dir = Fixtures.temporaryDirectory("verify")
        let r = try run(
            "openssl",
            [
                "dgst", "-sha256", "-verify", publicKeyFile, "-signature", file(signature, name: "sig.bin", in: dir),
                file(message, name: "msg.bin", in: dir),
            ])
        return r.status == 0 && r.stdout.contains("Verified OK")
    }

    /// `openssl pkeyutl -verify` of a PSS or PKCS#1 signature over a precomputed SHA-256 digest.
    package static func verifyDigest(_ digest: [UInt8], signature: [UInt8], certificateDER: [UInt8], pss: Bool) throws -> Bool {
        let dir = Fixtures.temporaryDirectory("verify")
        let cert = file(certificateDER, name: "cert.der", in: dir)
        let pem = dir.appendingPathComponent("cert.pem").path
        guard try run("openssl", ["x509", "-inform", "DER", "-in", cert, "-out", pem]).status == 0 else { return false }
        var args = [
            "pkeyutl", "-verify", "-certin", "-inkey", pem, "-in", file(digest, name: "digest.bin", in: dir),
            "-sigfile", file(signature, name: "sig.bin", in: dir), "-pkeyopt", "digest:sha256",
        ]
        args += pss ? ["-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:-1"] : ["-pkeyopt", "rsa_padding_mode:pkcs1"]
        let r = try run("openssl", args)
        return r.status == 0
    }

    /// The built `mynasim` executable.
    package static var mynasim: String {
        Fixtures.repositoryRoot.appendingPathComponent(".build/debug/mynasim").path
    }
}

/// An oracle that could not give an answer.
package enum OracleError: Error, CustomStringConvertible {
    case failed(String)
    package var description: String {
        switch self {
        case .failed(let message): return message
        }
    }
}
