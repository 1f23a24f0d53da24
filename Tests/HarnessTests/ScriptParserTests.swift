import Foundation
import Harness
import Testing

@Suite("Script language: parsing")
struct ScriptParserTests {
    func error(_ text: String) -> String {
        do {
            _ = try ScriptParser.parse(text: text, path: "/s/test.apdu")
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func errorsNameFileLineAndColumn() {
        #expect(error("00A4040C\n00A404 0C0 => 9000") == "/s/test.apdu:2:8: odd number of hex digits in '0C0'")
        #expect(error("00A4 => 90").hasPrefix("/s/test.apdu:1:9: an expected response ends in a 2-byte status word"))
        #expect(error("00A4 => 9000 within soon").hasPrefix("/s/test.apdu:1:"))
        #expect(error("case A \"t\"\n  00A4040C => 9000\n").hasPrefix("/s/test.apdu:1:1: this block has no `end`"))
        #expect(error("00G4").hasPrefix("/s/test.apdu:1:3: unexpected 'G'"))
        #expect(error("end").hasPrefix("/s/test.apdu:1:1: `end` without a block"))
        #expect(error("include \"nope.apdu\"").contains("cannot read included file /s/nope.apdu"))
        #expect(error("case A \"t\" flaky\nend").contains("unknown case attribute 'flaky'"))
        #expect(error("00B0000004 => 3082 [len:x] 9000").contains("capture count 'x'"))
    }

    @Test func scriptorScriptsAreOneCaseAndCommentsNeverExit() throws {
        let script = try ScriptParser.parse(
            text: """
                # this comment says exit but must not end anything
                reset
                00 A4 04 0C 0A D3 92 F0 \\
                   00 26 01 00 00 00 01
                00B0000004
                exit
                00B0000004
                """, path: "/s/plain.script")
        #expect(script.cases.count == 1 && script.cases[0].id == "plain")
        #expect(script.cases[0].body.count == 5)
    }

    @Test func patterns() throws {
        let script = try ScriptParser.parse(text: "00B0000004 => 30 82 [len:2] 9000 | 6A82 | 63C? | * 6B00 | .. .. 9000", path: "/s/p.apdu")
        guard case .exchange(_, let expected?, _, _) = script.cases[0].body[0] else {
            Issue.record("no exchange")
            return
        }
        #expect(expected.match([0x30, 0x82, 0x04, 0x80, 0x90, 0x00], variables: [:]) == ["len": [0x04, 0x80]])
        #expect(expected.match([0x6A, 0x82], variables: [:]) != nil)
        #expect(expected.match([0x63, 0xC2], variables: [:]) != nil)
        #expect(expected.match([0x63, 0x02], variables: [:]) == nil)
        #expect(expected.match([1, 2, 3, 0x6B, 0x00], variables: [:]) != nil)
        #expect(expected.match([1, 2, 0x90, 0x00], variables: [:]) != nil)
        #expect(expected.match([1, 0x90, 0x00], variables: [:]) == nil)
        #expect(expected.statusWords.contains("6A82"))
    }
}
