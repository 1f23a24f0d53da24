import Benchmark
import Foundation
import ISO7816
import MynaCard
import MynaPersona

/// The shipped persona the benchmarks use.
let shippedPersona = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("vectors/personas/yamada-taro")

/// The shipped persona's card with its state in memory: nothing touches the disk.
func loadCard() -> VirtualCard {
    try! VirtualCard(image: PersonaDirectory(url: shippedPersona).cardImage(), store: InMemoryCardStateStore())
}

/// A copy of the shipped persona in a temporary directory, for benchmarks that write its state file.
func personaCopy() -> URL {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("mynasim-bench-\(getpid())")
    try? FileManager.default.removeItem(at: copy)
    try! FileManager.default.copyItem(at: shippedPersona, to: copy)
    return copy
}

let selectAP: [UInt8] = try! Hex.decode("00A4040C0AD392F000260100000001")
let selectAuthCertificate: [UInt8] = try! Hex.decode("00A4020C02000A")

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3))

    // What OpenSC does to read the auth certificate: SELECT AP, SELECT EF, a 4-byte header, 256-byte chunks.
    Benchmark("In-process: SELECT + chunked READ BINARY of the auth certificate") { benchmark in
        var card = loadCard()
        _ = card.powerOn()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            _ = card.process(selectAP)
            _ = card.process(selectAuthCertificate)
            let header = card.process([0x00, 0xB0, 0x00, 0x00, 0x04])
            let length = (Int(header[2]) << 8 | Int(header[3])) + 4
            var offset = 0
            while offset < length {
                let n = min(256, length - offset)
                blackHole(card.process([0x00, 0xB0, UInt8(offset >> 8), UInt8(offset & 0xFF), UInt8(n & 0xFF)]))
                offset += n
            }
        }
    }

    // What the first insertion of a persona costs: persona.yaml parsed, five keys loaded, the issuer
    // data checked, the card image built.
    Benchmark("Insertion: a persona loaded for the first time") { benchmark in
        let persona = personaCopy()
        defer { try? FileManager.default.removeItem(at: persona) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try! PersonaCache().load(persona))
        }
    }

    // What every later insertion costs in the simulator: the cache's check that no file changed, the
    // card's durable state read, power-on.
    Benchmark("Insertion: a cached persona to a powered card") { benchmark in
        let persona = personaCopy()
        defer { try? FileManager.default.removeItem(at: persona) }
        let cache = PersonaCache()
        _ = try! cache.load(persona)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var card = try! cache.load(persona).makeCard()
            blackHole(card.powerOn())
        }
    }
    // COMPUTE DIGITAL SIGNATURE is timed by the SignatureTiming executable, outside this harness.
}
