import Foundation
import MynaApplications
import MynaCard
import MynaPersona
import TestSupport
import Testing

@Suite("Persona rules")
struct PersonaRuleTests {
    @Test func myNumberCheckDigit() {
        #expect(MyNumber.problem(with: "123456789018") == nil)
        #expect(MyNumber.problem(with: "123456789017")?.contains("expected 8") == true)
        #expect(MyNumber.problem(with: "12345678901") != nil)
        #expect(MyNumber.problem(with: "12345678901A") != nil)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<100 { #expect(MyNumber.problem(with: MyNumber.random(using: &rng)) == nil) }
    }

    @Test func certificateExpiryIsTheFifthBirthdayAfterIssue() {
        let born = CalendarDate("1980-02-17")!
        // card reference §jpki-end-entity-certificates example
        #expect(born.nthBirthday(5, after: CalendarDate("2025-10-27")!) == CalendarDate("2030-02-17")!)
        #expect(born.nthBirthday(5, after: CalendarDate("2025-02-17")!) == CalendarDate("2030-02-17")!)  // issued on the birthday
        #expect(born.nthBirthday(5, after: CalendarDate("2025-02-16")!) == CalendarDate("2029-02-17")!)
        let leap = CalendarDate("2000-02-29")!
        #expect(leap.nthBirthday(1, after: CalendarDate("2026-01-01")!) == CalendarDate("2026-02-28")!)
        #expect(CalendarDate("2029-02-17")!.endOfDayInJapan.timeIntervalSince1970 == 1_866_034_799)  // 2029-02-17T14:59:59Z
    }

    @Test func verificationNumberBUsesTheJapaneseEra() throws {
        // card reference §verification-number-b: born 1980-02-17 (昭和55), expiry 2035, security code 2285.
        let taro = try Fixtures.persona("yamada-taro").persona
        #expect(taro.verificationNumberB == "55021720352285")
        // Heisei: born 1990-05-03 = 平成2年.
        let hanako = try Fixtures.persona("sato-hanako").persona
        #expect(hanako.birthDate.japaneseEra.era == .heisei)
        #expect(hanako.verificationNumberB == "020503" + String(hanako.card.expiry.year) + hanako.card.securityCode)
        #expect(CalendarDate("1989-01-07")!.japaneseEra.era == .showa)
        #expect(CalendarDate("1989-01-08")!.japaneseEra == (.heisei, 1))
        #expect(CalendarDate("2019-05-01")!.japaneseEra == (.reiwa, 1))
    }
}

@Suite("Persona files")
struct PersonaFileTests {
    func writePersona(_ edit: (String) -> String) throws -> URL {
        let url = try Fixtures.copyOfPersona("yamada-taro")
        let yaml = url.appendingPathComponent("persona.yaml")
        try edit(try String(contentsOf: yaml, encoding: .utf8)).write(to: yaml, atomically: true, encoding: .utf8)
        return url
    }

    func lineOf(_ needle: String, in url: URL) throws -> Int {
        let lines = try String(contentsOf: url.appendingPathComponent("persona.yaml"), encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        return lines.firstIndex { $0.contains(needle) }! + 1
    }

    func loadError(_ url: URL) -> String {
        do {
            _ = try PersonaDirectory(url: url)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func anInvalidMyNumberNamesFileLineAndFix() throws {
        let url = try writePersona { $0.replacingOccurrences(of: "'123456789018'", with: "'123456789011'") }
        let line = try lineOf("myNumber", in: url)
        let message = loadError(url)
        #expect(message.hasPrefix(url.appendingPathComponent("persona.yaml").path + ":\(line):"), "\(message)")
        #expect(message.contains("expected 8"))
    }

    @Test func badDatesTypesAndMissingKeysAreLocated() throws {
        let badDate = try writePersona { $0.replacingOccurrences(of: "birthDate: '1980-02-17'", with: "birthDate: '1980-02-30'") }
        #expect(loadError(badDate).contains(":\(try lineOf("birthDate", in: badDate)):"))
        #expect(loadError(badDate).contains("is not a date"))

        let badSex = try writePersona { $0.replacingOccurrences(of: "sex: male", with: "sex: robot") }
        #expect(loadError(badSex).contains(":\(try lineOf("sex:", in: badSex)):"))

        let missing = try writePersona { $0.replacingOccurrences(of: "  securityCode: '2285'\n", with: "") }
        #expect(loadError(missing).contains("missing key 'securityCode'"))

        let pin = try writePersona { $0.replacingOccurrences(of: "authPIN: '1234'", with: "authPIN: '12345'") }
        #expect(loadError(pin).contains(":\(try lineOf("authPIN", in: pin)):"))
        #expect(loadError(pin).contains("4 digits"))

        let syntax = try writePersona { $0.replacingOccurrences(of: "sex: male", with: "sex: [male") }
        #expect(loadError(syntax).contains("YAML syntax"))
        #expect(loadError(syntax).contains("persona.yaml:"))
    }

    /// A misspelt key would be ignored silently (the patient has no qualification): it is an
    /// error at its line and column naming the key meant, at any depth.
    @Test func unknownKeysAreErrorsNamingTheNearestValidKey() throws {
        let misspelt = try writePersona { $0.replacingOccurrences(of: "insurance:", with: "insurence:") }
        let yaml = misspelt.appendingPathComponent("persona.yaml").path
        #expect(
            loadError(misspelt)
                == "\(yaml):\(try lineOf("insurence:", in: misspelt)):1: unknown key 'insurence' (did you mean `insurance`?)")
        let nested = try writePersona { $0.replacingOccurrences(of: "  extendedLength: true", with: "  extendedLenght: true") }
        #expect(
            loadError(nested)
                == "\(nested.appendingPathComponent("persona.yaml").path):\(try lineOf("extendedLenght", in: nested)):3: card: unknown key "
                + "'extendedLenght' (did you mean `extendedLength`?)")
        let stray = try writePersona { $0 + "favouriteColour: blue\n" }
        #expect(loadError(stray).contains("unknown key 'favouriteColour'; the keys here are address, addressRomaji, birthDate, card,"))
        // A misspelt required key is named as the unknown one, not as a missing one.
        let swapped = try writePersona { $0.replacingOccurrences(of: "nameKana:", with: "nmaeKana:") }
        #expect(loadError(swapped).hasSuffix("unknown key 'nmaeKana' (did you mean `nameKana`?)"))
    }

    @Test func enumerationValuesAndTypesAreSaidInWords() throws {
        let sex = try writePersona { $0.replacingOccurrences(of: "sex: male", with: "sex: mael") }
        #expect(
            loadError(sex).hasSuffix(":\(try lineOf("sex:", in: sex)):6: sex: 'mael' is not one of male, female, notApplicable, unknown"))
        let atr = try writePersona { $0.replacingOccurrences(of: "atr: jpki", with: "atr: jpki-9") }
        #expect(loadError(atr).contains("card.atr: 'jpki-9' is not one of jpki, jpki-02, jpki-03"))
        let relationship = try writePersona { $0.replacingOccurrences(of: "relationship: insured", with: "relationship: self") }
        #expect(loadError(relationship).contains("insurance.relationship: 'self' is not one of insured, dependant"))
        let flag = try writePersona { $0.replacingOccurrences(of: "extendedLength: true", with: "extendedLength: sometimes") }
        #expect(loadError(flag).hasSuffix("card.extendedLength: expected true or false, got 'sometimes'"))
        let ratio = try writePersona { $0.replacingOccurrences(of: "copayRatio: 30", with: "copayRatio: thirty") }
        #expect(loadError(ratio).hasSuffix("insurance.copayRatio: expected a whole number, got 'thirty'"))
        let shape = try writePersona {
            $0.replacingOccurrences(of: "addressRomaji:\n  prefecture: Tokyo-to\n  city: Kiyose-shi", with: "addressRomaji: Tokyo")
        }
        #expect(loadError(shape).hasSuffix("addressRomaji: expected a mapping (key: value lines), got 'Tokyo'"))
        for message in [loadError(sex), loadError(flag), loadError(ratio)] {
            #expect(!message.contains("Cannot initialize") && !message.contains("Swift.") && !message.contains("Expected to decode"))
        }
    }

    @Test func missingFilesAndMismatchedKeysAreNamed() throws {
        let url = try Fixtures.copyOfPersona("yamada-taro")
        try FileManager.default.removeItem(at: url.appendingPathComponent("sign.pem"))
        #expect(loadError(url).contains("sign.pem"))
        // Swap in another persona's key: the certificate no longer matches.
        try FileManager.default.copyItem(
            at: Fixtures.personas.appendingPathComponent("yamada-taro/sign.pem"), to: url.appendingPathComponent("sign.pem"))
        try FileManager.default.removeItem(at: url.appendingPathComponent("auth.key.pem"))
        try FileManager.default.copyItem(
            at: Fixtures.personas.appendingPathComponent("sato-hanako/auth.key.pem"), to: url.appendingPathComponent("auth.key.pem"))
        #expect(loadError(url).contains("does not match"))
        #expect(loadError(Fixtures.temporaryDirectory()).contains("mynasim persona new"))
    }

    @Test func newPersonaFilesAndPermissions() throws {
        let root = Fixtures.temporaryDirectory("new")
        var options = PersonaFactory.Options()
        options.birthDate = CalendarDate("2016-06-01")
        var rng = SystemRandomNumberGenerator()
        let today = CalendarDate("2026-11-25")!
        let persona = PersonaFactory.persona(options, today: today, using: &rng)
        #expect(!persona.card.signatureCertificate)  // under 15 at issue
        #expect(persona.card.expiry == CalendarDate("2031-06-01"))  // minors: 5th birthday
        let (pki, created) = try TestPKI.loadOrCreate(at: root.appendingPathComponent("test-pki"), start: today)
        #expect(created)
        let directory = try PersonaFactory.create(persona, at: root.appendingPathComponent("child"), pki: pki, using: &rng)
        #expect(directory.signCertificate == nil)
        for key in ["test-pki/auth-ca.key.pem", "test-pki/sign-ca.key.pem", "child/auth.key.pem"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(key).path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(key)")
        }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("child/sign.key.pem").path))
        // Creating over an existing persona is refused.
        #expect(throws: PersonaError.self) {
            try PersonaFactory.create(persona, at: root.appendingPathComponent("child"), pki: pki, using: &rng)
        }
        // The YAML round-trips, Japanese kept readable.
        let yaml = try String(contentsOf: root.appendingPathComponent("child/persona.yaml"), encoding: .utf8)
        #expect(yaml.contains(persona.name))
        #expect(try PersonaDirectory(url: root.appendingPathComponent("child")).persona == persona)
    }
}
