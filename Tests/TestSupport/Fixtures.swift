import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona

/// Paths and copies of the shipped test vectors.
package enum Fixtures {
    /// The repository root (tests run from anywhere).
    package static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    package static let personas = repositoryRoot.appendingPathComponent("vectors/personas")

    /// A fresh temporary directory.
    package static func temporaryDirectory(_ label: String = "mynasim") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A private copy of a shipped persona (without any state file), so a test may consume tries.
    package static func copyOfPersona(_ name: String) throws -> URL {
        let destination = temporaryDirectory(name).appendingPathComponent(name)
        try FileManager.default.copyItem(at: personas.appendingPathComponent(name), to: destination)
        for leftover in [PersonaDirectory.FileName.state, PersonaDirectory.FileName.lock] {
            try? FileManager.default.removeItem(at: destination.appendingPathComponent(leftover))
        }
        return destination
    }

    /// A shipped persona, loaded (loading writes nothing; tests that consume tries use a copy).
    package static func persona(_ name: String) throws -> PersonaDirectory {
        try PersonaDirectory(url: personas.appendingPathComponent(name))
    }

    /// A powered card of a shipped persona with in-memory state.
    package static func card(_ name: String = "yamada-taro") throws -> VirtualCard {
        var card = try VirtualCard(image: try persona(name).cardImage(), store: InMemoryCardStateStore())
        _ = card.powerOn()
        return card
    }
}

/// Shorthands for driving a card in tests.
extension VirtualCard {
    /// Sends hex and returns the response as uppercase hex.
    package mutating func send(_ hex: String) -> String {
        Hex.encode(process(try! Hex.decode(hex)))
    }

    /// Sends hex and returns the status word as 4 hex digits.
    package mutating func sw(_ hex: String) -> String { String(send(hex).suffix(4)) }

    /// Sends bytes and returns (data, status word).
    package mutating func exchange(_ bytes: [UInt8]) -> (data: [UInt8], sw: String) {
        let r = process(bytes)
        return (Array(r.dropLast(2)), Hex.encode(r.suffix(2)))
    }

    /// For each FID of the current AP: select it and read one byte; the status word of the read.
    package mutating func readAccess(_ fids: [String]) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: fids.map { fid in
                _ = send("00A4020C02" + fid)
                return (fid, sw("00B0000001"))
            })
    }

    /// Selects an EF of the current DF by FID and reads it whole with short READ BINARY chunks (Le
    /// `00`) from offset 0 until a short answer or `6B00` — independent of the product's
    /// `TransparentFileReader`, which tests compare against it.
    package mutating func readFile(_ fid: UInt16) -> (data: [UInt8], sw: String) {
        let select = exchange([0x00, 0xA4, 0x02, 0x0C, 0x02, UInt8(fid >> 8), UInt8(fid & 0xFF)])
        guard select.sw == "9000" else { return ([], select.sw) }
        var out: [UInt8] = []
        while true {
            let r = exchange([0x00, 0xB0, UInt8(out.count >> 8), UInt8(out.count & 0xFF), 0x00])
            if r.sw == "6B00" { return (out, "9000") }
            guard r.sw == "9000" else { return (out, r.sw) }
            out += r.data
            if r.data.count < 256 { return (out, "9000") }
        }
    }
}

/// Strings the JPKI tests send again and again.
package enum JPKIAPDU {
    package static let selectAP = "00A4040C0AD392F000260100000001"
    package static func selectEF(_ fid: String) -> String { "00A4020C02" + fid }
    package static func verify(_ pin: String) -> String { verify("80", pin) }
    /// VERIFY of the key P2 names (`80` the current EF, `80|SFI` by short EF id) with an ASCII value.
    package static func verify(_ p2: String, _ value: String) -> String {
        "002000" + p2 + Hex.encode([UInt8(value.utf8.count)]) + Hex.encode(Array(value.utf8))
    }
    package static let query = "00200080"
    /// The SHA-256 DigestInfo of `message` (bytes), with the digest from openssl.
    package static func sha256DigestInfo(_ message: [UInt8]) -> [UInt8] {
        VirtualCardTestHooks.sha256DigestInfoPrefix + Oracle.sha256(message)
    }
}

/// Constants written out independently of the product's own, so tests that use them check those too.
package enum VirtualCardTestHooks {
    package static let sha256DigestInfoPrefix: [UInt8] = try! Hex.decode("3031300D060960864801650304020105000420")
}

extension Fixtures {
    /// A new persona issued by the shipped test PKI (so the shipped trust anchors verify it), in a
    /// fresh directory beside a copy of that PKI, with `configure` applied to the generated options.
    package static func newPersona(
        _ name: String = "new", configure: (inout PersonaFactory.Options) -> Void = { _ in }
    ) throws -> PersonaDirectory {
        let root = temporaryDirectory(name)
        try FileManager.default.copyItem(at: personas.appendingPathComponent("test-pki"), to: root.appendingPathComponent("test-pki"))
        var options = PersonaFactory.Options()
        configure(&options)
        var rng = SystemRandomNumberGenerator()
        let persona = PersonaFactory.persona(options, today: CalendarDate("2026-11-25")!, using: &rng)
        let pki = try TestPKI.load(from: root.appendingPathComponent("test-pki"))
        return try PersonaFactory.create(persona, at: root.appendingPathComponent(name), pki: pki, using: &rng)
    }
}
