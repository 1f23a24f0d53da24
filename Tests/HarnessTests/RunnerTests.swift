import Foundation
import Harness
import ISO7816
import MynaApplications
import MynaPersona
import TestSupport
import Testing

/// A scripted card for runner tests: answers from a table, counts what it was sent.
final class ScriptedChannel: TestChannel {
    var answers: [String: [String]]
    var sent: [String] = []
    let isRealCard: Bool
    var name: String { "scripted" }
    init(isRealCard: Bool = false, _ answers: [String: [String]]) {
        self.isRealCard = isRealCard
        self.answers = answers
    }
    func powerOn() -> [UInt8] { [0x3B, 0x00] }
    func reset() -> [UInt8] { [0x3B, 0x00] }
    func powerOff() {}
    func transmit(_ command: [UInt8]) -> [UInt8] {
        let hex = Hex.encode(command)
        sent.append(hex)
        guard var queue = answers[hex], !queue.isEmpty else { return [0x6D, 0x00] }
        let next = queue.removeFirst()
        if !queue.isEmpty { answers[hex] = queue }
        return try! Hex.decode(next)
    }
    func restoreIssuedState() -> Bool { false }
}

@Suite("Script runner and reports")
struct RunnerTests {
    func run(_ text: String, on channel: some TestChannel, options: ScriptRunner.Options = .init()) throws -> RunResult {
        var channel = channel
        let script = try ScriptParser.parse(text: text, path: "/s/case.apdu")
        let results = ScriptRunner(options: options).run([script], on: &channel)
        return RunResult(name: "t", channel: channel.name, started: "now", cases: results)
    }

    func card() throws -> InProcessChannel {
        try InProcessChannel(persona: Fixtures.persona("yamada-taro"))
    }

    /// `read-ef` sizes a file by the length its header takes: a template whose value is 128 bytes or
    /// more (written `82 hi lo` by the card, where DER writes `81 xx`) is read to its last byte.
    @Test func readEFReadsATemplateWithALongAddressToItsLastByte() throws {
        let address = "北海道札幌市中央区北一条西二丁目一番地札幌市役所本庁舎内第三会議室前通路"
        let directory = try Fixtures.newPersona("read-ef") { $0.address = address }
        let persona = directory.persona
        let template = IndexedTemplate.encode(
            TextApplication.attributeObjects(
                name: persona.name, address: address, birthDate: persona.birthDate.compact, sex: persona.sex.code))
        #expect(template.count > 131 && template[2] == 0x82)
        let pin = Hex.encode(Array(persona.credentials.textPIN.utf8))
        let result = try run(
            """
            \(Hex.encode(CommandAPDU.select(application: TextApplication.aid).bytes)) => 9000
            00200091 04 \(pin) => 9000
            \(Hex.encode(CommandAPDU.select(file: TextApplication.File.attributes).bytes)) => 9000
            read-ef ATTRIBUTES
            expect ATTRIBUTES = \(Hex.encode(template))
            """, on: try InProcessChannel(persona: directory))
        #expect(result.cases.map(\.verdict) == [.pass], "\(result.cases.map { $0.message ?? "" })")
    }

    static let failing = """
        case WRONG-SW "a wrong status word"
          00A4040C0AD392F000260100000099 => 9000
        end
        case WRONG-BYTE "a wrong data byte"
          00A4040C0AD392F000260100000001 => 9000
          00A4020C020008 => 9000
          00B0000003 => 8F 8E 00 9000
        end
        case SLOW "a timing budget exceeded"
          budget 1us
          00A4040C0AD392F000260100000001 => 9000
          00A4020C020008 => 9000
        end
        case FAST "passes"
          00A4040C0AD392F000260100000001 => 9000 within 1s
        end
        """

    @Test func failuresAreReportedInEveryFormat() throws {
        let result = try run(Self.failing, on: card())
        #expect(result.cases.map(\.verdict) == [.fail, .fail, .fail, .pass])
        #expect(!result.succeeded)
        #expect(result.cases[0].message == "/s/case.apdu:2:3: expected 9000, got 6A82 (file or application not found)")
        #expect(result.cases[1].message?.contains("expected 8F 8E 00 9000, got 8F8F009000") == true)
        #expect(result.cases[2].message?.contains("budget 1 µs") == true)

        let junit = Reports.junit(result)
        #expect(junit.contains("tests=\"4\" failures=\"3\""))
        #expect(junit.contains("<failure message=\"/s/case.apdu:2:3: expected 9000, got 6A82 (file or application not found)\">"))
        #expect(junit.contains("command:  00A4040C0AD392F000260100000099"))
        #expect(junit.contains("expected: 9000 9000 success"))
        #expect(junit.contains("actual:   6A82 (6A82 file or application not found)"))
        #expect(junit.contains("budget 1 µs"))
        // Well-formed XML, checked by an independent parser.
        let xmlPath = Oracle.file(Array(junit.utf8), name: "r.xml")
        #expect(try Oracle.run("/usr/bin/python3", ["-c", "import sys, xml.dom.minidom as m; m.parse(sys.argv[1])", xmlPath]).status == 0)

        let json = try JSONSerialization.jsonObject(with: Reports.json(result)) as! [String: Any]
        let cases = json["cases"] as! [[String: Any]]
        #expect(cases.map { $0["verdict"] as! String } == ["fail", "fail", "fail", "pass"])
        let step = (cases[1]["steps"] as! [[String: Any]]).last!
        #expect(step["passed"] as? Bool == false)
        #expect((step["exchange"] as! [String: Any])["response"] as? String == "8F8F009000")

        let html = Reports.html(result)
        #expect(html.contains("<span class=\"v fail\">fail</span> <b>WRONG-SW</b>"))
        #expect(html.contains("class=\"bad\">"))
        #expect(html.contains("6A82 file or application not found"))
        #expect(html.contains("<svg"))
        let console = Reports.consoleLine(result.cases[0], color: false)
        #expect(
            console.contains("expected 9000  (9000 success)") && console.contains("actual   6A82  (6A82 file or application not found)"))
        #expect(Reports.consoleSummary(result).contains("1 passed, 3 failed"))
    }

    @Test func capturesExpressionsLoopsAndProcedures() throws {
        let result = try run(
            """
            proc select
              00A4040C0AD392F000260100000001 => 9000
            end
            case LOOP "loops and captures"
              call select
              00A4020C02000A => 9000
              00B0000004 => 3082 [len:2] 9000
              00B0${len+4:2}01 => 6B00
              let total = ${len+4:2}
              read-ef cert
              expect cert = 3082 $len *
              for le in 1..3
                00A4020C020006 => 9000
                00B00000${le} => [d:*] 9000
              end
              repeat 3
                00200098 => 63C3
              end
            end
            """, on: card())
        #expect(result.cases[0].verdict == .pass, "\(result.cases[0].message ?? "")")
        #expect(result.cases[0].steps.count > 10)
    }

    @Test func getResponseAndWrongLeAreFollowedUnlessSwitchedOff() throws {
        let channel = ScriptedChannel([
            "00B0000000": ["6110"], "00C0000010": [String(repeating: "AB", count: 16) + "9000"],
            "0084000000": ["6C08"], "0084000008": ["0102030405060708" + "9000"],
        ])
        let on = try run("00B0000000 => [d:16] 9000\n0084000000 => [r:8] 9000", on: channel)
        #expect(on.cases[0].verdict == .pass, "\(on.cases[0].message ?? "")")
        #expect(channel.sent == ["00B0000000", "00C0000010", "0084000000", "0084000008"])
        let bare = ScriptedChannel(["00B0000000": ["6110"]])
        let off = try run("option get-response off\n00B0000000 => 6110", on: bare)
        #expect(off.cases[0].verdict == .pass)
        #expect(bare.sent == ["00B0000000"])
    }

    @Test func destructiveCasesAreRefusedOnARealCardAndCountersAreGuarded() throws {
        let script = """
            case D-1 "destructive" destructive
              00200098 04 31313131 => 63C?
            end
            """
        let real = ScriptedChannel(isRealCard: true, ["00200098": ["63C1"]])
        let refused = try run(script, on: real)
        #expect(refused.cases[0].verdict == .skipped)
        #expect(real.sent.isEmpty)
        var allow = ScriptRunner.Options()
        allow.allowDestructive = true
        let guarded = try run(script, on: real, options: allow)
        #expect(guarded.cases[0].verdict == .inconclusive)
        #expect(guarded.cases[0].message?.contains("one try is left") == true)
        #expect(real.sent == ["00200098"])  // the counter was read; no PIN left the host
        let disposable = try run(
            "case D-2 \"needs a disposable card\" disposable\n 0084000008\nend", on: ScriptedChannel(isRealCard: true, [:]), options: allow)
        #expect(disposable.cases[0].verdict == .notApplicable)
    }

    @Test func profilesMakeCasesNotApplicable() throws {
        let text = "case P-1 \"face only\" profile face\n  0084000008 => [r:8] 9000\nend"
        #expect(try run(text, on: card()).cases[0].verdict == .notApplicable)
        var options = ScriptRunner.Options()
        options.profiles = ["face"]
        #expect(try run(text, on: card(), options: options).cases[0].verdict == .pass)
    }

    @Test func theScriptorManPageExampleRunsUnchanged() throws {
        let script = try ScriptParser.parse(
            path: Fixtures.repositoryRoot.appendingPathComponent("vectors/scriptor/manpage-example.script").path)
        var channel = try card()
        let results = ScriptRunner().run([script], on: &channel)
        #expect(results.count == 1 && results[0].verdict == .pass)
        #expect(results[0].steps.compactMap(\.exchange).count == 6)
        #expect(results[0].steps.compactMap(\.exchange).allSatisfy { $0.status == "6E00" })  // CLA A0 is a SIM class
    }
}

@Suite("Record and replay")
struct RecordReplayTests {
    static let session = """
        case R-1 "read the token and query the PIN"
          00A4040C0AD392F000260100000001 => 9000
          00A4020C020006 => 9000
          00B0000020 => 4A504B4941504943 * 9000
          00200098 => 63C3
        end
        """

    @Test func aRecordedSessionReplaysStrictlyAndSkipping() throws {
        let trace = Fixtures.temporaryDirectory("trace").appendingPathComponent("card.trace").path
        let script = try ScriptParser.parse(text: Self.session, path: "/s/session.apdu")
        var recording = try RecordingChannel(InProcessChannel(persona: Fixtures.persona("yamada-taro")), to: trace)
        #expect(ScriptRunner().run([script], on: &recording).map(\.verdict) == [.pass])
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 5)  // power-on + 4 exchanges

        var strict = try ReplayChannel(path: trace, mode: .strict)
        #expect(ScriptRunner().run([script], on: &strict).map(\.verdict) == [.pass])

        // A client that sends something else is caught in strict mode…
        let other = try ScriptParser.parse(text: "00A4040C0AD392F000260100000001 => 9000\n00200098 => 63C3", path: "/s/other.apdu")
        var strictAgain = try ReplayChannel(path: trace, mode: .strict)
        let caught = ScriptRunner().run([other], on: &strictAgain)
        #expect(caught[0].verdict == .inconclusive)
        #expect(caught[0].message?.contains("exchange 2 was recorded for 00A4020C020006, but 00200098 was sent") == true)
        // …and passes when skipping is allowed.
        var skipping = try ReplayChannel(path: trace, mode: .skipping)
        #expect(ScriptRunner().run([other], on: &skipping).map(\.verdict) == [.pass])
    }

    @Test func aSimulatorTraceLineThatIsNotJSONIsLocated() throws {
        let path = Fixtures.temporaryDirectory("trace").appendingPathComponent("bad.trace").path
        try "{\"time\":\"t\",\"slot\":0,\"event\":\"transmit\",\"command\":\"00\",\"response\":\"9000\"}\nnot json\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ReplayError.trace(.badLine(path: path, line: 2, reason: "not JSON"))) {
            try ReplayChannel(path: path, mode: .strict)
        }
    }
}
