import Foundation
import ISO7816
import MynaApplications
import MynaPersona
import TestSupport
import Testing
import VirtualReader

@testable import Harness

/// The reader check's data and reports, without a reader: the catalog, verdicts from figures,
/// Part 10 parsing, the certificate's key, and the four report forms (the checks themselves run
/// end to end in IntegrationTests/e2e/reader_check.sh).
@Suite("Reader check")
struct ReaderCheckTests {
    // MARK: the catalog

    @Test func everyCheckHasAUniqueIdInItsGroupARequirementAndAMeaning() {
        let ids = ReaderCheckCatalog.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.count >= 30)
        for check in ReaderCheckCatalog.all {
            #expect(check.id.hasPrefix(check.group.rawValue + "."), "\(check.id) is not in group \(check.group)")
            let cites = ["PC/SC Part", "ISO/IEC 7816", "CCID 1.1", "card reference §"]
            #expect(cites.contains { check.requirement.contains($0) }, "\(check.id) cites no requirement: \(check.requirement)")
            #expect(!check.meaning.isEmpty && !check.title.isEmpty)
            for (name, threshold) in check.thresholds { #expect(!name.isEmpty && !threshold.unit.isEmpty) }
        }
    }

    @Test func theChecksRunGroupByGroupInTheirOrder() {
        let groups = ReaderCheckCatalog.all.map(\.group)
        let order = ReaderCheckGroup.allCases
        #expect(groups == groups.sorted { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! })
    }

    @Test func theIssuesChecksAreAllThere() {
        for id in [
            "identity.part10", "presence.insertion", "presence.removal", "presence.idle", "atr.tck", "atr.cold-warm", "transport.case-4e",
            "transport.extended-claim", "transport.response-lengths", "transport.full-certificate", "transport.get-response",
            "transport.wrong-length", "transport.largest-command", "timing.overhead", "timing.jitter", "timing.throughput",
            "timing.signature", "robustness.removal-during-apdu", "robustness.reset-reconnect", "robustness.shared-access",
            "robustness.long-idle", "robustness.mute-card",
        ] {
            #expect(ReaderCheckCatalog.definition(id) != nil, "\(id) is missing")
        }
    }

    @Test func theVendorsGuideDescribesEveryCheckAndEveryShippedProfile() throws {
        let guide = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("docs/reader-check.md"), encoding: .utf8)
        for check in ReaderCheckCatalog.all { #expect(guide.contains("`\(check.id)`"), "docs/reader-check.md lacks \(check.id)") }
        let shipped = try FileManager.default.contentsOfDirectory(
            atPath: Fixtures.repositoryRoot.appendingPathComponent("vectors/reader-profiles").path)
        #expect(shipped.count >= 8)
        for file in shipped { #expect(guide.contains("`\(file.replacingOccurrences(of: ".yaml", with: ""))`")) }
    }

    // MARK: verdicts

    @Test func aFigureOverItsThresholdFailsTheCheckAndSaysByHowMuch() throws {
        let definition = try #require(ReaderCheckCatalog.definition("presence.insertion"))
        var record = CheckRecord(definition)
        record.figure("p50", 180, "ms")  // informative
        record.figure("p90", 400, "ms")
        let (verdict, message) = record.outcome
        #expect(verdict == .fail)
        #expect(message == "p90 400 ms, limit ≤ 100 ms")
        var good = CheckRecord(definition)
        good.figure("p90", 12.5, "ms")
        good.figure("missed", 0, "events")
        #expect(good.outcome.0 == .pass)
        good.fail("the card was not seen")
        #expect(good.outcome == (.fail, "the card was not seen"))
        record.fail("the reader lost the card")  // a failure found says more than the figure
        #expect(record.outcome == (.fail, "the reader lost the card"))
    }

    @Test func percentilesAreNearestRank() {
        let values = Percentiles((1...10).map(Double.init).reversed())
        #expect(values(0.5) == 5 && values(0.9) == 9 && values(0.95) == 10 && values.maximum == 10)
        #expect(Percentiles([])(0.9) == 0)
        #expect(Percentiles([7])(0.5) == 7)
    }

    @Test func everyCheckIsJudgedByAtLeastOneThreshold() {
        for check in ReaderCheckCatalog.all where check.id != "atr.interface" {
            #expect(!check.thresholds.isEmpty, "\(check.id) has no threshold")
        }
    }

    @Test func thresholdsCompareBothWays() {
        #expect(ReaderThreshold.atMost(5, "ms").accepts(5) && !ReaderThreshold.atMost(5, "ms").accepts(5.01))
        #expect(ReaderThreshold.atLeast(256, "of 256").accepts(256) && !ReaderThreshold.atLeast(256, "of 256").accepts(255))
        #expect(ReaderThreshold.exactly(8, "bytes").accepts(8) && !ReaderThreshold.exactly(8, "bytes").accepts(9))
        #expect(ReaderFigure(name: "x", value: 0.125, unit: "ms", threshold: .atMost(5, "ms")).text == "0.125 ms (≤ 5 ms)")
    }

    // MARK: Part 10 and the certificate

    @Test func part10FeaturesAndPropertiesParseAsOurHandlerSendsThem() {
        // GET_FEATURE_REQUEST: FEATURE_GET_TLV_PROPERTIES (12) at ioctl 0x42330012.
        #expect(Part10.features([0x12, 0x04, 0x42, 0x33, 0x00, 0x12]) == [0x12: 0x4233_0012])
        // wLcdLayout 0, dwMaxAPDUDataSize 65535 (little-endian), wIdVendor FFFF, a truncated TLV last.
        let properties = Part10.tlvs([0x01, 0x02, 0x00, 0x00, 0x0A, 0x04, 0xFF, 0xFF, 0x00, 0x00, 0x0B, 0x02, 0xFF, 0xFF, 0x0C, 0x05, 0x01])
        #expect(properties.count == 3)
        #expect(properties.map(\.tag) == [0x01, 0x0A, 0x0B])
        #expect(Part10.number(properties[1].value) == 65_535)
    }

    @Test func theCertificatesKeyIsWhatOpensslReadsFromIt() throws {
        let pem = Fixtures.personas.appendingPathComponent("yamada-taro/auth.pem").path
        let der = try Oracle.run("openssl", ["x509", "-in", pem, "-outform", "DER"]).stdoutData
        let key = try #require(CertificateKey.rsaKey(Array(der)))
        let modulus = try Oracle.run("openssl", ["x509", "-in", pem, "-noout", "-modulus"]).stdout
        #expect(modulus.trimmingCharacters(in: .whitespacesAndNewlines) == "Modulus=" + Hex.encode(key.modulus))
        #expect(key == (try Fixtures.persona("yamada-taro")).authKey.publicKey)
        #expect(CertificateKey.rsaKey(Array(der.dropLast(10))) == nil)
    }

    // MARK: reports

    static func sampleRun() -> ReaderCheckRun {
        func result(_ id: String, _ verdict: Verdict, _ figures: [ReaderFigure], message: String? = nil) -> ReaderCheckResult {
            let definition = ReaderCheckCatalog.definition(id)!
            return ReaderCheckResult(
                id: id, group: definition.group, title: definition.title, requirement: definition.requirement, verdict: verdict,
                message: message, figures: figures, evidence: ["→ 00B0000000  ← <9000> \"quoted\""], seconds: 0.25)
        }
        var reader = ReaderIdentityFacts(name: "ACME <Reader> 00 00")
        reader.vendor = "ACME \"Co\""
        reader.maxAPDUDataSize = 65_535
        reader.part10Features = ["GET_TLV_PROPERTIES"]
        return ReaderCheckRun(
            tool: "mynasim 9.9.9", date: "2026-01-02T03:04:05Z", reader: reader,
            card: CardFacts(virtual: true, description: "山田　太郎 \\ test", atr: "3BE000FF8131FE4514", atrName: "jpki", protocol: "T=1"),
            mode: "test", interactive: false,
            results: [
                result("identity.name", .pass, []),
                result(
                    "transport.response-lengths", .fail,
                    [ReaderFigure(name: "lengths intact", value: 255, unit: "of 256", threshold: .atLeast(256, "of 256"))],
                    message: "lengths intact 255 of 256, limit ≥ 256 of 256"),
                result("timing.signature", .skipped, [], message: "needs the card's authentication PIN"),
                result("robustness.mute-card", .notApplicable, []),
                result(
                    "timing.overhead", .pass,
                    [ReaderFigure(name: "overhead p50", value: 0.123456789, unit: "ms", threshold: .atMost(5, "ms"))]),
            ],
            behaviour: ReaderQuirks(
                advertisesExtended: true, extendedAPDUs: false, presencePollingMillis: 400,
                spuriousRemoval: .init(afterIdleMillis: 900, absentMillis: 150), dropsLastByteAt: [256], passes61xx: true,
                exchangeDelayMicros: 16_000))
    }

    @Test func aMeasuredProfileLoadsBackAsTheQuirksItMeasured() throws {
        let run = Self.sampleRun()
        let file = Fixtures.temporaryDirectory("measured").appendingPathComponent("reader.profile.yaml")
        try MeasuredProfile.yaml(run).write(to: file, atomically: true, encoding: .utf8)
        let loaded = try ReaderProfile.load(path: file.path)
        #expect(loaded.quirks == run.behaviour)
        #expect(loaded.reader?.name == "ACME <Reader> 00 00" && loaded.reader?.vendor == "ACME \"Co\"")
        #expect(loaded.reader?.maxAPDUDataSize == 65_535)
        #expect(loaded.description?.contains("山田　太郎 \\ test") == true)
        #expect(loaded.measured?.count == run.results.count)
        #expect(loaded.measured?.first { $0.check == "timing.overhead" }?.figures.first?.value == 0.123456789)
        #expect(loaded.measured?.first { $0.check == "transport.response-lengths" }?.figures.first?.threshold == "≥ 256 of 256")
    }

    @Test func aFaultlessMeasurementLoadsAsAFaultlessReader() throws {
        var run = Self.sampleRun()
        run.behaviour = ReaderQuirks()
        let file = Fixtures.temporaryDirectory("measured").appendingPathComponent("plain.yaml")
        try MeasuredProfile.yaml(run).write(to: file, atomically: true, encoding: .utf8)
        #expect(try ReaderProfile.load(path: file.path).quirks == .none)
    }

    @Test func theJUnitReportIsWellFormedAndCountsEachVerdict() throws {
        let xml = ReaderCheckReport.junit(Self.sampleRun())
        let path = Oracle.file(Array(xml.utf8), name: "reader-check.junit.xml")
        #expect(try Oracle.run("/usr/bin/python3", ["-c", "import sys, xml.dom.minidom as m; m.parse(sys.argv[1])", path]).status == 0)
        #expect(xml.contains("tests=\"5\" failures=\"1\" errors=\"0\" skipped=\"2\""))
        #expect(xml.contains("<failure message=\"lengths intact 255 of 256, limit ≥ 256 of 256\">"))
        #expect(xml.contains("&lt;9000&gt;"))
    }

    @Test func theCertificatePutsTheSummaryFirstAndTheFailuresWithEvidence() throws {
        let html = ReaderCertificate.html(Self.sampleRun())
        let summary = try #require(html.range(of: "<h2>Summary</h2>"))
        let requirements = try #require(html.range(of: "<h2>Requirements</h2>"))
        let failures = try #require(html.range(of: "<h2>Failures and their evidence</h2>"))
        #expect(summary.lowerBound < requirements.lowerBound && requirements.lowerBound < failures.lowerBound)
        for fact in ["ACME &lt;Reader&gt; 00 00", "2026-01-02T03:04:05Z", "mynasim 9.9.9", "3BE000FF8131FE4514 (jpki)", "NOT PASSED"] {
            #expect(html.contains(fact), "the certificate lacks \(fact)")
        }
        #expect(html.contains("lengths intact: 255 of 256 (≥ 256 of 256) ✗"))
        #expect(!html.contains("<Reader>"))
    }

    @Test func theConsoleShowsJudgedFiguresAndWhyACheckFailed() {
        let run = Self.sampleRun()
        let line = ReaderCheckReport.consoleLine(run.results[1], color: false)
        #expect(line.hasPrefix("FAIL transport.response-lengths"))
        #expect(line.contains("[lengths intact 255 of 256 (≥ 256 of 256)]"))
        #expect(line.contains("\n       lengths intact 255 of 256, limit ≥ 256 of 256"))
        #expect(ReaderCheckReport.consoleSummary(run).contains("failed: transport.response-lengths"))
        #expect(!run.passed)
    }
}
