import Benchmark
import Foundation
import ISO7816
import MynaCard
import MynaPersona

/// The shipped persona the benchmarks use (state in memory: nothing touches the disk).
func loadCard() -> (VirtualCard, PersonaDirectory) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let directory = try! PersonaDirectory(url: root.appendingPathComponent("vectors/personas/yamada-taro"))
    return (try! VirtualCard(image: directory.cardImage(), store: InMemoryCardStateStore()), directory)
}

let selectAP: [UInt8] = try! Hex.decode("00A4040C0AD392F000260100000001")
let selectAuthCertificate: [UInt8] = try! Hex.decode("00A4020C02000A")

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3))

    // What OpenSC does to read the auth certificate: SELECT AP, SELECT EF, a 4-byte header, 256-byte chunks.
    Benchmark("In-process: SELECT + chunked READ BINARY of the auth certificate") { benchmark in
        var (card, _) = loadCard()
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

    // One RSA-2048 PKCS#1 v1.5 signature by the auth key (after VERIFY), as `80 2A 00 97`.
    Benchmark("In-process: COMPUTE DIGITAL SIGNATURE (RSA-2048)") { benchmark in
        var (card, directory) = loadCard()
        _ = card.powerOn()
        _ = card.process(selectAP)
        _ = card.process([0x00, 0x20, 0x00, 0x98, 0x04] + Array(directory.persona.credentials.authPIN.utf8))
        let digestInfo: [UInt8] = try! Hex.decode("3031300D060960864801650304020105000420") + [UInt8](repeating: 0xA5, count: 32)
        let command = [0x80, 0x2A, 0x00, 0x97, UInt8(digestInfo.count)] + digestInfo + [0x00]
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(card.process(command))
        }
    }
}
