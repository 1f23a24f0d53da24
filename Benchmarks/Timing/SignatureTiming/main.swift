// COMPUTE DIGITAL SIGNATURE in-process, timed with the clock alone. It is not a benchmark of the
// `CardBenchmarks` harness on purpose: that harness keeps its malloc interposer linked whatever the
// metrics, and libcrypto's RSA (hundreds of allocations a signature) runs twice as slowly under it
// (docs/performance.md). scripts/bench-pcsc.sh compares these figures with `openssl speed rsa2048`.
import Foundation
import ISO7816
import MynaCard
import MynaPersona

let shippedPersona = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("vectors/personas/yamada-taro")
let rounds = 7
let signaturesPerRound = 300

/// The median over `rounds` of the mean time of one call in a round, in microseconds.
func medianMicros(_ operation: () -> Void) -> Double {
    for _ in 0..<50 { operation() }  // warm up: caches, the key's Montgomery contexts
    var means: [Double] = []
    for _ in 0..<rounds {
        let started = ContinuousClock.now
        for _ in 0..<signaturesPerRound { operation() }
        let (seconds, attoseconds) = (ContinuousClock.now - started).components
        means.append((Double(seconds) * 1e6 + Double(attoseconds) / 1e12) / Double(signaturesPerRound))
    }
    return means.sorted()[rounds / 2]
}

let directory = try PersonaDirectory(url: shippedPersona)
var card = try VirtualCard(image: directory.cardImage(), store: InMemoryCardStateStore())
_ = card.powerOn()
let digestInfo: [UInt8] = try Hex.decode("3031300D060960864801650304020105000420") + [UInt8](repeating: 0xA5, count: 32)
// SELECT the JPKI AP, VERIFY the authentication PIN, then `80 2A 00 97` with a SHA-256 DigestInfo.
let selectJPKI: [UInt8] = try Hex.decode("00A4040C0AD392F000260100000001")
let verifyAuthPIN: [UInt8] = [0x00, 0x20, 0x00, 0x98, 0x04] + Array(directory.persona.credentials.authPIN.utf8)
for setup in [selectJPKI, verifyAuthPIN] {
    let response = card.process(setup)
    precondition(response.suffix(2) == [0x90, 0x00], "setup \(Hex.encode(setup)) answered \(Hex.encode(response))")
}
let command = [0x80, 0x2A, 0x00, 0x97, UInt8(digestInfo.count)] + digestInfo + [0x00]
let key = try RSAPrivateKey(pemRepresentation: String(contentsOf: shippedPersona.appendingPathComponent("auth.key.pem"), encoding: .utf8))

// PKCS#1 v1.5 is deterministic: the card must answer exactly the key's signature.
let expected = try key.signPKCS1v15(digestInfo) + [0x90, 0x00]
precondition(card.process(command) == expected, "the card's signature differs from the key's")

let cardMicros = medianMicros { precondition(card.process(command).count == 258) }
let keyMicros = medianMicros { precondition((try? key.signPKCS1v15(digestInfo))?.count == 256) }
print(String(format: "card_signature_us=%.1f key_alone_us=%.1f", cardMicros, keyMicros))
