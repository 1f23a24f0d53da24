import ArgumentParser
import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona

/// `mynasim persona …`: create and inspect test personas.
struct PersonaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persona",
        abstract: "Create and show test personas (a person, their card and its test PKI).",
        subcommands: [New.self, Show.self, Reissue.self]
    )

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a persona directory with keys and certificates from a test PKI.",
            discussion: HelpText.paragraphs(
                """
                Every field not given is generated (a valid My Number, random PINs, expiry per the
                card rules). The test PKI is shared by a persona set: by default DIR/../test-pki,
                created on first use. The new credentials are printed.
                """)
        )

        @Option(name: .long, help: "Directory to create the persona in.") var out: String
        @Option(name: .long, help: "Test PKI directory (default: <out>/../test-pki).") var pki: String?
        @Option(name: .long, help: "氏名: family and given name separated by a full-width space (U+3000).") var name: String?
        @Option(name: .long, help: "Kana reading of the name.") var kana: String?
        @Option(name: .long, help: "住所 as printed on the card.") var address: String?
        @Option(name: .long, help: "Prefecture in romaji for the signature certificate (e.g. Tokyo-to).") var prefectureRomaji: String?
        @Option(name: .long, help: "City in romaji for the signature certificate (e.g. Chiyoda-ku).") var cityRomaji: String?
        @Option(name: .long, help: "Birth date YYYY-MM-DD.") var birthDate: String?
        @Option(name: .long, help: "male, female, notApplicable or unknown.") var sex: String?
        @Option(name: .long, help: "12-digit My Number with a valid check digit.") var myNumber: String?
        @Option(name: .long, help: "5-digit municipality code.") var municipalityCode: String?
        @Option(name: .long, help: "Issue date YYYY-MM-DD (default: today in Japan).") var issued: String?
        @Option(name: .long, help: "Card expiry YYYY-MM-DD.") var expiry: String?
        @Option(name: .long, help: "4-digit security code.") var securityCode: String?
        @Option(name: .long, help: "ATR variant: \(CardATR.allCases.map(\.rawValue).joined(separator: ", ")).") var atr: String = CardATR
            .jpki.rawValue
        @Flag(name: .long, help: "A short-only card: extended-length APDUs answer 6700.") var shortOnly = false
        @Flag(name: .long, help: "A face-authentication card: no PINs set, no signature certificate.") var faceAuth = false
        @Flag(name: .long, inversion: .prefixedNo, help: "Issue a signature certificate (default: if 15 or older at issue).")
        var signatureCertificate: Bool?
        @Option(name: .long, help: "利用者証明用 PIN (4 digits).") var authPin: String?
        @Option(name: .long, help: "署名用 password (6–16 of A–Z, 0–9).") var signPin: String?
        @Option(name: .long, help: "券面事項入力補助用 PIN (4 digits).") var textPin: String?
        @Option(name: .long, help: "住民基本台帳用 PIN (4 digits).") var residentPin: String?

        func date(_ text: String?, _ flag: String) throws -> CalendarDate? {
            guard let text else { return nil }
            guard let date = CalendarDate(text) else { throw ValidationError("--\(flag): '\(text)' is not a date YYYY-MM-DD") }
            return date
        }

        func run() throws {
            var options = PersonaFactory.Options()
            options.name = name
            options.nameKana = kana
            options.address = address
            options.prefectureRomaji = prefectureRomaji
            options.cityRomaji = cityRomaji
            options.birthDate = try date(birthDate, "birth-date")
            if let sex {
                guard let value = Persona.Sex(rawValue: sex) else {
                    throw ValidationError("--sex: '\(sex)' is not one of \(Persona.Sex.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                options.sex = value
            }
            options.myNumber = myNumber
            options.municipalityCode = municipalityCode
            options.issued = try date(issued, "issued")
            options.expiry = try date(expiry, "expiry")
            options.securityCode = securityCode
            guard let atrValue = CardATR(rawValue: atr) else {
                throw ValidationError("--atr: '\(atr)' is not one of \(CardATR.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.atr = atrValue
            options.extendedLength = !shortOnly
            options.faceAuthentication = faceAuth
            options.signatureCertificate = signatureCertificate
            options.authPIN = authPin
            options.signPassword = signPin
            options.textPIN = textPin
            options.residentPIN = residentPin

            let outURL = URL(fileURLWithPath: out).standardizedFileURL
            let pkiURL =
                pki.map { URL(fileURLWithPath: $0).standardizedFileURL }
                ?? outURL.deletingLastPathComponent().appendingPathComponent("test-pki")
            var rng = SystemRandomNumberGenerator()
            let today = CalendarDate.todayInJapan()
            let persona = PersonaFactory.persona(options, today: today, using: &rng)
            let (testPKI, created) = try TestPKI.loadOrCreate(at: pkiURL, start: today)
            let directory = try PersonaFactory.create(persona, at: outURL, pki: testPKI, using: &rng)
            if created { print("Created test PKI in \(pkiURL.path)") }
            print("Created persona in \(directory.url.path)")
            print(PersonaReport.credentials(directory.persona))
        }
    }

    struct Reissue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-render and re-sign a persona's 券面 AP data (after editing persona.yaml, or for an older persona).",
            discussion:
                "Creates missing card keys, renders the card-face images (ImageMagick, IPA Gothic) and writes issuer-data.json from the test PKI. X.509 certificates are not re-issued."
        )
        @Argument(help: "Persona directory.") var directory: String
        @Option(name: .long, help: "Test PKI directory (default: <directory>/../test-pki).") var pki: String?

        func run() throws {
            let url = URL(fileURLWithPath: directory).standardizedFileURL
            let pkiURL =
                pki.map { URL(fileURLWithPath: $0).standardizedFileURL }
                ?? url.deletingLastPathComponent().appendingPathComponent("test-pki")
            let testPKI = try TestPKI.load(from: pkiURL)
            let persona = try PersonaFactory.reissue(at: url, pki: testPKI)
            print("Re-issued the 券面 AP data of \(persona.url.path) from \(pkiURL.path)")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a persona for a person (or as JSON).")
        @Argument(help: "Persona directory.") var directory: String
        @Flag(name: .long, help: "Print JSON for machines.") var json = false

        func run() throws {
            let persona = try PersonaDirectory(url: URL(fileURLWithPath: directory))
            let state = try FileCardStateStore(url: persona.stateURL).load()
            if json {
                print(try PersonaReport.json(persona, state: state))
            } else {
                print(PersonaReport.text(persona, state: state))
            }
        }
    }
}
