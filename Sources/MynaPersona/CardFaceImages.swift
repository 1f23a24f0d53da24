import Crypto
import Foundation
import MynaApplications
import MynaCard

/// The images the 券面事項確認AP (card-face AP, "visual AP") carries (card reference §visual-formats): the name, address,
/// security code and My Number as 1-bit PNG rendered from the persona's text, and a synthetic face
/// photo as greyscale JPEG 2000 in a JP2 container. They live beside `persona.yaml` so a persona
/// directory loads without any image tool; only issuing them needs one (`CardFaceRenderer`).
public struct CardFaceImages: Hashable, Sendable {
    /// 氏名 (EF 0002 `DF 25`), 1-bit PNG.
    public var name: [UInt8]
    /// 住所 (EF 0002 `DF 26`), 1-bit PNG.
    public var address: [UInt8]
    /// 顔写真 (EF 0002 `DF 27`), greyscale JP2.
    public var photo: [UInt8]
    /// セキュリティコード (EF 0002 `DF 2A`), 1-bit PNG about 24×12.
    public var securityCode: [UInt8]
    /// 個人番号 (EF 0005 `DF 41`), 1-bit PNG about 72×12.
    public var myNumber: [UInt8]

    public init(name: [UInt8], address: [UInt8], photo: [UInt8], securityCode: [UInt8], myNumber: [UInt8]) {
        self.name = name
        self.address = address
        self.photo = photo
        self.securityCode = securityCode
        self.myNumber = myNumber
    }

    /// File names in a persona directory, in the order of `allFiles`.
    public enum FileName {
        public static let name = "face-name.png"
        public static let address = "face-address.png"
        public static let photo = "face-photo.jp2"
        public static let securityCode = "face-security-code.png"
        public static let myNumber = "face-my-number.png"
        static let all = [name, address, photo, securityCode, myNumber]
    }

    var allFiles: [[UInt8]] { [name, address, photo, securityCode, myNumber] }

    /// Loads the images of a persona directory.
    public static func load(from directory: URL, reissueHint: String) throws(PersonaError) -> CardFaceImages {
        var contents: [[UInt8]] = []
        for name in FileName.all {
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw .missingFile(url.path, reason: "missing (a persona from before the 券面事項確認AP); \(reissueHint)")
            }
            contents.append(Array(data))
        }
        return CardFaceImages(name: contents[0], address: contents[1], photo: contents[2], securityCode: contents[3], myNumber: contents[4])
    }

    /// Writes the images into a persona directory (0644, durably).
    public func write(to directory: URL) throws(PersonaError) {
        for (name, bytes) in zip(FileName.all, allFiles) {
            let url = directory.appendingPathComponent(name)
            do { try DurableFile.write(Data(bytes), to: url, mode: 0o644) } catch {
                throw .cannotWrite(url.path, reason: error.description)
            }
        }
    }

    /// The PNG signature and a JP2 container's signature box.
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let jp2Signature: [UInt8] = [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]
}

/// Renders a persona's card-face images. A protocol so another tool can stand in for ImageMagick.
public protocol CardFaceRenderer: Sendable {
    func render(_ persona: Persona) throws(PersonaError) -> CardFaceImages
}

/// Renders with ImageMagick's `convert` (Debian `imagemagick`; JPEG 2000 through its OpenJPEG coder)
/// and the IPA Gothic font (Debian `fonts-ipafont-gothic`). `MYNASIM_CONVERT` and `MYNASIM_FONT`
/// name other paths. The face is drawn from shapes seeded by the card's serial number: synthetic,
/// never a real person.
public struct ImageMagickRenderer: CardFaceRenderer {
    public var convert: String
    public var font: String

    static let install = "install them with `sudo apt-get install imagemagick fonts-ipafont-gothic` (or run `make deps`)"
    public static let fontCandidates = [
        "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
        "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ]

    public init(convert: String, font: String) {
        self.convert = convert
        self.font = font
    }

    /// Finds ImageMagick and a Japanese font, or says which package is missing. `standardConvert`
    /// and `standardFonts` are where Debian installs them.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        standardConvert: String = "/usr/bin/convert", standardFonts: [String] = fontCandidates
    ) throws(PersonaError) -> ImageMagickRenderer {
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/convert" }
        let candidates = [environment["MYNASIM_CONVERT"], standardConvert].compactMap { $0 } + path
        // A `convert` that is not ImageMagick (e.g. a stand-in script) does not count.
        guard let convert = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) && isImageMagick($0) }) else {
            throw .missingTool("ImageMagick `convert`", reason: "needed to render the 券面事項確認AP images; \(install)")
        }
        let fonts = [environment["MYNASIM_FONT"]].compactMap { $0 } + standardFonts
        guard let font = fonts.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw .missingTool("a Japanese font (IPA Gothic)", reason: "needed to render names and addresses; \(install)")
        }
        return ImageMagickRenderer(convert: convert, font: font)
    }

    static func isImageMagick(_ path: String) -> Bool {
        (try? run(path, ["-version"]))?.contains("ImageMagick") ?? false
    }

    public func render(_ persona: Persona) throws(PersonaError) -> CardFaceImages {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mynasim-face-\(UUID().uuidString)")
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw .cannotWrite(directory.path, reason: FileProblem.writing(directory.path, error))
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        func produce(_ file: String, _ arguments: [String], signature: [UInt8]) throws(PersonaError) -> [UInt8] {
            let url = directory.appendingPathComponent(file)
            do { _ = try Self.run(convert, arguments + [url.path]) } catch {
                let why = (error as? PersonaError).map { "\($0)" } ?? FileProblem.describe(error) ?? "it could not be started"
                throw .missingTool("ImageMagick `convert` (\(convert))", reason: "rendering \(file) failed: \(why); \(Self.install)")
            }
            guard let data = FileManager.default.contents(atPath: url.path), data.starts(with: signature) else {
                throw .missingTool(
                    "ImageMagick `convert` (\(convert))",
                    reason: "did not write a valid \(file) (is its JPEG 2000 coder installed?); \(Self.install)")
            }
            return Array(data)
        }
        let png = CardFaceImages.pngSignature
        return CardFaceImages(
            name: try produce("name.png", text(persona.name, width: 384, height: 40, points: 26), signature: png),
            address: try produce(
                "address.png", text(Self.wrap(persona.address, columns: 19, lines: 4), width: 384, height: 96, points: 20), signature: png),
            photo: try produce(
                "photo.jp2", face(seed: persona.card.serialNumber + persona.myNumber, sex: persona.sex),
                signature: CardFaceImages.jp2Signature),
            securityCode: try produce(
                "security-code.png", text(persona.card.securityCode, width: 24, height: 12, points: nil), signature: png),
            myNumber: try produce("my-number.png", text(persona.myNumber, width: 72, height: 12, points: nil), signature: png)
        )
    }

    /// Arguments for black text on white as a 1-bit greyscale PNG without timestamps.
    func text(_ text: String, width: Int, height: Int, points: Int?) -> [String] {
        ["-size", "\(width)x\(height)", "-background", "white", "-fill", "black", "-font", font]
            + (points.map { ["-pointsize", "\($0)", "-gravity", "northwest"] } ?? ["-gravity", "center"])
            + [
                "label:\(text)", "-monochrome", "-strip", "-define", "png:bit-depth=1", "-define", "png:color-type=0",
                "-define", "png:exclude-chunks=date,time",
            ]
    }

    /// Breaks `text` into lines of at most `columns` characters (full-width text has no spaces to break at).
    static func wrap(_ text: String, columns: Int, lines: Int) -> String {
        var rows: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty, rows.count < lines {
            rows.append(String(rest.prefix(columns)))
            rest = rest.dropFirst(columns)
        }
        return rows.joined(separator: "\n")
    }

    /// Arguments drawing a 180×240 greyscale head-and-shoulders figure, varied by `seed`, as JP2.
    func face(seed: String, sex: Persona.Sex) -> [String] {
        let b = Array(SHA256.hash(data: Array(seed.utf8)))
        func pick(_ i: Int, _ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(b[i]) % (range.count) }
        let faceWidth = pick(0, 40...50)
        let faceHeight = pick(1, 52...62)
        let skin = pick(2, 0xC8...0xE0)
        let hair = pick(3, 0x20...0x60)
        let background = pick(4, 0xD8...0xF0)
        let eyeSpread = pick(5, 15...22)
        let eyeY = pick(6, 108...116)
        let smile = pick(7, 0...2)
        let longHair = sex == .female || b[8] & 1 == 1
        func grey(_ v: Int) -> String { String(format: "#%02x%02x%02x", v, v, v) }
        var draw: [String] = [
            "-size", "180x240", "gradient:\(grey(background))-\(grey(background - 0x24))",
            "-fill", grey(hair),
        ]
        if longHair { draw += ["-draw", "roundrectangle \(90 - faceWidth - 10),70 \(90 + faceWidth + 10),\(150 + pick(9, 0...30)) 20,20"] }
        draw += [
            "-fill", "#9a9a9a", "-draw", "ellipse 90,262 82,62 180,360",
            "-fill", grey(skin - 8), "-draw", "rectangle 78,150 102,205",
            "-fill", grey(skin), "-draw", "ellipse 90,118 \(faceWidth),\(faceHeight) 0,360",
            "-draw", "ellipse \(90 - faceWidth - 2),120 7,12 0,360", "-draw", "ellipse \(90 + faceWidth + 2),120 7,12 0,360",
            "-fill", grey(hair), "-draw", "ellipse 90,\(118 - faceHeight + 26) \(faceWidth + 4),34 180,360",
            "-fill", "#2a2a2a", "-draw", "ellipse \(90 - eyeSpread),\(eyeY) 6,3 0,360", "-draw",
            "ellipse \(90 + eyeSpread),\(eyeY) 6,3 0,360",
            "-stroke", "#555555", "-strokewidth", "2",
            "-draw", "line \(90 - eyeSpread - 7),\(eyeY - 10) \(90 - eyeSpread + 7),\(eyeY - 12)",
            "-draw", "line \(90 + eyeSpread - 7),\(eyeY - 12) \(90 + eyeSpread + 7),\(eyeY - 10)",
            "-stroke", "#8a8a8a", "-draw", "line 90,\(eyeY + 4) 86,\(eyeY + 24)", "-draw", "line 86,\(eyeY + 24) 93,\(eyeY + 26)",
            "-stroke", "#6a6a6a", "-fill", "none", "-draw", "arc 76,\(eyeY + 28) 104,\(eyeY + 40 + smile * 3) 20,160",
            "-colorspace", "Gray", "-strip", "-quality", "60",
        ]
        return draw
    }

    /// Runs a tool, returning its standard output; throws its standard error on failure.
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PersonaError.missingTool(
                tool, reason: String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
