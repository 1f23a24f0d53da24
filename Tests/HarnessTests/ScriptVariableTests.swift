import Foundation
import Harness
import ISO7816
import MynaPersona
import TestSupport
import Testing

/// Variables from outside the scripts (`--card`, `--let`, `--ask`), values checked at run time,
/// and the scriptor-style console.
@Suite("Script variables and console")
struct ScriptVariableTests {
    @Test func aPersonaGivesItsCredentialsAndDataAndSaysWhySomeAreMissing() throws {
        let taro = ScriptVariables(persona: try Fixtures.persona("yamada-taro").persona)
        let text = taro.values.mapValues { String(decoding: $0, as: UTF8.self) }
        #expect(text["AUTH_PIN"] == "1234" && text["SIGN_PW"] == "TARO2026" && text["TEXT_PIN"] == "5678" && text["RESIDENT_PIN"] == "2468")
        #expect(text["MY_NUMBER"] == "123456789018" && text["VERIFICATION_B"] == "55021720352285" && text["BIRTH_KEY"] == "550217")
        #expect(text["BIRTH_DATE"] == "19800217" && text["EXPIRY"] == "20350217" && text["SERIAL_NUMBER"] == "416907574432310")
        #expect(text["SEX"] == "1" && text["NAME"] == "山田\u{3000}太郎" && text["SECURITY_CODE"] == "2285")
        #expect(taro.values["ATR"] == CardATRBytes.jpki)
        #expect(Set(taro.values.keys) == Set(ScriptVariables.known.map(\.name)))

        let minor = ScriptVariables(persona: try Fixtures.persona("suzuki-minor").persona)
        #expect(minor.values["SIGN_PW"] == nil && minor.absent["SIGN_PW"]?.contains("no signature certificate") == true)
        let face = ScriptVariables(persona: try Fixtures.persona("takahashi-face").persona)
        #expect(face.values["AUTH_PIN"] == nil && face.values["TEXT_PIN"] == nil && face.values["RESIDENT_PIN"] != nil)
        #expect(face.absent["AUTH_PIN"] == "a face-authentication card's PINs are blocked from issue")
    }

    func assignmentError(_ argument: String) -> String {
        var variables = ScriptVariables()
        do {
            try variables.assign(argument)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func letTakesHexOrQuotedTextAndRefusesWhatACardWouldRefuse() throws {
        var variables = ScriptVariables()
        try variables.assign("AUTH_PIN=31323334")
        try variables.assign("SIGN_PW=\"TARO2026\"")
        try variables.assign("BLOB=00 11 22")
        try variables.assign("GREETING=\"こんにちは\"")
        #expect(variables.values["AUTH_PIN"] == Array("1234".utf8) && variables.values["SIGN_PW"] == Array("TARO2026".utf8))
        #expect(variables.values["BLOB"] == [0x00, 0x11, 0x22] && variables.values["GREETING"] == Array("こんにちは".utf8))
        // The shell ate the quotes of AUTH_PIN="1234": hex 12 34 is not a PIN.
        #expect(assignmentError("AUTH_PIN=1234").hasPrefix("--let AUTH_PIN=1234: read as hex this is not 4 digits as the card wants"))
        #expect(
            assignmentError("AUTH_PIN=1234").contains("--let 'AUTH_PIN=\"1234\"'") && assignmentError("AUTH_PIN=1234").contains("31323334"))
        #expect(
            assignmentError("AUTH_PIN=\"12345\"").hasPrefix("AUTH_PIN (利用者証明用電子証明書 暗証番号, the JPKI authentication PIN) must be 4 digits"))
        #expect(assignmentError("SIGN_PW=\"taro2026\"").contains("must be 6–16 characters of A–Z and 0–9"))
        #expect(assignmentError("PIN").hasPrefix("--let 'PIN': expected NAME=HEX"))
        #expect(assignmentError("9X=00").contains("'9X' is not a variable name"))
        #expect(assignmentError("X=ABC").contains("'ABC' is neither hex"))
        #expect(throws: VariableError.self) {
            var typed = ScriptVariables()
            try typed.set("TEXT_PIN", text: "56789")
        }
    }

    @Test func valuesThatDoNotFitAreRunTimeFailuresInWords() throws {
        let channel = ScriptedChannel(["00B0000002": ["012C9000"]])
        let script = try ScriptParser.parse(
            text: "00B0000002 => [len:2] 9000\n00D60000 ${len:1} 00", path: "/s/w.apdu")
        var run = channel
        let results = ScriptRunner().run([script], on: &run)
        #expect(results[0].verdict == .fail)
        #expect(results[0].message == "/s/w.apdu:2:1: `${len:1}` is 300, which does not fit in 1 byte (at most 255)")
        #expect(channel.sent == ["00B0000002"])  // nothing truncated was sent
    }

    @Test func requiredVariablesAndAssumptionsDecideApplicability() throws {
        let script = try ScriptParser.parse(
            text: """
                case NEEDS "needs the password" requires SIGN_PW
                  0020009B ${len(SIGN_PW):1} $SIGN_PW => 9000
                end
                case OTHER "for another card"
                  assume 00CA004500 => 3939 * 9000
                  00A4040C0AD392F000260100000001 => 9000
                end
                case LOWER "lower-cases a variable"
                  let pw = 414243
                  let low = ${lower(pw)}
                  expect low = 616263
                end
                """, path: "/s/n.apdu")
        var options = ScriptRunner.Options()
        options.variables = ScriptVariables(persona: try Fixtures.persona("suzuki-minor").persona)
        var channel = try InProcessChannel(persona: try Fixtures.persona("suzuki-minor"))
        let results = ScriptRunner(options: options).run([script], on: &channel)
        #expect(results.map(\.verdict) == [.notApplicable, .notApplicable, .pass])
        #expect(results[0].message == "needs SIGN_PW: the card has no signature certificate (and so no signature password)")
        #expect(
            results[1].message?.hasPrefix("/s/n.apdu:5:3: this case is for another card: assumed 3939 * 9000, the card answered 3438")
                == true)
        #expect(results[1].steps.count == 1)  // nothing after the assumption was sent
        let bare = ScriptRunner().run([script], on: &channel)
        #expect(bare[0].message?.hasPrefix("needs SIGN_PW, which has no value (give --let SIGN_PW=… or --ask SIGN_PW") == true)
    }

    @Test func theScriptorConsolePrintsExchangesFoldedWithTheirMeaning() throws {
        #expect(ScriptorConsole.command([0x00, 0xA4, 0x04, 0x0C]) == "> 00 A4 04 0C")
        #expect(ScriptorConsole.response([0x90, 0x00]) == "< 90 00 : success")
        #expect(ScriptorConsole.response([0x6A, 0x82]) == "< 6A 82 : file or application not found")
        let long = ScriptorConsole.response([UInt8](repeating: 0xAB, count: 20) + [0x90, 0x00])
        #expect(long == "< " + Array(repeating: "AB", count: 16).joined(separator: " ") + "\n  AB AB AB AB 90 00 : success")

        let plain = try ScriptParser.parse(text: "reset\n00A4040C0AD392F000260100000001\n00200098", path: "/s/old.script")
        let checked = try ScriptParser.parse(text: "00A4040C0AD392F000260100000001 => 9000", path: "/s/new.apdu")
        func printed(_ scripts: [Script], verbose: Bool) throws -> [String] {
            var lines: [String] = []
            var runner = ScriptRunner()
            runner.observer = ScriptorConsole(everything: verbose) { lines.append($0) }
            var channel = try InProcessChannel(persona: Fixtures.persona("yamada-taro"))
            _ = runner.run(scripts, on: &channel)
            return lines
        }
        // Without expectations a script prints its exchanges, as scriptor does; with them only under -v.
        #expect(
            try printed([plain, checked], verbose: false) == [
                "> RESET", "< OK: 3B E0 00 FF 81 31 FE 45 14", "> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", "< 90 00 : success",
                "> 00 20 00 98", "< 63 C3 : verification failed, 3 tries left",
            ])
        #expect(
            try printed([checked], verbose: true) == [
                "# new  new", "> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", "< 90 00 : success",
            ])
    }
}

/// The JPKI ATR, spelt out so the test does not depend on the code it checks.
enum CardATRBytes {
    static let jpki: [UInt8] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]
}
