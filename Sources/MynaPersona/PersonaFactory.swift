import Foundation
import MynaApplications
import MynaCard
import Yams

/// Creates persona directories: fills in what the caller did not give, generates keys, issues
/// certificates from a test PKI and writes everything with safe permissions.
public enum PersonaFactory {
    /// What the caller may fix; everything nil is generated.
    public struct Options: Sendable {
        public var name: String?
        public var nameKana: String?
        public var address: String?
        public var prefectureRomaji: String?
        public var cityRomaji: String?
        public var birthDate: CalendarDate?
        public var sex: Persona.Sex?
        public var myNumber: String?
        public var municipalityCode: String?
        public var issued: CalendarDate?
        public var expiry: CalendarDate?
        public var securityCode: String?
        public var atr: CardATR = .jpki
        public var extendedLength = true
        public var faceAuthentication = false
        /// nil: a signature certificate unless the person is under 15 at issue.
        public var signatureCertificate: Bool?
        public var authPIN: String?
        public var signPassword: String?
        public var textPIN: String?
        public var residentPIN: String?
        public init() {}
    }

    /// Synthetic people: names that are common, but no real person is meant.
    static let sampleNames: [(String, String, Persona.Sex)] = [
        ("山田\u{3000}太郎", "ヤマダ\u{3000}タロウ", .male), ("佐藤\u{3000}花子", "サトウ\u{3000}ハナコ", .female),
        ("鈴木\u{3000}一郎", "スズキ\u{3000}イチロウ", .male), ("高橋\u{3000}美咲", "タカハシ\u{3000}ミサキ", .female),
        ("田中\u{3000}健太", "タナカ\u{3000}ケンタ", .male), ("伊藤\u{3000}さくら", "イトウ\u{3000}サクラ", .female),
    ]

    /// Builds a complete, valid persona from `options`.
    public static func persona<R: RandomNumberGenerator>(_ options: Options, today: CalendarDate, using rng: inout R) -> Persona {
        let sample = sampleNames.randomElement(using: &rng)!
        let birth =
            options.birthDate
            ?? CalendarDate(
                year: Int.random(in: 1950...2000, using: &rng), month: Int.random(in: 1...12, using: &rng),
                day: Int.random(in: 1...28, using: &rng))!
        let issued = options.issued ?? today
        let adult = birth.age(on: issued) >= 18
        func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) }) }
        func pin() -> String { digits(4) }
        let letters = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
        let password = String((0..<4).map { _ in letters.randomElement(using: &rng)! }) + digits(4)
        return Persona(
            name: options.name ?? sample.0,
            nameKana: options.nameKana ?? (options.name == nil ? sample.1 : ""),
            address: options.address ?? "東京都千代田区千代田１番１号",
            addressRomaji: .init(prefecture: options.prefectureRomaji ?? "Tokyo-to", city: options.cityRomaji ?? "Chiyoda-ku"),
            birthDate: birth,
            sex: options.sex ?? (options.name == nil ? sample.2 : .notApplicable),
            myNumber: options.myNumber ?? MyNumber.random(using: &rng),
            municipalityCode: options.municipalityCode ?? "13101",
            card: .init(
                issued: issued,
                expiry: options.expiry ?? birth.nthBirthday(adult ? 10 : 5, after: issued),
                securityCode: options.securityCode ?? digits(4),
                serialNumber: "4" + digits(14),
                atr: options.atr,
                extendedLength: options.extendedLength,
                faceAuthentication: options.faceAuthentication,
                signatureCertificate: options.signatureCertificate ?? (birth.age(on: issued) >= 15)
            ),
            credentials: .init(
                authPIN: options.authPIN ?? pin(), signPassword: options.signPassword ?? password,
                textPIN: options.textPIN ?? pin(), residentPIN: options.residentPIN ?? pin()
            )
        )
    }

    /// Writes a new persona directory at `directory` (which must not hold a persona yet), issuing
    /// its certificates from `pki`.
    @discardableResult
    public static func create<R: RandomNumberGenerator>(
        _ persona: Persona, at directory: URL, pki: TestPKI, renderer: (any CardFaceRenderer)? = nil, using rng: inout R
    ) throws(PersonaError) -> PersonaDirectory {
        let yamlURL = directory.appendingPathComponent(PersonaDirectory.FileName.persona)
        if let problem = persona.problems().first {
            throw .invalid(
                file: yamlURL.path, line: nil, column: nil, message: "\(problem.path.joined(separator: ".")): \(problem.message)")
        }
        guard !FileManager.default.fileExists(atPath: yamlURL.path) else {
            throw .cannotWrite(yamlURL.path, reason: "a persona already exists here; choose another --out directory")
        }
        // Find the image tools before anything is written, so a missing one leaves no half persona.
        let renderer = try resolve(renderer)
        try PEMFiles.makeDirectory(directory)
        func path(_ name: String) -> URL { directory.appendingPathComponent(name) }
        do {
            let authKey = try RSAPrivateKey.generate()
            let authCert = try CertificateIssuer.authenticationCertificate(
                for: persona, key: authKey,
                subjectID: CertificateIssuer.randomAuthenticationSubjectID(municipalityCode: persona.municipalityCode, using: &rng),
                pki: pki
            )
            try PEMFiles.writeKey(authKey, to: path(PersonaDirectory.FileName.authKey))
            try PEMFiles.writeCertificate(authCert, to: path(PersonaDirectory.FileName.authCertificate))
            if persona.card.hasSignatureCertificate {
                let signKey = try RSAPrivateKey.generate()
                let signCert = try CertificateIssuer.signatureCertificate(
                    for: persona, key: signKey,
                    subjectID: CertificateIssuer.signatureSubjectID(
                        issued: persona.card.issued, municipalityCode: persona.municipalityCode, using: &rng),
                    pki: pki
                )
                try PEMFiles.writeKey(signKey, to: path(PersonaDirectory.FileName.signKey))
                try PEMFiles.writeCertificate(signCert, to: path(PersonaDirectory.FileName.signCertificate))
            }
            try issueCardData(for: persona, at: directory, pki: pki, renderer: renderer)
            try PEMFiles.writeCertificate(pki.authentication.certificate, to: path(PersonaDirectory.FileName.authCA))
            try PEMFiles.writeCertificate(pki.signature.certificate, to: path(PersonaDirectory.FileName.signCA))
        } catch let error as PersonaError {
            throw error
        } catch {
            throw .cannotWrite(
                directory.path,
                reason: FileProblem.describe(error).map { "issuing the card failed: \($0)" }
                    ?? "issuing the card's keys and certificates failed")
        }
        try PEMFiles.writeText(try yaml(for: persona), to: yamlURL, mode: 0o644)
        return try PersonaDirectory(url: directory)
    }

    /// Creates the card keys the 券面 and 共通 APs need (if missing), renders the card-face images
    /// and signs the 券面 AP data with the test PKI's CV issuers (`issuer-data.json`).
    static func issueCardData(for persona: Persona, at directory: URL, pki: TestPKI, renderer: any CardFaceRenderer) throws(PersonaError) {
        func key(_ name: String) throws(PersonaError) -> RSAPrivateKey {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { return try PEMFiles.readKey(url) }
            let key: RSAPrivateKey
            do { key = try RSAPrivateKey.generate() } catch { throw .cannotWrite(url.path, reason: "generating an RSA-2048 key failed") }
            try PEMFiles.writeKey(key, to: url)
            return key
        }
        let textCardKey = try key(PersonaDirectory.FileName.cardKey)
        let visualCardKey = try key(PersonaDirectory.FileName.visualCardKey)
        _ = try key(PersonaDirectory.FileName.commonKey)
        let images = try renderer.render(persona)
        try images.write(to: directory)
        let issued: IssuerData
        do {
            issued = try IssuerData.issue(for: persona, textCardKey: textCardKey, visualCardKey: visualCardKey, images: images, pki: pki)
        } catch {
            throw .cannotWrite(directory.appendingPathComponent(IssuerData.fileName).path, reason: "signing the 券面 AP data failed")
        }
        try issued.write(to: directory.appendingPathComponent(IssuerData.fileName))
    }

    /// The given renderer, or ImageMagick.
    static func resolve(_ renderer: (any CardFaceRenderer)?) throws(PersonaError) -> any CardFaceRenderer {
        if let renderer { return renderer }
        return try ImageMagickRenderer.locate()
    }

    /// Re-renders and re-signs an existing persona's 券面 AP data (after editing persona.yaml, or for
    /// a persona made before those APs existed). X.509 certificates are left as they are.
    public static func reissue(at directory: URL, pki: TestPKI, renderer: (any CardFaceRenderer)? = nil) throws(PersonaError)
        -> PersonaDirectory
    {
        let document = try YAMLDocument<Persona>(url: directory.appendingPathComponent(PersonaDirectory.FileName.persona))
        if let problem = document.value.problems().first { throw document.problem(at: problem.path, problem.message) }
        try issueCardData(for: document.value, at: directory, pki: pki, renderer: try resolve(renderer))
        return try PersonaDirectory(url: directory)
    }

    /// The persona as commented YAML (Japanese kept as UTF-8).
    public static func yaml(for persona: Persona) throws(PersonaError) -> String {
        let encoder = YAMLEncoder()
        encoder.options.allowUnicode = true
        encoder.options.sortKeys = false
        do {
            return """
                # mynasim persona: a synthetic test person and their My Number card.
                # TEST DATA ONLY. The credentials below are stored in clear on purpose.
                # Change values freely; keys and certificates beside this file were issued from
                # them (re-create the persona to re-issue certificates after changing the name,
                # address, birth date or issue date).

                """ + (try encoder.encode(persona))
        } catch {
            throw .cannotWrite(PersonaDirectory.FileName.persona, reason: "the persona could not be written as YAML")
        }
    }
}
