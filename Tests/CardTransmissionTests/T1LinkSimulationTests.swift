import CardTransmission
import TestSupport
import Testing

/// An interface device that runs one APDU over T=1 the way libccid's T=1 engine does (read in
/// src/openct/proto-t1.c of CCID 1.5.2, restated here): chaining both ways, an R-block for any
/// bad or missing block (or its last R-block again), S(WTX)/S(IFS) answers, and S(RESYNCH)
/// after 3 bad exchanges in a row, then the whole APDU again; 3 failed resynchronisations end it.
struct ModelTerminal {
    var ns = 0
    var nr = 0
    var ifsc: Int
    var ifsd = 254

    /// Sends `apdu`; `link` carries a block to the card and returns the card's answer (or nil
    /// when nothing arrives). Returns the response, or nil when the exchange is dead.
    mutating func transceive(_ apdu: [UInt8], link: (_ block: [UInt8]) -> [UInt8]?) -> [UInt8]? {
        var sent = 0  // APDU bytes acknowledged by the card
        var lastChunk = 0  // bytes in the I-block in flight
        var receiving = false
        var response: [UInt8] = []
        var retries = 3
        var resyncs = 3
        var resyncing = false
        var lastWasR = false
        var lastR: [UInt8] = []

        func iBlock() -> [UInt8] {
            lastChunk = min(ifsc, apdu.count - sent)
            let more = sent + lastChunk < apdu.count
            lastWasR = false
            return T1Block.information(sequence: ns, more: more, data: Array(apdu[sent..<(sent + lastChunk)])).bytes
        }
        func rBlock(_ error: T1ReceiveError) -> [UInt8] {
            lastWasR = true
            lastR = T1Block.receiveReady(sequence: nr, error: error).bytes
            return lastR
        }

        var out = iBlock()
        while true {
            retries -= 1
            let raw = link(out)
            guard let block = raw.flatMap({ try? T1Block(bytes: $0) }), block.nad == 0 else {
                if retries <= 0 || resyncing {
                    guard let next = resync(&resyncs, &resyncing, &retries) else { return nil }
                    out = next
                    continue
                }
                out = lastWasR ? lastR : rBlock(raw == nil ? .other : .edc)
                continue
            }
            if resyncing {
                // Only S(RESYNCH response) ends a resynchronisation; anything else asks again.
                guard block.content == .supervisory(.resynch, .response) else {
                    if let next = resync(&resyncs, &resyncing, &retries) {
                        out = next
                        continue
                    } else {
                        return nil
                    }
                }
            }
            var good = true
            switch block.content {
            case .receiveReady(let sequence, _):
                if receiving {
                    out = lastWasR ? lastR : rBlock(.none)
                } else if sequence != ns {
                    sent += lastChunk
                    lastChunk = 0
                    ns ^= 1
                    if sent == apdu.count {
                        // The card asks for more of an APDU that has no more: resynchronise.
                        guard let next = resync(&resyncs, &resyncing, &retries) else { return nil }
                        out = next
                        continue
                    }
                    out = iBlock()
                } else {
                    out = iBlock()
                }
            case .information(let sequence, let more, let data):
                if !receiving {
                    sent += lastChunk
                    lastChunk = 0
                    ns ^= 1
                    receiving = true
                }
                guard sequence == nr else {
                    out = rBlock(.other)
                    good = false
                    break
                }
                nr ^= 1
                response += data
                if !more { return response }
                out = rBlock(.none)
            case .supervisory(let type, .response):
                guard resyncing, type == .resynch else {
                    out = lastWasR ? lastR : rBlock(.other)
                    good = false
                    break
                }
                resyncing = false
                sent = 0
                lastChunk = 0
                receiving = false
                response = []
                retries = 3
                resyncs = 3
                out = iBlock()
                continue
            case .supervisory(let type, .request):
                switch type {
                case .waitingTimeExtension(let m):
                    out = T1Block.response(.waitingTimeExtension(m)).bytes
                    lastWasR = false
                case .informationFieldSize(let size):
                    ifsc = Int(size)
                    out = T1Block.response(type).bytes
                    lastWasR = false
                case .abort:
                    out = T1Block.response(.abort).bytes
                    lastWasR = false
                case .resynch:
                    if let next = resync(&resyncs, &resyncing, &retries) {
                        out = next
                        continue
                    } else {
                        return nil
                    }
                }
            }
            if good { retries = 3 }
        }
    }

    private mutating func resync(_ resyncs: inout Int, _ resyncing: inout Bool, _ retries: inout Int) -> [UInt8]? {
        guard resyncs > 0 else { return nil }
        resyncs -= 1
        ns = 0
        nr = 0
        resyncing = true
        retries = 1
        return T1Block.request(.resynch).bytes
    }
}

/// The card side wired to a card OS that answers `f(apdu)`, with optional WTX and IFS requests.
struct SimulatedCard {
    var t1: T1CardProtocol
    var processed = 0
    var pending: [UInt8]?
    var askForTime = false
    var askForIFS: Int?

    static func response(to apdu: [UInt8]) -> [UInt8] {
        let length = Int(apdu.first ?? 0) * 2 + apdu.count % 7
        return (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ apdu.count) } + [0x90, 0x00]
    }

    mutating func answer(_ bytes: [UInt8]) -> [UInt8]? {
        switch t1.receive(bytes) {
        case .process(let apdu):
            processed += 1
            pending = Self.response(to: apdu)
            if askForTime { return try? t1.requestWaitingTimeExtension(multiplier: 2).bytes }
            if let size = askForIFS { return try? t1.requestInformationFieldSize(size).bytes }
            return respond()
        case .waitingTimeExtensionGranted, .informationFieldSizeAccepted:
            return respond()
        case .silent:
            return nil
        case let outcome:
            return outcome.block?.bytes
        }
    }

    private mutating func respond() -> [UInt8]? {
        guard let pending else { return nil }
        self.pending = nil
        return try? t1.respond(pending).bytes
    }
}

@Suite struct T1LinkSimulationTests {
    /// A clean link: every APDU size from 1 to 600 bytes, both IFS settings, WTX and card IFS.
    @Test(arguments: [(254, false, nil), (32, false, nil), (254, true, nil), (254, false, 16)] as [(Int, Bool, Int?)])
    func cleanLinkDeliversEveryAPDUOnce(ifsc: Int, askForTime: Bool, askForIFS: Int?) throws {
        var card = SimulatedCard(t1: try T1CardProtocol(parameters: T1Parameters(ifsc: ifsc, edc: .lrc, bwi: 4, cwi: 5)))
        card.askForTime = askForTime
        card.askForIFS = askForIFS
        var terminal = ModelTerminal(ifsc: ifsc)
        #expect(card.answer(T1Block.request(.informationFieldSize(254)).bytes) == T1Block.response(.informationFieldSize(254)).bytes)
        for size in 1...600 {
            let apdu = (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ size) }
            let response = terminal.transceive(apdu) { card.answer($0) }
            #expect(response == SimulatedCard.response(to: apdu), "APDU of \(size) bytes")
        }
        #expect(card.processed == 600)
    }

    /// A noisy link (bytes flipped or blocks lost both ways): every APDU that completes got its
    /// right response, almost all complete, and resynchronisation keeps the two sides in step.
    @Test(arguments: [0.02, 0.1, 0.2] as [Double], [1, 2, 3] as [UInt64])
    func noisyLinkRecovers(noise: Double, seed: UInt64) throws {
        var random = SeededRandom(seed: UInt64(noise * 1000) &* 7919 &+ seed)
        var card = SimulatedCard(t1: try T1CardProtocol(parameters: T1Parameters(ifsc: 64, edc: .lrc, bwi: 4, cwi: 5)))
        var terminal = ModelTerminal(ifsc: 64)
        var completed = 0
        var dead = 0
        let rounds = 1_000
        for round in 0..<rounds {
            let apdu = (0..<Int.random(in: 4...300, using: &random)).map { UInt8(truncatingIfNeeded: $0 &+ round) }
            var log: [String] = []
            let response = terminal.transceive(apdu) { block in
                func disturb(_ bytes: [UInt8]) -> [UInt8]? {
                    guard Double.random(in: 0..<1, using: &random) < noise else { return bytes }
                    if Bool.random(using: &random) || bytes.isEmpty { return nil }
                    var copy = bytes
                    copy[Int.random(in: 0..<copy.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                    return copy
                }
                guard let delivered = disturb(block) else {
                    log.append("T \((try? T1Block(bytes: block))?.description ?? "?") LOST")
                    return nil
                }
                log.append("T \((try? T1Block(bytes: delivered))?.description ?? "garbled")")
                let reply = card.answer(delivered)
                let arrived = reply.flatMap(disturb)
                let fate = arrived == nil ? " LOST" : arrived == reply ? "" : " garbled"
                log.append("C \(reply.flatMap { try? T1Block(bytes: $0) }?.description ?? "nil")\(fate)   [\(card.t1.phase)]")
                return arrived
            }
            if let response {
                completed += 1
                #expect(response == SimulatedCard.response(to: apdu))
                if response != SimulatedCard.response(to: apdu) {
                    print("APDU of \(apdu.count) bytes, wrong response of \(response.count) bytes:\n" + log.joined(separator: "\n"))
                }
            } else {
                dead += 1
                // The driver's state is DEAD until the next power-up: both sides start over.
                card = SimulatedCard(t1: try T1CardProtocol(parameters: T1Parameters(ifsc: 64, edc: .lrc, bwi: 4, cwi: 5)))
                terminal = ModelTerminal(ifsc: 64)
            }
        }
        #expect(completed + dead == rounds)
        let floor = noise < 0.05 ? 0.99 : noise < 0.15 ? 0.9 : 0.6
        #expect(Double(completed) >= Double(rounds) * floor, "completed \(completed) of \(rounds)")
        print("noise \(noise) seed \(seed): \(completed) of \(rounds) APDUs completed, \(card.processed) processed by the last card")
    }
}
