import Foundation
import FuzzSupport
import ISO7816
import MynaApplications
import MynaPersona

@testable import MynaCard

// The card, structure-aware: an input is a persona choice and a list of commands (card power
// actions, APDUs built from the card's real AIDs, FIDs and credential values, raw APDUs, a
// restart from the durable state, a durable write that fails). After every command:
//
// * the card answered (it did not trap) with a status word, and data only with 9000;
// * every retry counter is within 0…its limit, and moved only as a VERIFY, CHANGE REFERENCE
//   DATA or CHANGE KEY with the matching status word moves it (down by one with 63Cx, back to
//   the limit with 9000), one credential at a time; a changed value changed only with 9000;
// * a failed durable write (6581) changed nothing, the security state included;
// * power-off, reset and every application SELECT leave no credential verified
//   (card reference §decision-security-state), and an unpowered card answers 6F00.
//
// Input: a byte choosing the persona (0 yamada-taro, 1 takahashi-face, 2 tanaka-short), then
// ops: 00 power-on, 01 warm reset, 02 power-off, 03 restart from the durable state, 04 fail the
// next durable write, 05–FF an APDU of kind (op − 5) mod 12 (see CommandBuilder.build; op 10 is
// a raw APDU: a length byte and the bytes). At most 200 ops.

/// The cards a run may choose: an adult, a face-authentication card, a short-only card.
let personas: [PersonaDirectory] = ["yamada-taro", "takahashi-face", "tanaka-short"].map(Repository.loadPersona)
let images: [CardImage] = personas.map { $0.cardImage() }

/// A store whose next save fails when asked to (the card must then answer 6581 and change nothing).
final class FlakyStore: CardStateStore, @unchecked Sendable {
    var state: PersistentCardState?
    var failNextSave = false

    func load() -> PersistentCardState? { state }

    func save(_ state: PersistentCardState) throws(CardStateError) {
        if failNextSave {
            failNextSave = false
            throw .unwritable(path: "fuzz", reason: "a write failure the fuzzer asked for")
        }
        self.state = state
    }
}

/// Builds one command from the input, with the image's real identifiers and values.
struct CommandBuilder {
    let image: CardImage

    var aids: [[UInt8]] { image.applications.map(\.aid) + [MasterFile.issuerSecurityDomainAID] }
    var fids: [FileID] { Array(Set(image.applications.flatMap { $0.files.map(\.fid) } + image.masterFiles.map(\.fid))).sorted() }

    func header(_ input: inout FuzzInput, proprietary: Bool = false) -> UInt8 {
        // Mostly the right class; sometimes SM, chaining or channel bits.
        let classes: [UInt8] = proprietary ? [0x80, 0x80, 0x80, 0x00, 0x8C, 0x90] : [0x00, 0x00, 0x00, 0x80, 0x0C, 0x10, 0x01]
        return input.pick(classes)
    }

    /// Lc, data and Le in short or (sometimes) extended form.
    func apdu(_ head: [UInt8], data: [UInt8], le: Int?, _ input: inout FuzzInput) -> [UInt8] {
        let extended = input.byte() % 8 == 0 || data.count > 255 || (le ?? 0) > 256
        var bytes = head
        if extended {
            if !data.isEmpty { bytes += [0x00, UInt8(data.count >> 8 & 0xFF), UInt8(data.count & 0xFF)] + data }
            if let le { bytes += (data.isEmpty ? [0x00] : []) + [UInt8(le >> 8 & 0xFF), UInt8(le & 0xFF)] }
        } else {
            if !data.isEmpty { bytes += [UInt8(data.count)] + data }
            if let le { bytes.append(UInt8(le & 0xFF)) }
        }
        return bytes
    }

    func credentialValue(_ input: inout FuzzInput) -> [UInt8] {
        let credential = input.pick(image.credentials)
        switch input.byte() % 4 {
        case 0: return credential.initialValue
        case 1: return Array("1234".utf8)
        case 2: return Array("ABC123".utf8)
        default: return input.shortChunk()
        }
    }

    func keyReference(_ input: inout FuzzInput) -> UInt8 {
        switch input.byte() % 4 {
        case 0: return 0x80
        case 1: return input.pick(image.credentials).policy.verifyP2
        case 2: return 0x80 | UInt8(input.pick(fids) & 0x1F)
        default: return input.byte()
        }
    }

    func le(_ input: inout FuzzInput) -> Int? {
        switch input.byte() % 5 {
        case 0: return nil
        case 1: return 0
        case 2: return Int(input.byte())
        case 3: return 256 + Int(input.uint16() % 2048)
        default: return 4
        }
    }

    /// Kinds 0–10 build a command of one instruction; kind 11 (op `10`) takes the APDU as raw
    /// bytes after a one-byte length.
    func build(_ kind: UInt8, _ input: inout FuzzInput) -> [UInt8] {
        switch kind % 12 {
        case 0:  // SELECT an application, its prefix or a foreign name
            var name = input.pick(aids)
            if input.byte() % 4 == 0 { name = Array(name.prefix(input.int(in: 1...name.count))) }
            if input.byte() % 8 == 0 { name = input.shortChunk() }
            let p1p2: [UInt8] = input.byte() % 6 == 0 ? [input.byte(), input.byte()] : [0x04, input.pick([0x0C, 0x00])]
            return apdu([header(&input), 0xA4] + p1p2, data: name, le: nil, &input)
        case 1:  // SELECT an EF
            let fid = input.byte() % 6 == 0 ? input.uint16() : input.pick(fids)
            return apdu(
                [header(&input), 0xA4, input.pick([0x02, 0x02, 0x00]), 0x0C], data: [UInt8(fid >> 8), UInt8(fid & 0xFF)], le: nil, &input)
        case 2:  // READ BINARY, by current EF or SFI
            let p1: UInt8 = input.bool() ? UInt8(input.uint16() >> 8 & 0x7F) : 0x80 | UInt8(input.pick(fids) & 0x1F)
            return apdu(
                [header(&input), 0xB0, input.byte() % 4 == 0 ? input.byte() : p1, input.byte()], data: [], le: le(&input) ?? 0, &input)
        case 3:  // VERIFY: a value, or the retry query
            let data = input.byte() % 3 == 0 ? [] : credentialValue(&input)
            return apdu(
                [header(&input), 0x20, input.byte() % 16 == 0 ? 1 : 0, keyReference(&input)], data: data,
                le: input.byte() % 16 == 0 ? 0 : nil, &input)
        case 4:  // CHANGE REFERENCE DATA
            return apdu(
                [header(&input), 0x24, input.byte() % 8 == 0 ? 0 : 1, keyReference(&input)], data: credentialValue(&input), le: nil, &input)
        case 5:  // CHANGE KEY
            return apdu(
                [header(&input, proprietary: true), 0x32, 0x00, keyReference(&input)], data: credentialValue(&input), le: nil, &input)
        case 6:  // COMPUTE DIGITAL SIGNATURE
            let p2: UInt8 = input.pick([0x80, 0x97, 0x9A, 0x00, input.byte()])
            let length = input.pick([51, 32, 19, 0, 245, 246, Int(input.byte())])
            let data = (0..<length).map { _ in input.byte() }
            return apdu(
                [header(&input, proprietary: true), 0x2A, input.byte() % 7, p2], data: data, le: input.pick([0, 0, nil, 16]), &input)
        case 7:  // INTERNAL AUTHENTICATE
            let data = input.shortChunk()
            return apdu([header(&input), 0x88, 0x00, keyReference(&input)], data: data, le: 0, &input)
        case 8:  // GET CHALLENGE
            return apdu([header(&input), 0x84, 0x00, 0x00], data: [], le: le(&input), &input)
        case 9:  // GET DATA
            let tag: UInt16 = input.pick([0x0042, 0x0045, 0x0066, 0x00F0, 0x00F2, 0x00F7, 0x00F8, 0x7F21, 0x5F51, input.uint16()])
            return apdu([header(&input), 0xCA, UInt8(tag >> 8), UInt8(tag & 0xFF)], data: [], le: le(&input), &input)
        case 10:  // READ RECORD
            return apdu(
                [header(&input), 0xB2, input.byte() % 4, input.pick([0x04, 0x0C, 0x05, input.byte()])], data: [], le: le(&input), &input)
        default:  // any bytes
            return input.shortChunk()
        }
    }
}

/// Runs one input through a card and checks the invariants after each command.
struct CardRun {
    var card: VirtualCard
    let store: FlakyStore
    let image: CardImage

    init(image: CardImage) {
        self.image = image
        store = FlakyStore()
        card = try! VirtualCard(image: image, store: store)
    }

    /// Every credential's durable state, by id.
    var durable: [String: (tries: Int, value: String?)] {
        Dictionary(
            uniqueKeysWithValues: image.credentials.map { credential in
                (
                    credential.id.rawValue,
                    (card.persistent.triesLeft(credential), card.persistent.credentials[credential.id.rawValue]?.changedValue)
                )
            })
    }

    func checkCounters(after what: String) {
        for credential in image.credentials {
            let left = card.persistent.triesLeft(credential)
            fuzzCheck(
                (0...credential.maxTries).contains(left),
                "\(credential.id) has \(left) tries left (limit \(credential.maxTries)) after \(what)")
        }
    }

    func checkNothingVerified(after what: String) {
        fuzzCheck(verified.isEmpty, "still verified after \(what): \(verified)")
    }

    /// The credentials verified now.
    var verified: [String] { image.credentials.filter { card.isVerified($0.id) }.map(\.id.rawValue) }

    mutating func apdu(_ command: [UInt8]) {
        let before = durable
        let verifiedBefore = verified
        let wasPowered = card.isPowered
        let response = card.process(command)
        let what = "APDU \(Hex.encode(command))"
        fuzzCheck(response.count >= 2, "\(what) answered \(Hex.encode(response)): no status word")
        let sw = UInt16(response[response.count - 2]) << 8 | UInt16(response[response.count - 1])
        fuzzCheck(sw == 0x9000 || response.count == 2, "\(what) answered data with \(String(sw, radix: 16))")
        if !wasPowered { fuzzCheck(sw == 0x6F00, "\(what) to an unpowered card answered \(String(sw, radix: 16))") }
        checkCounters(after: what)
        let after = durable
        let changed = image.credentials.map(\.id.rawValue).filter { before[$0]! != after[$0]! }
        fuzzCheck(changed.count <= 1, "\(what) changed several credentials: \(changed)")
        if sw == 0x6581 {
            fuzzCheck(changed.isEmpty, "\(what) failed its durable write (6581) but changed \(changed)")
            fuzzCheck(verified == verifiedBefore, "\(what) failed its durable write (6581) but changed the security state")
        }
        let ins = command.count > 1 ? command[1] : 0
        for id in changed {
            let (old, new) = (before[id]!, after[id]!)
            let limit = image.credentials.first { $0.id.rawValue == id }!.maxTries
            if new.tries == old.tries - 1 {
                fuzzCheck(
                    ins == 0x20 && sw == 0x63C0 | UInt16(new.tries), "\(what) took a try from \(id) but answered \(String(sw, radix: 16))")
            } else {
                fuzzCheck(sw == 0x9000 && [0x20, 0x24, 0x32].contains(ins), "\(what) changed \(id) but answered \(String(sw, radix: 16))")
                fuzzCheck(new.tries == limit, "\(what) set \(id) to \(new.tries) tries, not back to its limit \(limit)")
            }
            if new.value != old.value { fuzzCheck(ins == 0x24 || ins == 0x32, "\(what) changed the value of \(id)") }
        }
        if sw == 0x9000, command.count >= 4, command[1] == 0xA4, command[2] == 0x04 {
            checkNothingVerified(after: "\(what) (an application SELECT)")
        }
    }

    mutating func run(_ input: inout FuzzInput) {
        let builder = CommandBuilder(image: image)
        _ = card.powerOn()
        var commands = 0
        while !input.isEmpty && commands < 200 {
            commands += 1
            let op = input.byte()
            switch op {
            case 0:
                _ = card.powerOn()
                checkNothingVerified(after: "a cold reset")
            case 1:
                _ = card.reset()
                checkNothingVerified(after: "a warm reset")
            case 2:
                card.powerOff()
                checkNothingVerified(after: "a power-off")
            case 3:  // the process restarts: a new card from the durable state
                let before = durable
                card = try! VirtualCard(image: image, store: store)
                fuzzCheck(before.mapValues(\.tries) == durable.mapValues(\.tries), "a restart changed the counters")
                checkNothingVerified(after: "a restart")
                if input.bool() { _ = card.powerOn() }
            case 4:
                store.failNextSave = true
            default:
                apdu(builder.build(op - 5, &input))
            }
        }
        store.failNextSave = false
    }
}

/// Builds the fixtures before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: FuzzerArgumentCount, _ argv: FuzzerArgumentVector) -> CInt {
    _ = images
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCard(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    var run = CardRun(image: images[Int(input.byte()) % images.count])
    run.run(&input)
    return 0
}
