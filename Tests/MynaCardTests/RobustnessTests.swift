import Foundation
import ISO7816
import MynaApplications
import MynaCard
import TestSupport
import Testing

/// 100 000 random and mutated APDUs: the card never traps and always answers with a status
/// word the card reference §status-words table lists.
@Suite("Robustness")
struct RobustnessTests {
    static let allowed: Set<String> = Set([
        "9000", "6281", "6282", "6581", "6700", "6881", "6882", "6884", "6981", "6982", "6984", "6985", "6986",
        "69FC", "6A80", "6A81", "6A82", "6A83", "6A86", "6A88", "6B00", "6D00", "6E00", "6F00", "66F1",
    ]).union((0...10).map { "63C" + String($0, radix: 16, uppercase: true) })  // retry counts up to 照合番号A/B's 10

    static let seeds: [[UInt8]] = [
        "00A4040C0AD392F000260100000001", "00A4020C02000A", "00A4020C020018", "00A4020C020017", "00B0000004",
        "00B08A0000", "00B0000000000000", "00200080", "0020008004313233340", "00200098043132333400",
        "0024018004393939390", "802A00800130", "802A0097033031320000", "0084000008", "00B2010400", "00A40000",
        "0088009704010203040000", "00A4040C0AD3921000310001010408", "00200091", "0020009504", "802A00000130",
        "00A4040C0AD3921000310001010100", "00B2010C00", "008800990401020304", "8032009C0431323334",
        "00A4040C0AD3921000310001010402", "0020009206353530323137", "00A4020C020002", "00B0190000", "00A4040C0AD3921000310001010401",
    ].map { text in try! Hex.decode(text.count % 2 == 0 ? text : String(text.dropLast())) }

    @Test(arguments: ["yamada-taro", "takahashi-face", "tanaka-short"])
    func randomAndMutatedAPDUs(persona: String) throws {
        var card = try Fixtures.card(persona)
        var rng = SeededRandom(seed: 0x6D79_6E61 &+ UInt64(persona.utf8.count))
        let count = persona == "yamada-taro" ? 100_000 : 20_000
        var seen: [String: Int] = [:]
        for i in 0..<count {
            let bytes: [UInt8]
            switch rng.next() % 4 {
            case 0:  // fully random, 0–300 bytes
                bytes = (0..<Int(rng.next() % 301)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1:  // a valid APDU with a flipped byte
                var b = Self.seeds[Int(rng.next() % UInt64(Self.seeds.count))]
                if !b.isEmpty { b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                bytes = b
            case 2:  // a valid APDU truncated or extended
                var b = Self.seeds[Int(rng.next() % UInt64(Self.seeds.count))]
                if rng.next() % 2 == 0 {
                    b = Array(b.prefix(Int(rng.next() % UInt64(b.count + 1))))
                } else {
                    b += (0..<Int(rng.next() % 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                }
                bytes = b
            default:  // a header from the card's instruction set with random parameters and body
                let ins: [UInt8] = [0xA4, 0xB0, 0xB2, 0x20, 0x24, 0x2A, 0x84, 0x88, 0x32, 0xCA]
                let cla: UInt8 = [0x00, 0x80, 0x0C, 0x01][Int(rng.next() % 4)]
                bytes =
                    [
                        cla, ins[Int(rng.next() % UInt64(ins.count))], UInt8(truncatingIfNeeded: rng.next()),
                        UInt8(truncatingIfNeeded: rng.next()),
                    ]
                    + (0..<Int(rng.next() % 12)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            }
            let response = card.process(bytes)
            #expect(response.count >= 2, "APDU \(i) \(Hex.encode(bytes)) answered no status word")
            let sw = Hex.encode(response.suffix(2))
            if !Self.allowed.contains(sw) {
                Issue.record("APDU \(i) \(Hex.encode(bytes)) answered \(sw)")
                return
            }
            seen[sw, default: 0] += 1
            if i % 5000 == 0 { _ = card.powerOn() }
        }
        // The generator really reached deep: successes and refusals of several kinds.
        #expect(seen["9000", default: 0] > 100)
        #expect(seen.count >= 8, "\(seen)")
    }
}
