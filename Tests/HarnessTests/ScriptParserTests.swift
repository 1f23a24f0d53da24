import Foundation
import Harness
import TestSupport
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

    /// Found by fuzz/swift (target script, seed fuzz/corpus/script/regress-vertical-tab): a line of
    /// white space other than blanks and tabs trapped the parser; CR LF line ends joined the lines.
    @Test func whiteSpaceLinesAndWindowsLineEnds() throws {
        #expect(error("\n\n\u{0B}\n") == "no error")
        let spaced = try ScriptParser.parse(text: "00A4040C\n\u{0B}\n \u{0C}\u{85}\n00B0000004", path: "/s/v.apdu")
        #expect(spaced.cases.count == 1 && spaced.cases[0].body.count == 2)
        let script = try ScriptParser.parse(
            text: "reset\r\n00A4040C0AD392F000260100000001\r\n\r\n00B0000004 => * 9000\r\n", path: "/s/w.script")
        #expect(script.cases.count == 1 && script.cases[0].body.count == 3)
        #expect(error("00A4\r\n00B0 => 90") == error("00A4\n00B0 => 90"))
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

    @Test func undefinedVariablesAreParseErrorsAtTheirColumn() {
        #expect(
            error("00B0000004 => [len:2] 9000\n00B0 ${lne+4:2} 01") == "/s/test.apdu:2:8: undefined variable 'lne' (did you mean `len`?): "
                + "set it with `let`, a capture [lne:N], `for` or `read-ef` before use")
        #expect(
            error("case A \"a\"\n  00B0000004 => [x:2] 9000\nend\ncase B \"b\"\n  expect x = 0000\nend").hasPrefix(
                "/s/test.apdu:5:10: undefined variable 'x'"))
        // A variable the card gives has a message of its own.
        #expect(
            error("00200098 04 $AUTH_PIN => 9000") == "/s/test.apdu:1:13: 'AUTH_PIN' (利用者証明用電子証明書 暗証番号, the JPKI "
                + "authentication PIN) has no value here: run with --card DIR (the persona's), --let AUTH_PIN=… or --ask AUTH_PIN, "
                + "or declare `requires AUTH_PIN` on the case")
        #expect(error("case A \"a\" requires AUTH_PIN\n  00200098 ${len(AUTH_PIN):1} $AUTH_PIN => 9000\nend") == "no error")
        #expect(throws: Never.self) {
            try ScriptParser.parse(text: "00200098 04 $AUTH_PIN => 9000", path: "/s/t.apdu", variables: ["AUTH_PIN": [1, 2, 3, 4]])
        }
        #expect(
            error("call selct\nproc select\n  00A4040C => 9000\nend") == "/s/test.apdu:1:6: no procedure 'selct' (did you mean `select`?)")
        #expect(error("case A \"t\" requries X\nend").contains("unknown case attribute 'requries' (did you mean `requires`?)"))
    }

    @Test func numbersThatCannotFitTheirWidthAreParseErrorsWhenKnownBeforeTheRun() {
        let long = String(repeating: "AB", count: 300)
        #expect(
            error("let v = \(long)\n00D60000 ${len(v):1} $v")
                == "/s/test.apdu:2:10: `${len(v):1}` is 300, which does not fit in 1 byte (at most 255)")
        #expect(error("00B0 ${2-5:2} 01").contains("`${2-5:2}` is -3, which is negative"))
        #expect(error("for x in 0..256\n  00B00000${x}\nend").contains("`for x` is 256, which does not fit in 1 byte (at most 255)"))
        #expect(error("00B0 ${70000} 01").contains("does not fit in 2 bytes (at most 65535); give a width"))
        #expect(error("for x in 0..256 width 2\n  00B0${x}00\nend") == "no error")
        // The length of a variable given from outside is known too.
        #expect(throws: ScriptError.self) {
            try ScriptParser.parse(
                text: "00D60000 ${len(BIG):1} $BIG", path: "/s/t.apdu", variables: ["BIG": [UInt8](repeating: 0, count: 256)])
        }
    }

    @Test func caseAttributesAndAssumptions() throws {
        let script = try ScriptParser.parse(
            text: """
                case A "t" requires AUTH_PIN,SIGN_PW requirement "r" disposable
                  assume 00CA004500 => 3431 * 9000
                  let low = ${lower(SIGN_PW)}
                end
                """, path: "/s/a.apdu")
        #expect(script.cases[0].requires == ["AUTH_PIN", "SIGN_PW"])
        #expect(script.cases[0].disposable && script.cases[0].requirement == "r")
        guard case .assume(_, let expected, let location) = script.cases[0].body[0] else {
            Issue.record("no assume")
            return
        }
        #expect(expected.text == "3431 * 9000" && location.description == "/s/a.apdu:2:3")
        #expect(script.variablesNeeded(by: script.cases[0]) == ["AUTH_PIN", "SIGN_PW"])
        #expect(error("assume 00CA004500").contains("expected `assume APDU => RESPONSE`"))
    }

    @Test func aFileThatCannotBeReadIsSaidInWords() {
        do {
            _ = try ScriptParser.parse(path: "/nonexistent/nosuch.apdu")
            Issue.record("parsed a missing file")
        } catch {
            #expect(error.description == "/nonexistent/nosuch.apdu: no such file")
        }
        let directory = Fixtures.temporaryDirectory("dir.apdu")
        #expect(throws: ScriptError.self) { try ScriptParser.parse(path: directory.path) }
        do { _ = try ScriptParser.parse(path: directory.path) } catch {
            #expect(error.description.hasSuffix(": is a directory, not a file"))
        }
    }
}
