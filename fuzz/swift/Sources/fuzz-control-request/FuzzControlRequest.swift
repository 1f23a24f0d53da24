import Foundation
import FuzzSupport
import ISO7816
import VirtualReader

// The simulator's control requests (`mynasim card …`, `mynasim status`): JSON documents, each
// decoded as the control connection decodes it and carried out on an in-process simulator.
// Every request gets a reply that encodes to JSON or an error with a message; after each, the
// slot is powered and sent an APDU, so a configuration the simulator accepted must not make it
// trap. The input is a list of documents, each with a two-byte length before it.
//
// The sandbox this target keeps: a card path is taken inside the scratch directory's persona
// folder (`"card": "yamada-taro"` is the scratch copy; a path that leaves it is not inserted),
// connecting a vpcd link is not carried out (it opens network connections), and an APDU is only
// sent when the configured delays are under 10 ms (or when computing them overflows, which the
// simulator must survive).

let simulator = FuzzSimulator.shared
let personaFolder = URL(fileURLWithPath: FuzzSimulator.cardPath).deletingLastPathComponent().standardizedFileURL.path
let selectJPKI: [UInt8] = try! Hex.decode("00A4040C0AD392F000260100000001")

/// Whether `profile` and `faults` keep an exchange short, or overflow when the delay is computed.
func exchangeIsShortOrOverflows(_ status: SlotStatus, profile: TimingProfile?) -> Bool {
    let profile = profile ?? .instant
    let (bytes, overflows) = profile.perByteMicros.multipliedReportingOverflow(by: 512)
    if overflows { return true }
    var longest = 0
    // Each class's fixed delay, and none (a command of no class), with the bytes and the one-off delay.
    for fixed in profile.delayMicros.values + [0] {
        let (sum, o1) = fixed.addingReportingOverflow(bytes)
        let (total, o2) = sum.addingReportingOverflow(status.faults.delayNextMicros ?? 0)
        if o1 || o2 { return true }
        longest = max(longest, total)
    }
    return longest < 10_000
}

/// The request as the sandbox lets it run, or nil when it must not run.
func sandboxed(_ request: ControlRequest) -> ControlRequest? {
    switch request {
    case .insert(let slot, let card):
        let path = URL(fileURLWithPath: card, relativeTo: URL(fileURLWithPath: personaFolder + "/")).standardizedFileURL.path
        guard path.hasPrefix(personaFolder + "/") else { return nil }
        return .insert(slot: slot, card: path)
    case .connectVPCD:
        return nil
    default:
        return request
    }
}

/// Seeds in the input format, encoded as `mynasim card` encodes its requests: what
/// `FUZZ_WRITE_SEEDS=DIR` writes (fuzz/tools/swift-seeds.sh keeps them in fuzz/corpus/control-request/).
let seeds: [String: [ControlRequest]] = [
    "status": [.status],
    "insert-remove": [.insert(slot: 1, card: "yamada-taro"), .status, .remove(slot: 1), .remove(slot: 1)],
    "configure-realistic": [.configure(slot: 0, profile: .realistic, faults: nil), .status],
    "configure-faults": [
        .configure(slot: 0, profile: nil, faults: FaultPlan(removeAfterAPDUs: 2, atr: .jpki02, shortOnly: true)),
        .configure(slot: 0, profile: nil, faults: FaultPlan(mute: true, delayNextMicros: 200)),
        .configure(slot: 0, profile: nil, faults: FaultPlan(removeDuringAPDU: 3, hostile: [.wrongLength])),
        .configure(slot: 0, profile: nil, faults: FaultPlan(transmission: TransmissionFaults(corruptLRC: 1, repeatWTX: 2))),
        .configure(slot: 0, profile: nil, faults: FaultPlan(line: LineFaults(nakFrames: 2, dropAnswer: true))),
    ],
    "restore": [.restore(slot: 0), .restore(slot: 1)],
    "vpcd": [.connectVPCD(slot: 1, endpoint: "localhost:35963", allowRemote: false), .disconnectVPCD(slot: 1)],
    "errors": [.remove(slot: 7), .insert(slot: 0, card: "../../etc"), .configure(slot: -1, profile: nil, faults: nil)],
]

/// Builds the fixtures before the first input (or writes the seeds and exits).
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: FuzzerArgumentCount, _ argv: FuzzerArgumentVector) -> CInt {
    if let directory = ProcessInfo.processInfo.environment["FUZZ_WRITE_SEEDS"] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for (name, requests) in seeds {
            var bytes: [UInt8] = []
            for request in requests {
                let json = Array(try! encoder.encode(request))
                bytes += [UInt8(json.count >> 8), UInt8(json.count & 0xFF)] + json
            }
            FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data(bytes))
        }
        exit(0)
    }
    _ = (simulator, personaFolder, selectJPKI)
    FuzzSimulator.reset()
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzControlRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    FuzzSimulator.reset()
    var configuredProfile: [Int: TimingProfile] = [:]
    for _ in 0..<8 {
        if input.isEmpty { break }
        let document = input.chunk()
        let request: ControlRequest
        do { request = try JSONDecoder().decode(ControlRequest.self, from: Data(document)) } catch { continue }
        guard let allowed = sandboxed(request) else { continue }
        do {
            let reply = try simulator.handle(allowed)
            fuzzCheck(reply.ok, "a reply without ok and without an error")
            fuzzCheck((try? JSONEncoder().encode(reply)) != nil, "a reply that does not encode to JSON")
            if case .configure(let slot, let profile, _) = allowed, let profile { configuredProfile[slot] = profile }
        } catch {
            fuzzCheck(!error.description.isEmpty, "an error without a message for \(allowed)")
        }
        let statuses = simulator.status().slots
        for slot in simulator.slots {
            let status = statuses[slot.index]
            guard status.card != nil, exchangeIsShortOrOverflows(status, profile: configuredProfile[slot.index]) else { continue }
            if slot.power(reset: false) != nil { _ = slot.transmit(selectJPKI) }
        }
    }
    return 0
}
