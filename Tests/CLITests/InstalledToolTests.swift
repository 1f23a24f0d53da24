import Foundation
import TestSupport
import Testing

/// What a user of the installed tool sees: doctor, shipped data found by name, and messages that
/// say where mynasim looked.
@Suite("mynasim as an installed tool")
struct InstalledToolTests {
    func mynasim(_ args: [String], environment: [String: String] = [:]) throws -> Oracle.ProcessResult {
        try Oracle.run(Oracle.mynasim, args, environment: environment)
    }

    @Test func doctorReportsWhereEverythingIsAndExitsZeroWhenNothingRequiredIsMissing() throws {
        let r = try mynasim(["doctor", "--json"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let findings = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [[String: Any]])
        let names = Set(findings.compactMap { $0["name"] as? String })
        for name in ["the shipped personas", "the IFD handler (libifd-mynasim.so)", "pcscd", "ImageMagick", "Japanese font", "OpenSC"] {
            #expect(names.contains(name), "\(name)")
        }
        let personas = findings.first { $0["name"] as? String == "the shipped personas" }
        #expect((personas?["detail"] as? String)?.hasPrefix(Fixtures.personas.path) == true)
        // MYNASIM_DATA comes first; one without personas makes the next place win, as doctor shows.
        let data = Fixtures.temporaryDirectory("data")
        try FileManager.default.createDirectory(at: data.appendingPathComponent("suites"), withIntermediateDirectories: true)
        let text = try mynasim(["doctor"], environment: ["MYNASIM_DATA": data.path]).stdout
        #expect(text.contains("\(data.appendingPathComponent("suites").path) ($MYNASIM_DATA)"))
        #expect(text.contains("\(Fixtures.personas.path) (the source tree this binary was built in)"))
    }

    @Test func aShippedSuiteRunsByNameAndAnUnknownNameListsTheShippedOnes() throws {
        let card = try Fixtures.copyOfPersona("yamada-taro")
        let reports = Fixtures.temporaryDirectory("reports")
        let run = try mynasim(["suite", "jpki-kat", "--card", card.path, "--report-dir", reports.path, "--plain"])
        #expect(run.status == 0, "\(run.stdout.suffix(400))")
        let unknown = try mynasim(["suite", "no-such-suite", "--card", card.path, "--report-dir", reports.path])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no-such-suite: no such directory, nor a shipped suite in"))
        #expect(unknown.stderr.contains("jpki, jpki-kat, kenmen"))
    }

    @Test func aSandboxThatCannotStartLeavesNoDirectoryBehind() throws {
        let tmp = Fixtures.temporaryDirectory("sandbox-tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        for arguments in [["--card", "/nonexistent"], ["--handler", "/nonexistent/libifd-mynasim.so"]] {
            let r = try mynasim(["sandbox"] + arguments + ["--", "true"], environment: ["TMPDIR": tmp.path])
            #expect(r.status != 0)
            #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty, "\(arguments)")
        }
    }

    @Test func aMissingPersonaDirectorySaysWhichOptionNamedIt() throws {
        let r = try mynasim(["client-check", "--profile", "jpki-generic", "--personas", "/nonexistent/personas", "--", "true"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--personas DIR /nonexistent/personas: no such file or directory"))
    }

    @Test func personaShowShowsTheInsuranceSection() throws {
        let shown = try mynasim(["persona", "show", Fixtures.personas.appendingPathComponent("yamada-taro").path])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("保険者 (insurer):   01130012 全国健康保険協会 東京支部"))
        #expect(shown.stdout.contains("記号・番号・枝番:   31010203・42・00  本人 (insured)"))
        #expect(shown.stdout.contains("負担割合 (co-pay):  3割 (30%)"))
        #expect(shown.stdout.contains("資格 (valid):       from 2012-04-01, no end date, 限度額適用区分 区ウ"))
    }
}
