import Foundation
import Testing
import VirtualReader

@Suite("Secure: PIN verification and modification")
struct SecurePINTests {
    /// The driver's verify message body from docs/ccid-reader.md, PIN pad (bTimeOut 30 s, ASCII, 8-byte block, 4…8 digits).
    static let verify = hex("00 1E 82 08 00 08 04 02 01 09 04 00 00 40 0D 00 20 00 01 08 FF FF FF FF FF FF FF FF")

    static func modify(confirm: UInt8 = 0x03) -> [UInt8] {
        hex("01 1E 82 08 00 00 08 08 04") + [confirm] + hex("02 03 09 04 00 01 02 00 00 15 00 24 00 01 10")
            + [UInt8](repeating: 0xFF, count: 16)
    }

    func pinPad(_ keys: String, card: MockCard = MockCard()) throws -> (ReaderFirmware, MockCard) {
        let keypad = ScriptedKeypad(try ScriptedKeypad.parse(keys))
        var firmware = ReaderFirmware(model: .gemPCPinPad, cards: [card], keypad: keypad)
        firmware.activateT1()
        return (firmware, card)
    }

    @Test("verify: digits go into the template, wrapped in the I-block bTeoPrologue describes; the card's whole block comes back")
    func verifyPIN() throws {
        let card = MockCard()
        card.answer = { _ in .block(hex("00 40 02 90 00 D2")) }
        var (firmware, _) = try pinPad("1234#", card: card)
        let answer = firmware.send(.secure(bwi: 0, levelParameter: 0, data: Self.verify), sequence: 0x0F).answer
        let body = hex("00 40 0D 00 20 00 01 08 31 32 33 34 FF FF FF FF")
        #expect(card.exchanges.last?.block == body + [SerialFraming.lrc(body)])
        #expect(answer.encoded == hex("80 06 00 00 00 00 0F 00 00 00 00 40 02 90 00 D2"))
    }

    @Test("keypad timeout is 40 F0, cancel is 40 EF, and the card sees nothing")
    func timeoutAndCancel() throws {
        for (keys, error) in [("12T", CCIDErrorCode.pinTimeout), ("12C", .pinCancelled)] {
            var (firmware, card) = try pinPad(keys)
            let answer = firmware.send(.secure(bwi: 0, levelParameter: 0, data: Self.verify)).answer
            #expect((answer.type, answer.status, answer.error) == (.dataBlock, 0x40, error))
            #expect(card.exchanges.isEmpty)
        }
    }

    @Test("OK is ignored below the minimum; digits beyond the maximum are ignored")
    func lengthRules() throws {
        let card = MockCard()
        card.answer = { _ in .block(hex("00 40 02 90 00 D2")) }
        var (firmware, _) = try pinPad("12#34#", card: card)
        _ = firmware.send(.secure(bwi: 0, levelParameter: 0, data: Self.verify))
        #expect(Array(card.exchanges.last?.block[8..<16] ?? []) == hex("31 32 33 34 FF FF FF FF"))
        var (long, longCard) = try pinPad("1234567890#")
        _ = long.send(.secure(bwi: 0, levelParameter: 0, data: Self.verify))
        #expect(Array(longCard.exchanges.last?.block[8..<16] ?? []) == Array("12345678".utf8))
    }

    @Test("modify (PinPad layout, three message indexes): current and new PIN inserted at their offsets")
    func modifyPIN() throws {
        var (firmware, card) = try pinPad("1234#5678#5678#")
        _ = firmware.send(.secure(bwi: 0, levelParameter: 0, data: Self.modify()))
        let body = hex("00 00 15 00 24 00 01 10 31 32 33 34 FF FF FF FF 35 36 37 38 FF FF FF FF")
        #expect(card.exchanges.last?.block == body + [SerialFraming.lrc(body)])
    }

    @Test("modify: a confirmation that differs gives the PC/SC status 64 02 and the card sees nothing")
    func confirmationMismatch() throws {
        var (firmware, card) = try pinPad("1234#5678#5679#")
        let answer = firmware.send(.secure(bwi: 0, levelParameter: 0, data: Self.modify())).answer
        #expect((answer.commandStatus, answer.data) == (.processed, hex("64 02")))
        #expect(card.exchanges.isEmpty)
    }

    @Test("modify without the current PIN (bConfirmPIN 01) asks for the new PIN twice only")
    func modifyWithoutCurrent() throws {
        var (firmware, card) = try pinPad("5678#5678#")
        _ = firmware.send(.secure(bwi: 0, levelParameter: 0, data: Self.modify(confirm: 0x01)))
        #expect(Array(card.exchanges.last?.block[16..<24] ?? []) == hex("35 36 37 38 FF FF FF FF"))
    }

    @Test("the standard CCID layout carries bMsgIndex2/3 only as bNumberMessage says; the PinPad layout always three")
    func messageIndexLayouts() throws {
        let standard = hex("01 1E 82 08 00 00 08 08 04 03 02 00 09 04 00 00 00 15 00 24 00 01 10") + [UInt8](repeating: 0xFF, count: 16)
        guard case .modify(let m) = try SecureRequest.parse(standard, threeMessageIndexes: false) else {
            Issue.record("not modify")
            return
        }
        #expect(m.messageIndexes == [0] && m.prologue == hex("00 00 15") && m.apdu.count == 21)
        guard case .modify(let p) = try SecureRequest.parse(Self.modify(), threeMessageIndexes: true) else {
            Issue.record("not modify")
            return
        }
        #expect(p.messageIndexes == [0, 1, 2] && p.prologue == hex("00 00 15"))
    }

    @Test("a GemPC Twin has no PIN pad: Secure is not supported (bError 0)")
    func twinRefuses() {
        var firmware = ReaderFirmware(model: .gemPCTwin, cards: [MockCard()])
        firmware.activateT1()
        let answer = firmware.send(.secure(bwi: 0, levelParameter: 0, data: Self.verify)).answer
        #expect((answer.status, answer.error) == (0x40, .commandNotSupported))
    }

    @Test(
        "malformed PIN structures are refused at the offending byte",
        arguments: [
            (hex("02 1E 82 08 00 08 04 02 01 09 04 00 00 40 0D 00 20 00 01"), 10),  // bPINOperation 02
            (hex("00 1E 83 08 00 08 04 02 01 09 04 00 00 40 0D 00 20 00 01"), 12),  // encoding 3
            (hex("00 1E 82 08 00 04 08 02 01 09 04 00 00 40 0D 00 20 00 01"), 15),  // min > max
            (hex("00 1E 82 08 00 08 04 00 01 09 04 00 00 40 0D 00 20 00 01"), 17),  // validation 0
            (hex("00 1E 82 04 00 08 04 02 01 09 04 00 00 40 09 00 20 00 01 04 FF FF FF FF"), 13),  // 8 digits, 4-byte block
        ])
    func malformed(data: [UInt8], offset: Int) throws {
        var (firmware, card) = try pinPad("1234#")
        let answer = firmware.send(.secure(bwi: 0, levelParameter: 0, data: data)).answer
        #expect((answer.commandStatus, Int(answer.error.rawValue)) == (.failed, offset))
        #expect(card.exchanges.isEmpty)
    }
}

@Suite("PIN block formatting")
struct PINBlockFormatterTests {
    func format(_ f: UInt8, _ b: UInt8, _ l: UInt8, max: Int = 8) -> PINFormat {
        PINFormat(formatString: f, blockString: b, lengthFormat: l, minimumDigits: 4, maximumDigits: max)
    }

    /// `digits` inserted into the template `apdu` (hex) with the three format bytes.
    func insert(_ digits: [UInt8], _ apdu: String, _ f: UInt8, _ b: UInt8, _ l: UInt8, max: Int = 8) throws -> [UInt8] {
        try PINBlockFormatter.insert(digits, into: hex(apdu), format: format(f, b, l, max: max))
    }

    @Test("ASCII, left justified, FF-padded 8-byte block")
    func ascii() throws {
        let out = try insert([1, 2, 3, 4], "00 20 00 01 08 FF FF FF FF FF FF FF FF", 0x82, 0x08, 0)
        #expect(out == hex("00 20 00 01 08 31 32 33 34 FF FF FF FF"))
    }

    @Test("ASCII right justified")
    func rightJustified() throws {
        let out = try insert([1, 2, 3, 4], "00 20 00 01 08 FF FF FF FF FF FF FF FF", 0x86, 0x08, 0)
        #expect(out == hex("00 20 00 01 08 FF FF FF FF 31 32 33 34"))
    }

    @Test("OpenSC's GLP format: BCD from bit 8, 4-bit length at bit 4, 8-byte block")
    func globalPlatform() throws {
        let out = try insert([1, 2, 3, 4], "00 20 00 81 08 20 FF FF FF FF FF FF FF", 0x41, 0x48, 0x04)
        #expect(out == hex("00 20 00 81 08 24 12 34 FF FF FF FF FF"))
    }

    @Test("BCD in bytes with an 8-bit length byte in front; odd digit counts keep the filler nibble")
    func bcdWithLengthByte() throws {
        let out = try insert([1, 2, 3, 4, 5], "00 20 00 01 08 00 FF FF FF FF FF FF FF", 0x89, 0x88, 0x10)
        #expect(out == hex("00 20 00 01 08 05 12 34 5F FF FF FF FF"))
    }

    @Test("binary: one byte per digit")
    func binary() throws {
        let out = try insert([1, 2, 3, 4], "00 20 00 01 04 00 00 00 00", 0x80, 0x04, 0, max: 4)
        #expect(out == hex("00 20 00 01 04 01 02 03 04"))
    }

    @Test("a case 1 template gets Lc and a data field of the PIN's size")
    func caseOne() throws {
        #expect(try insert([1, 2, 3, 4], "00 20 00 80", 0x82, 0x00, 0) == hex("00 20 00 80 04 31 32 33 34"))
    }

    @Test("refuses a PIN that does not fit its block")
    func doesNotFit() {
        #expect(throws: PINFormatError.self) {
            try insert([1, 2, 3, 4, 5], "00 20 00 01 08 FF FF FF FF FF FF FF FF", 0x82, 0x04, 0)
        }
    }
}

@Suite("PIN entry")
struct PINEntryTests {
    func run(_ keys: String, min: Int = 4, max: Int = 8, validation: UInt8 = 0x02) throws -> PINEntryResult {
        PINEntry.collect(
            from: ScriptedKeypad(try ScriptedKeypad.parse(keys)), minimumDigits: min, maximumDigits: max,
            validation: validation, deadline: .now + .seconds(5))
    }

    @Test("backspace and clear edit the entry")
    func editing() throws {
        #expect(try run("129<34#") == .entered([1, 2, 3, 4]))
        #expect(try run("99*1234#") == .entered([1, 2, 3, 4]))
    }

    @Test("validation on maximum size needs no OK; validation on timeout accepts what was typed")
    func validationConditions() throws {
        #expect(try run("1234", max: 4, validation: 0x01) == .entered([1, 2, 3, 4]))
        #expect(try run("1234T", validation: 0x04) == .entered([1, 2, 3, 4]))
        #expect(try run("12T", validation: 0x04) == .timedOut)
        #expect(try run("1234T", validation: 0x02) == .timedOut)
    }

    @Test("an empty keypad times out at the deadline; no keypad at all times out at once")
    func noKeys() {
        let start = ContinuousClock.now
        let result = PINEntry.collect(
            from: ScriptedKeypad(), minimumDigits: 4, maximumDigits: 8, validation: 2, deadline: .now + .milliseconds(200))
        #expect(result == .timedOut)
        #expect(start.duration(to: .now) >= .milliseconds(190))
        #expect(PINEntry.collect(from: nil, minimumDigits: 4, maximumDigits: 8, validation: 2, deadline: .now + .seconds(5)) == .timedOut)
    }

    @Test("keys queued while the reader waits are taken")
    func lateKeys() throws {
        let keypad = ScriptedKeypad()
        let keys: [ScriptedKeypad.Step] = [.key(.digit(1)), .key(.digit(2)), .key(.digit(3)), .key(.digit(4)), .key(.enter)]
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { keypad.enqueue(keys) }
        let result = PINEntry.collect(from: keypad, minimumDigits: 4, maximumDigits: 8, validation: 2, deadline: .now + .seconds(5))
        #expect(result == .entered([1, 2, 3, 4]))
    }

    @Test("scripts name every key and refuse anything else")
    func scripts() throws {
        let expected: [ScriptedKeypad.Step] = [.key(.digit(1)), .key(.enter), .key(.cancel), .key(.backspace), .key(.clear), .silence]
        #expect(try ScriptedKeypad.parse("1#C<*T") == expected)
        #expect(throws: KeypadScriptError.unknownCharacter("?", offset: 1)) { try ScriptedKeypad.parse("1?") }
    }
}
