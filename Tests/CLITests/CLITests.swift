import Foundation
import ISO7816
import MynaApplications
import MynaPersona
import TestSupport
import Testing

/// The `mynasim` executable as a user runs it, with openssl as the judge.
@Suite("mynasim CLI", .serialized)
struct CLITests {
    func mynasim(_ args: [String], environment: [String: String] = [:]) throws -> Oracle.ProcessResult {
        try Oracle.run(Oracle.mynasim, args, environment: environment)
    }

    /// Runs `apdu` and returns one response per line.
    func apdu(_ card: URL, _ apdus: [String], extra: [String] = []) throws -> [String] {
        let r = try mynasim(["apdu", "--card", card.path] + extra + apdus)
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    static let selectAP = JPKIAPDU.selectAP

    @Test func freshPersonaReadsCertificateVerifiesPINAndSignsEndToEnd() throws {
        let root = Fixtures.temporaryDirectory("cli")
        let card = root.appendingPathComponent("alice")
        let created = try mynasim(["persona", "new", "--out", card.path, "--auth-pin", "4242", "--sign-pin", "ALICE2026"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("4242") && created.stdout.contains("ALICE2026"))
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("test-pki/auth-ca.pem").path))

        // Read the auth certificate: header, then whole with an extended Le.
        let lines = try apdu(card, [Self.selectAP, "00A4020C02000A", "00B0000004"], extra: ["--atr"])
        #expect(lines.first == "3BE000FF8131FE4514")
        #expect(lines[1] == "9000" && lines[2] == "9000")
        let header = try Hex.decode(lines[3])
        #expect(header.suffix(2) == [0x90, 0x00] && header[0] == 0x30)
        let length = (Int(header[2]) << 8 | Int(header[3])) + 4
        var der: [UInt8] = []
        var chunks: [String] = [Self.selectAP, "00A4020C02000A"]
        for offset in stride(from: 0, to: length, by: 256) {
            chunks.append(Hex.encode([0x00, 0xB0, UInt8(offset >> 8), UInt8(offset & 0xFF), UInt8(min(256, length - offset) & 0xFF)]))
        }
        for line in try apdu(card, chunks).dropFirst(2) { der += try Hex.decode(line).dropLast(2) }
        #expect(der.count == length)
        let certPath = Oracle.file(der, name: "auth.der", in: root)
        let pemPath = root.appendingPathComponent("auth-from-card.pem").path
        #expect(try Oracle.run("openssl", ["x509", "-inform", "DER", "-in", certPath, "-out", pemPath]).status == 0)
        let verify = try Oracle.run("openssl", ["verify", "-CAfile", root.appendingPathComponent("test-pki/auth-ca.pem").path, pemPath])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

        // VERIFY the auth PIN and sign a DigestInfo; openssl checks the signature against the card's certificate.
        let message = Array("資格確認 challenge".utf8)
        let digestInfo = JPKIAPDU.sha256DigestInfo(message)
        let signed = try apdu(
            card,
            [
                Self.selectAP, "00A4020C020018", JPKIAPDU.verify("4242"), "00A4020C020017",
                "802A0080" + Hex.encode([UInt8(digestInfo.count)]) + Hex.encode(digestInfo) + "00",
            ])
        #expect(signed[2] == "9000")
        let signature = Array(try Hex.decode(signed[4]).dropLast(2))
        #expect(signature.count == 256 && signed[4].hasSuffix("9000"))
        #expect(try Oracle.verifyMessage(message, signature: signature, certificateDER: der))
    }

    @Test func stateSurvivesInvocationsAndAKillRightAfterTheWrite() throws {
        let card = try Fixtures.copyOfPersona("yamada-taro")
        #expect(try apdu(card, [Self.selectAP, "00A4020C020018", JPKIAPDU.verify("0000")]).last == "63C2")
        #expect(try apdu(card, [Self.selectAP, "00A4020C020018", JPKIAPDU.query]).last == "63C2")
        // Killed between the durable write and the response: no status word left the card, yet the try is gone.
        let killed = try mynasim(
            ["apdu", "--card", card.path, Self.selectAP, "00A4020C020018", JPKIAPDU.verify("0000")],
            environment: ["MYNASIM_EXIT_AFTER_STATE_WRITE": "1"]
        )
        #expect(killed.status == 75)
        #expect(!killed.stdout.contains("63C1"))
        #expect(try apdu(card, [Self.selectAP, "00A4020C020018", JPKIAPDU.query]).last == "63C1")
        let shown = try mynasim(["persona", "show", card.path])
        #expect(shown.stdout.contains("jpki.auth-pin: 1/3 tries left"))
        #expect(shown.stdout.contains("山田　太郎"))
    }

    @Test func jsonOutput() throws {
        let card = try Fixtures.copyOfPersona("yamada-taro")
        let r = try mynasim(["apdu", "--card", card.path, "--json", Self.selectAP, "00A4020C020018", "00200080"])
        struct Output: Decodable {
            struct Exchange: Decodable {
                var command: String
                var response: String
                var sw: String
                var meaning: String
            }
            var atr: String
            var exchanges: [Exchange]
        }
        let output = try JSONDecoder().decode(Output.self, from: r.stdoutData)
        #expect(output.atr == "3BE000FF8131FE4514")
        #expect(output.exchanges.map(\.sw) == ["9000", "9000", "63C3"])
        #expect(output.exchanges[2].meaning == "verification failed, 3 tries left")
        let shown = try mynasim(["persona", "show", "--json", card.path])
        #expect(shown.stdout.contains("\"myNumber\" : \"123456789018\""))
    }

    @Test func badInputGetsOneLineErrorsAndNoCardAccess() throws {
        let card = try Fixtures.copyOfPersona("yamada-taro")
        let badHex = try mynasim(["apdu", "--card", card.path, Self.selectAP, "00A4020C02001", "00200080"])
        #expect(badHex.status != 0)
        #expect(badHex.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(badHex.stderr)")
        #expect(badHex.stderr.contains("APDU 2") && badHex.stdout.isEmpty)

        let missing = try mynasim(["apdu", "--card", "/nonexistent/persona", "00200080"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/persona/persona.yaml"))

        try Data("not json".utf8).write(to: card.appendingPathComponent("state.json"))
        let corrupt = try mynasim(["apdu", "--card", card.path, Self.selectAP])
        #expect(corrupt.status != 0 && corrupt.stderr.contains("state.json") && corrupt.stderr.contains("corrupt"))
        try FileManager.default.removeItem(at: card.appendingPathComponent("state.json"))

        let held = try PersonaDirectory(url: card).lock()
        let locked = try mynasim(["apdu", "--card", card.path, Self.selectAP])
        #expect(locked.status != 0 && locked.stderr.contains("in use"))
        withExtendedLifetime(held) {}

        let invalid = try mynasim([
            "persona", "new", "--out", Fixtures.temporaryDirectory().appendingPathComponent("x").path, "--my-number", "123456789011",
        ])
        #expect(invalid.status != 0 && invalid.stderr.contains("check digit"))
    }
}

@Suite("mynasim read", .serialized)
struct ReadCommandTests {
    func mynasim(_ args: [String]) throws -> Oracle.ProcessResult { try Oracle.run(Oracle.mynasim, args) }

    func personaWithRoots() throws -> URL {
        let card = try Fixtures.copyOfPersona("yamada-taro")
        try FileManager.default.copyItem(
            at: Fixtures.personas.appendingPathComponent("test-pki"),
            to: card.deletingLastPathComponent().appendingPathComponent("test-pki"))
        return card
    }

    @Test func readsAndVerifiesEverything() throws {
        let card = try personaWithRoots()
        let r = try mynasim(["read", "--card", card.path, "--text-pin", "5678", "--sign-password", "TARO2026", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: r.stdoutData) as! [String: Any]
        #expect(json["myNumber"] as? String == "123456789018")
        #expect((json["attributes"] as? [String: String])?["name"] == "山田\u{3000}太郎")
        let checks = json["checks"] as! [[String: Any]]
        #expect(checks.count == 7 && checks.allSatisfy { $0["passed"] as? Bool == true })
        #expect(checks.contains { ($0["what"] as? String)?.hasPrefix("visual AP CV certificate signed by CV root 7000023") == true })
        #expect((json["certificates"] as! [[String: Any]]).count == 4)
        #expect((json["triesLeft"] as! [String: Int])["text AP 0011 券面事項入力補助用暗証番号 (text AP PIN)"] == 3)
    }

    @Test func readsTheCardFaceAndWritesThePhoto() throws {
        let card = try personaWithRoots()
        let out = Fixtures.temporaryDirectory("face")
        let photo = out.appendingPathComponent("photo.jp2").path
        let r = try mynasim([
            "read", "--card", card.path, "--verification-b", "55021720352285", "--birth-date-key", "550217",
            "--photo", photo, "--images", out.appendingPathComponent("all").path, "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: r.stdoutData) as! [String: Any]
        let face = try #require(json["cardFace"] as? [String: Any])
        #expect(face["birthDate"] as? String == "19800217" && face["ageRecordBirthDate"] as? String == "19800217")
        #expect(face["sex"] as? String == "1" && face["expiry"] as? String == "20350217")
        #expect(
            (face["images"] as? [String: String])?["name"]
                == "PNG 384×40 1-bit, \(try Data(contentsOf: card.appendingPathComponent("face-name.png")).count) bytes")
        // 照合番号B opens the card face but not the My Number image (EF 0005 needs A).
        #expect((face["images"] as? [String: String])?["my-number"] == nil)
        #expect(try Data(contentsOf: URL(fileURLWithPath: photo)) == Data(contentsOf: card.appendingPathComponent("face-photo.jp2")))
        #expect(
            try Oracle.identify(Array(Data(contentsOf: out.appendingPathComponent("all/address.png"))), format: "%m %w %h") == "PNG 384 96")
        let checks = json["checks"] as! [[String: Any]]
        #expect(checks.allSatisfy { $0["passed"] as? Bool == true })
        for expected in ["three digest groups", "age record (EF 0001) signed", "card present", "attributes digest matches"] {
            #expect(checks.contains { ($0["what"] as? String)?.contains(expected) == true }, "missing check: \(expected)")
        }
        let noFace = try mynasim(["read", "--card", card.path, "--photo", photo])
        #expect(noFace.status != 0 && noFace.stderr.contains("--verification-a or --verification-b"))
    }

    @Test func withoutCredentialsNothingCostsATry() throws {
        let card = try personaWithRoots()
        let r = try mynasim(["read", "--card", card.path])
        #expect(r.status == 0 && r.stdout.contains("no credential given"))
        #expect(!r.stdout.contains("個人番号"))
        let shown = try mynasim(["persona", "show", card.path])
        #expect(shown.stdout.contains("text.pin: 3/3"))
    }

    @Test func refusesTheLastTryUnlessForced() throws {
        let card = try personaWithRoots()
        let wrong = "0020009104" + Hex.encode(Array("0000".utf8))
        _ = try mynasim(["apdu", "--card", card.path, "00A4040C0AD3921000310001010408", wrong, wrong])
        let refused = try mynasim(["read", "--card", card.path, "--text-pin", "0000"])
        #expect(refused.status != 0 && refused.stderr.contains("only one try left"))
        #expect(try mynasim(["persona", "show", card.path]).stdout.contains("text.pin: 1/3"))
        let forced = try mynasim(["read", "--card", card.path, "--text-pin", "5678", "--force"])
        #expect(forced.status == 0 && forced.stdout.contains("123456789018"))
    }

    @Test func aTamperedCardFailsVerification() throws {
        // A different CV root: the card's signatures no longer verify against it.
        let card = try personaWithRoots()
        let roots = Fixtures.temporaryDirectory("roots")
        let other = try Oracle.run("openssl", ["genrsa", "-out", roots.appendingPathComponent("k.pem").path, "2048"])
        #expect(other.status == 0)
        _ = try Oracle.run(
            "openssl",
            [
                "rsa", "-in", roots.appendingPathComponent("k.pem").path, "-pubout", "-out",
                roots.appendingPathComponent("cv-root.pub.pem").path,
            ])
        let r = try mynasim(["read", "--card", card.path, "--text-pin", "5678", "--roots", roots.path])
        #expect(r.status == 2 && r.stdout.contains("FAIL text AP CV certificate signed by CV root 7000033"))
    }
}

/// The harness commands as a QA engineer meets them: suites that fit the card, scriptor-style
/// output, and input mistakes that are said in words instead of passing silently.
@Suite("mynasim run and suite", .serialized)
struct HarnessCLITests {
    func mynasim(_ args: [String], input: Data? = nil) throws -> Oracle.ProcessResult { try Oracle.run(Oracle.mynasim, args, input: input) }

    static let suites = ["jpki", "jpki-kat", "kenmen"].map { Fixtures.repositoryRoot.appendingPathComponent("vectors/suites/\($0)").path }
    let reports = Fixtures.temporaryDirectory("reports").path

    @Test func theShippedSuitesPassOnAShortOnlyCardWithoutEditingAnything() throws {
        let r = try mynasim(
            ["suite"] + Self.suites + [
                "--card", Fixtures.personas.appendingPathComponent("tanaka-short").path, "--plain", "--report-dir", reports,
            ])
        #expect(r.status == 0, "\(r.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") || $0.hasPrefix("INC") })\(r.stderr)")
        #expect(r.stdout.contains(", 0 failed,"))
    }

    @Test func aWrongPINIsSaidOnceAndTheRunFails() throws {
        let card = try Fixtures.copyOfPersona("yamada-taro")
        let r = try mynasim([
            "suite", Self.suites[0], "--card", card.path, "--let", "AUTH_PIN=\"9999\"", "--plain", "--report-dir", reports,
        ])
        #expect(r.status == 1)
        let failures = r.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") || $0.hasPrefix("INC") }
        #expect(failures.count == 1, "\(failures)")
        let summary = r.stdout.split(separator: "\n").filter { $0.contains("cases that need it were skipped") }
        #expect(
            summary.count == 1 && summary[0].contains("the PIN given for AUTH_PIN is not this card's: 63C2 after the first VERIFY"),
            "\(summary)")
        // The persona's card file was not touched: the in-process card starts from the issued state.
        #expect(!FileManager.default.fileExists(atPath: card.appendingPathComponent("state.json").path))
    }

    @Test func inputMistakesAreSaidInTheProjectsOwnWords() throws {
        let taro = Fixtures.personas.appendingPathComponent("yamada-taro").path
        func error(_ args: [String]) throws -> String {
            let r = try mynasim(args + ["--report-dir", reports])
            #expect(r.status != 0)
            return r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try error(["run", "/nonexistent/nosuch.apdu", "--card", taro]) == "Error: /nonexistent/nosuch.apdu: no such file")
        #expect(
            try error(["suite", Self.suites[0], "--card", taro, "--profile", "realistic"]).hasPrefix(
                "Error: --profile realistic: 'realistic' is a timing profile, which belongs to `mynasim serve --profile` or `mynasim sandbox --profile`"
            ))
        #expect(try error(["suite", Self.suites[0], "--card", taro, "--let", "AUTH_PIN=1234"]).contains("--let 'AUTH_PIN=\"1234\"'"))
        #expect(
            try error(["suite", Self.suites[0], "--card", taro, "--ask", "AUTH_PIN"])
                == "Error: --ask AUTH_PIN needs a terminal to type into (standard input is not one); give the value with --let instead")
        let script = Oracle.file(Array("00200098 04 $AUTH_PN => 9000\n".utf8), name: "typo.apdu")
        #expect(
            try error(["run", script, "--card", taro]).hasSuffix(
                "typo.apdu:1:13: undefined variable 'AUTH_PN' (did you mean `AUTH_PIN`?): set it with `let`, a capture [AUTH_PN:N], `for` or `read-ef` before use"
            ))
        for message in [try error(["run", "/nonexistent/nosuch.apdu", "--card", taro])] {
            #expect(!message.contains("could not be completed") && !message.contains(":0:0"))
        }
    }

    /// `--ask` in a terminal: the prompt names the credential, the typed PIN is not echoed, and it
    /// overrides `--let`. (A pseudo-terminal driven by Python: the PIN is typed once the prompt shows.)
    @Test func askPromptsWithoutEchoInATerminal() throws {
        let typist = """
            import os, pty, sys
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            out = b""
            while b"): " not in out:
                out += os.read(fd, 1024)
            os.write(fd, b"1234\\n")
            while True:
                try:
                    chunk = os.read(fd, 1024)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            os.waitpid(pid, 0)
            sys.stdout.write(out.decode())
            """
        let script = Oracle.file(Array("00A4040C0AD392F000260100000001 => 9000\n00200098 04 $AUTH_PIN => 9000\n".utf8), name: "pin.apdu")
        let r = try Oracle.run(
            "/usr/bin/python3",
            [
                "-c", typist, Oracle.mynasim, "run", script, "--card", Fixtures.personas.appendingPathComponent("yamada-taro").path,
                "--let", "AUTH_PIN=30303030", "--ask", "AUTH_PIN", "--plain", "--report-dir", reports,
            ])
        #expect(r.stdout.hasPrefix("AUTH_PIN (利用者証明用電子証明書 暗証番号, the JPKI authentication PIN): "), "\(r.stdout)")
        #expect(r.stdout.contains("PASS pin") && !r.stdout.contains("1234"), "\(r.stdout)")
    }

    @Test func verboseRunsPrintEveryExchangeAsScriptorDoesAndPlainScriptsAlways() throws {
        let taro = Fixtures.personas.appendingPathComponent("yamada-taro").path
        let checked = Oracle.file(Array("00A4040C0AD392F000260100000001 => 9000\n00200098 => 63C3\n".utf8), name: "checked.apdu")
        let quiet = try mynasim(["run", checked, "--card", taro, "--plain", "--report-dir", reports])
        #expect(quiet.status == 0 && !quiet.stdout.contains("> 00 A4"))
        let verbose = try mynasim(["run", checked, "--card", taro, "-v", "--plain", "--report-dir", reports])
        #expect(
            verbose.stdout.contains(
                "> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\n< 90 00 : success\n> 00 20 00 98\n< 63 C3 : verification failed, 3 tries left"
            ))
        let old = try mynasim([
            "run", Fixtures.repositoryRoot.appendingPathComponent("vectors/scriptor/manpage-example.script").path, "--card", taro,
            "--plain",
            "--report-dir", reports,
        ])
        #expect(
            old.stdout.hasPrefix("> RESET\n< OK: 3B E0 00 FF 81 31 FE 45 14\n> A0 A4 00 00 02 3F 00\n< 6E 00 : class not supported\n"),
            "\(old.stdout)")
    }

    @Test func aMisspeltPersonaKeyIsAnErrorNamingTheKeyMeant() throws {
        let card = try Fixtures.copyOfPersona("yamada-taro")
        let yaml = card.appendingPathComponent("persona.yaml")
        try (try String(contentsOf: yaml, encoding: .utf8)).replacingOccurrences(of: "insurance:", with: "insurence:").write(
            to: yaml, atomically: true, encoding: .utf8)
        let r = try mynasim(["persona", "show", card.path])
        #expect(r.status != 0 && r.stderr.contains("persona.yaml:30:1: unknown key 'insurence' (did you mean `insurance`?)"), "\(r.stderr)")
    }

    @Test func factsAreCheckedBeforeAnyScenarioRuns() throws {
        func error(_ fact: String) throws -> String {
            let r = try mynasim([
                "client-check", "--profile", "qualification-check", "--scenario", "normal", "--fact", fact, "--report-dir", reports, "--",
                "true",
            ])
            #expect(r.status != 0)
            return r.stderr
        }
        #expect(try error("methd=pin").contains("--fact methd=pin: no rule or scenario uses the fact 'methd' (did you mean `method`?)"))
        #expect(
            try error("method=PIN").contains(
                "--fact method=PIN: 'PIN' is not a value of method (did you mean `pin`?); its values: pin, visual"))
    }
}

/// Failures of the system are said in the project's words: no system call names, no
/// "The operation could not be completed".
@Suite("Messages in words", .serialized)
struct MessageTests {
    /// A listening TCP socket on a free loopback port, and the port.
    func occupiedPort() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(bound)
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test func aPortInUseIsNamedWithoutSystemCallNames() throws {
        let (fd, port) = try occupiedPort()
        defer { close(fd) }
        let socketPath = Fixtures.temporaryDirectory("sock").appendingPathComponent("s.sock").path
        let serve = try Oracle.run(Oracle.mynasim, ["serve", "--socket", socketPath, "--tcp", "\(port)", "--slots", "1"])
        #expect(serve.status != 0)
        #expect(
            serve.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                == "Error: another process is listening on tcp:127.0.0.1:\(port); stop it or choose another address")
        let service = try Oracle.run(
            Oracle.mynasim, ["qualification-service", "--port", "\(port)", "--admin-token", "0123456789abcdef0123"])
        #expect(service.status != 0)
        #expect(service.stderr.contains("another process is listening on 127.0.0.1:\(port)"), "\(service.stderr)")
        for output in [serve.stderr, service.stderr] { #expect(!output.contains("bind(") && !output.contains("errno")) }
    }

    @Test func reportsThatCannotBeWrittenAreSaidWithThePath() throws {
        let blocker = Oracle.file([0x00], name: "not-a-directory")
        let r = try Oracle.run(
            Oracle.mynasim,
            [
                "run", Fixtures.repositoryRoot.appendingPathComponent("vectors/scriptor/manpage-example.script").path, "--card",
                Fixtures.personas.appendingPathComponent("yamada-taro").path, "--report-dir", blocker + "/reports",
            ])
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("Error: --report-dir \(blocker)/reports: the reports cannot be written: "), "\(r.stderr)")
        #expect(!r.stderr.contains("could not be completed") && !r.stderr.contains("Domain="))
    }
}

/// Every command's help, as a user reads it in an 80-column terminal.
@Suite("mynasim help texts")
struct HelpTextTests {
    /// The help of `words` and of every subcommand under it.
    func helps(_ words: [String]) throws -> [(command: String, text: String)] {
        let text = try Oracle.run(Oracle.mynasim, words + ["--help"]).stdout
        var found = [(command: (["mynasim"] + words).joined(separator: " "), text: text)]
        guard let section = text.range(of: "SUBCOMMANDS:\n") else { return found }
        // The list ends at its first blank line; a name starts in column 3, its abstract's later lines further in.
        let list = text[section.upperBound...].components(separatedBy: "\n\n")[0]
        for line in list.split(separator: "\n") where line.hasPrefix("  ") && !line.hasPrefix("   ") {
            guard let name = line.split(separator: " ").first, name != "help" else { continue }
            found += try helps(words + [String(name)])
        }
        return found
    }

    /// A paragraph's lines fill the width (ArgumentParser wraps it), instead of breaking where the
    /// source's lines break; examples are indented and fit on their lines.
    @Test func paragraphsFillTheLineAndExamplesFit() throws {
        let all = try helps([])
        #expect(all.count > 30)
        for (command, text) in all {
            let discussion = text.components(separatedBy: "\nUSAGE:")[0].components(separatedBy: "\n\n").dropFirst()
            for paragraph in discussion {
                // A line of prose followed by more prose was wrapped: it is nearly full.
                let lines = paragraph.split(separator: "\n")
                for (line, next) in zip(lines, lines.dropFirst()) where !line.hasPrefix(" ") && !next.hasPrefix(" ") {
                    #expect(line.count > 50, "\(command): a short line inside a paragraph: '\(line)'")
                }
                // An example is indented; prose after it in the same paragraph is the end of an example cut by the wrap.
                for (line, next) in zip(lines, lines.dropFirst()) where line.hasPrefix(" ") {
                    #expect(next.hasPrefix(" "), "\(command): an example longer than the terminal: '\(line)' '\(next)'")
                }
            }
        }
    }
}
