import ArgumentParser
import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaClient
import MynaPersona
import PCSC
import VirtualReader

/// `mynasim read`: the reference client. Reads and verifies what a card carries.
struct ReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read a card: certificates, retry counters, My Number, attributes and card face, and verify every signature.",
        discussion: HelpText.paragraphs(
            """
            Without a credential nothing costs a try. With --text-pin (or 照合番号A/B) the text AP is
            read and its integrity record verified against the CV root; with 照合番号A/B the card face
            (券面事項確認AP) is read too, and with --birth-date-key its age record. A credential is
            never sent when only one try is left, unless --force. --ask prompts for the text PIN
            without echo. --photo and --images write the card-face images to files.
            """)
    )
    @OptionGroup var source: CardSourceOptions
    @Option(
        name: .long,
        help:
            "Trust anchors: a directory with auth-ca.pem, sign-ca.pem, cv-root.pub.pem (default: <card>/../test-pki with --card, else the shipped test PKI)."
    )
    var roots: String?
    @Option(name: .long, help: "券面事項入力補助用 PIN (4 digits).") var textPin: String?
    @Option(name: .long, help: "照合番号A (the 12-digit My Number).") var verificationA: String?
    @Option(name: .long, help: "照合番号B (14 digits).") var verificationB: String?
    @Option(name: .long, help: "署名用 password, to read the signature certificate.") var signPassword: String?
    @Option(name: .long, help: "券面事項確認AP 生年月日 key: the birth date as Japanese-era YYMMDD.") var birthDateKey: String?
    @Option(name: .long, help: "Write the face photo (greyscale JPEG 2000, JP2) to FILE.") var photo: String?
    @Option(name: .long, help: "Write every card-face image into DIR.") var images: String?
    @Flag(name: .long, help: "Prompt for the text PIN without echo.") var ask = false
    @Flag(name: .long, help: "Send a credential even when only one try is left.") var force = false
    @Flag(name: .long, help: "Print JSON for machines.") var json = false
    @Option(name: .long, help: "With --reader: wait this many seconds for a card (default: none).") var wait: Double = 0

    func run() throws {
        var credentials = ReadCredentials()
        credentials.textPIN = textPin
        if ask, textPin == nil, let entered = getpass("券面事項入力補助用暗証番号 (text PIN): ") {
            credentials.textPIN = String(cString: entered)
        }
        credentials.verificationNumberA = verificationA
        credentials.verificationNumberB = verificationB
        credentials.signPassword = signPassword
        credentials.birthDateKey = birthDateKey
        credentials.force = force
        // With --card, the persona's card keeps its state (as with `apdu`) and its set's test PKI is
        // the default trust anchor.
        var roots = roots.map { URL(fileURLWithPath: $0) }
        if roots == nil, case .persona(let url) = source.source {
            roots = url.standardizedFileURL.deletingLastPathComponent().appendingPathComponent("test-pki")
        } else if roots == nil, case .reader = source.source {
            roots = Installation.current.find(.testPKI)?.url
        }
        let anchors = try roots.map { try TrustAnchors(directory: $0) }
        let card = try ClientCard(source.source, wait: wait)
        let report = try Self.read(card.channel, anchors: anchors, credentials)
        try writeImages(report.cardFace)
        if json {
            try JSONOutput.print(report)
        } else {
            print(Self.text(report))
        }
        if !report.allVerified { throw ExitCode(2) }
    }

    static func read<C: CardChannel>(_ channel: C, anchors: TrustAnchors?, _ credentials: ReadCredentials) throws -> CardReport {
        var reader = CardReader(channel: channel, anchors: anchors)
        return try reader.read(credentials)
    }

    func writeImages(_ face: CardReport.CardFace?) throws {
        guard photo != nil || images != nil else { return }
        guard let face, !face.imageFiles.isEmpty else {
            throw CLIError("no card-face images were read; give --verification-a or --verification-b to open the card face")
        }
        if let photo, let bytes = face.imageFiles["photo"] {
            guard FileManager.default.createFile(atPath: photo, contents: Data(bytes)) else {
                throw CLIError("\(photo): cannot write the photo")
            }
        }
        if let images {
            try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)
            for (name, bytes) in face.imageFiles {
                let path = URL(fileURLWithPath: images).appendingPathComponent(name + (name == "photo" ? ".jp2" : ".png")).path
                guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw CLIError("\(path): cannot write") }
            }
        }
    }

    static func text(_ r: CardReport) -> String {
        var lines = ["ATR \(r.atr)", "token \(r.tokenLabel ?? "-")"]
        for c in r.certificates { lines.append("EF \(c.ef) \(c.role): \(c.subject) (issuer \(c.issuer), until \(c.notValidAfter))") }
        if let n = r.myNumber { lines.append("個人番号 (My Number): \(n)") }
        if let a = r.attributes {
            lines += ["氏名: \(a.name)", "住所: \(a.address)", "生年月日: \(a.birthDate)", "性別: \(a.sex)"]
        }
        if let f = r.cardFace {
            lines.append(
                "券面 (card face): 生年月日 \(f.birthDate), 性別 \(f.sex), 有効期限 \(f.expiry)"
                    + (f.ageRecordBirthDate.map { ", age record \($0)" } ?? ""))
            lines += f.images.sorted { $0.key < $1.key }.map { "  image \($0.key): \($0.value)" }
        }
        if let c = r.commonRecord { lines.append("共通AP: serial \(c.serialNumber), municipality \(c.municipalityCode), expiry \(c.expiry)") }
        lines.append("retry counters:")
        lines += r.triesLeft.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)" }
        lines.append("checks:")
        lines += r.checks.map { "  \($0.passed ? "OK  " : "FAIL") \($0.what)" }
        lines += r.notes.map { "note: \($0)" }
        return lines.joined(separator: "\n")
    }
}
