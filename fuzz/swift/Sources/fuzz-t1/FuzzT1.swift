import CardTransmission
import Foundation
import FuzzSupport
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona

// The card's transmission side (CardTransmission, ISO/IEC 7816-3): the ATR parser, PPS, the T=1
// block parser and state machine, and T=0, as a TPDU-level reader drives them, with a real card
// behind. An input is an ATR (one the card knows, or raw bytes) and a list of transmissions: raw
// bytes, or blocks built well-formed (right LRC) from fields the input chooses (I-blocks carrying
// real or random APDUs with or without chaining, R-blocks, S-blocks of every type and direction).
// When the card has an APDU to process the input may have it ask for a waiting-time extension or
// a new IFSC first.
//
// Checked: nothing traps; every block the card sends parses back to itself, carries at most IFSD
// (and 254) bytes (a retransmission: as first sent), and `respond` is only refused outside the processing phase, which the outcomes
// announce; an accepted PPS names an offered protocol; a T=0 reply ends in a status word and
// carries at most 256 data bytes.

/// `FUZZ_VERBOSE=1` prints every block and outcome (to read a crash input).
let verbose = ProcessInfo.processInfo.environment["FUZZ_VERBOSE"] == "1"
let image = try! Repository.loadPersona("yamada-taro").cardImage()
let atrs: [[UInt8]] = CardATR.allCases.map(\.bytes)
let apdus: [[UInt8]] = [
    "00A4040C0AD392F000260100000001", "00A4020C02000A", "00B0000000", "00B00000000000", "00200080", "0084000008", "00C0000010",
    "00A4020C020018",
].map { try! Hex.decode($0) }

struct Engines {
    var negotiation: ProtocolNegotiation
    var t1: T1CardProtocol?
    var t0 = T0CardProtocol()
    var card: VirtualCard
    /// The response of the APDU in progress while the card waits for its S(… request) answer.
    var pending: [UInt8]?
    var processing = false

    init(atr: ATR) {
        negotiation = ProtocolNegotiation(atr: atr)
        t1 = (try? T1Parameters(atr: atr)).flatMap { try? T1CardProtocol(parameters: $0) }
        card = try! VirtualCard(image: image, store: InMemoryCardStateStore())
        _ = card.powerOn()
    }

    func checkSent(_ block: T1Block, ifsd: Int) {
        let bytes = block.bytes
        fuzzCheck((try? T1Block(bytes: bytes)) == block, "the card sent \(block), which does not parse back: \(Hex.encode(bytes))")
        if case .information(_, _, let data) = block.content {
            fuzzCheck(data.count <= min(ifsd, T1Block.maximumInformationFieldSize), "an I-block of \(data.count) bytes with IFSD \(ifsd)")
        }
    }

    mutating func respond(_ response: [UInt8]) {
        guard var t1 else { return }
        do {
            let block = try t1.respond(response)
            checkSent(block, ifsd: t1.ifsd)
        } catch {
            fuzzCheck(false, "respond was refused after the engine announced an APDU to process: \(error)")
        }
        processing = false
        pending = nil
        self.t1 = t1
    }

    mutating func t1Receive(_ bytes: [UInt8], _ input: inout FuzzInput) {
        guard var t1 else { return }
        let outcome = t1.receive(bytes)
        self.t1 = t1
        if verbose { FileHandle.standardError.write(Data("  \(Hex.encode(bytes)) → \(outcome) [IFSD \(t1.ifsd), \(t1.phase)]\n".utf8)) }
        // A retransmission repeats a block as it was first sent, even when the interface device
        // has lowered IFSD since (ISO/IEC 7816-3 rules 6 and 7): only its size limit of 254 holds.
        if let block = outcome.block {
            if case .retransmit = outcome {
                checkSent(block, ifsd: T1Block.maximumInformationFieldSize)
            } else {
                checkSent(block, ifsd: t1.ifsd)
            }
        }
        switch outcome {
        case .process(let apdu):
            processing = true
            let response = card.process(apdu)
            switch input.byte() % 6 {
            case 0:
                pending = response
                // A multiplier of 0 is refused: the card answers at once instead.
                do { checkSent(try self.t1!.requestWaitingTimeExtension(multiplier: Int(input.byte())), ifsd: t1.ifsd) } catch {
                    respond(response)
                }
            case 1:
                pending = response
                do { checkSent(try self.t1!.requestInformationFieldSize(Int(input.byte())), ifsd: t1.ifsd) } catch { respond(response) }
            default:
                respond(response)
            }
        case .waitingTimeExtensionGranted, .informationFieldSizeAccepted:
            fuzzCheck(pending != nil, "\(outcome) without an APDU in progress")
            if let pending { respond(pending) }
        case .resynchronized:
            processing = false
            pending = nil
        case .silent:
            fuzzCheck(processing, "silent while not processing")
        case .send, .retransmit, .reject:
            break
        }
    }

    mutating func transmit(_ bytes: [UInt8], _ input: inout FuzzInput) {
        switch negotiation.receive(bytes) {
        case .pps(.accept(let response)):
            fuzzCheck(negotiation.offer.offered.contains(response.protocolType), "PPS accepted T=\(response.protocolType), not offered")
            fuzzCheck((try? PPSMessage(bytes: response.bytes)) == response, "the PPS response does not parse back")
        case .pps, .unsupportedProtocol:
            break
        case .transmission(.t1):
            t1Receive(bytes, &input)
        case .transmission(.t0):
            do {
                let exchange = try t0.exchange(bytes, nullProcedureBytes: Int(input.byte() % 3)) { card.process($0) }
                fuzzCheck(exchange.reply.count >= 2 && exchange.reply.count <= 258, "a T=0 reply of \(exchange.reply.count) bytes")
            } catch {
                _ = error.description
            }
        }
    }
}

func block(_ input: inout FuzzInput) -> [UInt8] {
    let kind = input.byte()
    let nad: UInt8 = kind & 0x80 != 0 && input.byte() % 8 == 0 ? input.byte() : 0
    let content: T1Block.Content
    switch kind % 8 {
    case 0, 1, 2:
        var data = input.byte() % 3 == 0 ? input.shortChunk() : input.pick(apdus)
        if data.count > 254 { data = Array(data.prefix(254)) }
        content = .information(sequence: Int(input.byte() & 1), more: kind & 0x40 != 0, data: data)
    case 3:
        content = .receiveReady(sequence: Int(input.byte() & 1), error: input.pick([.none, .edc, .other]))
    default:
        let value = input.byte()
        let type: T1Supervisory = input.pick([
            .resynch, .abort, .informationFieldSize(max(1, min(254, value))), .waitingTimeExtension(value),
        ])
        content = .supervisory(type, kind & 0x40 != 0 ? .response : .request)
    }
    return T1Block(nad: nad, content: content).bytes
}

/// Builds the fixtures before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: FuzzerArgumentCount, _ argv: FuzzerArgumentVector) -> CInt {
    _ = (image, atrs, apdus)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzT1(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let choice = input.byte()
    let atrBytes = choice % 8 == 7 ? input.shortChunk() : atrs[Int(choice) % atrs.count]
    guard let atr = try? ATR(bytes: atrBytes) else { return 0 }
    var engines = Engines(atr: atr)
    var count = 0
    while !input.isEmpty && count < 64 {
        count += 1
        let kind = input.byte()
        switch kind % 8 {
        case 0: engines.transmit(input.shortChunk(), &input)
        case 1: engines.transmit([0xFF] + input.bytes(Int(input.byte() % 6)), &input)  // a PPS request
        case 2: engines.transmit(Array(input.pick(apdus) + input.bytes(Int(input.byte() % 3))), &input)  // a T=0 TPDU
        default: engines.transmit(block(&input), &input)
        }
    }
    return 0
}
