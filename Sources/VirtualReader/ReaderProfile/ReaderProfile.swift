import Foundation
import MynaPersona

/// A reader profile file (YAML): the behaviour an emulated reader shows, and for a profile that
/// `mynasim reader-check` wrote, the reader it measured and every figure. Shipped quirk profiles
/// are in `vectors/reader-profiles/`; a measured one loads the same way, so a real reader's
/// behaviour can be emulated (docs/reader-check.md).
///
/// ```yaml
/// profile: lies-about-extended
/// description: Advertises dwMaxAPDUDataSize 65535 but fails every extended APDU.
/// behaviour:
///   advertises-extended: true
///   extended-apdus: false
/// ```
public struct ReaderProfile: Codable, Hashable, Sendable {
    /// The profile's name (`mynasim status`, reports).
    public var name: String
    public var description: String?
    /// The reader a measured profile was taken from.
    public var reader: MeasuredReader?
    /// What the emulated reader does.
    public var quirks: ReaderQuirks
    /// The figures a measured profile was derived from (informational; emulation ignores them).
    public var measured: [Measurement]?

    public init(
        name: String, description: String? = nil, reader: MeasuredReader? = nil, quirks: ReaderQuirks, measured: [Measurement]? = nil
    ) {
        self.name = name
        self.description = description
        self.reader = reader
        self.quirks = quirks
        self.measured = measured
    }

    enum CodingKeys: String, CodingKey {
        case name = "profile"
        case description
        case reader
        case quirks = "behaviour"
        case measured
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        reader = try container.decodeIfPresent(MeasuredReader.self, forKey: .reader)
        quirks = try container.decodeIfPresent(ReaderQuirks.self, forKey: .quirks) ?? .none
        measured = try container.decodeIfPresent([Measurement].self, forKey: .measured)
    }

    /// What a measured reader said about itself.
    public struct MeasuredReader: Codable, Hashable, Sendable {
        /// The PC/SC reader name.
        public var name: String
        public var vendor: String?
        public var ifdType: String?
        public var version: String?
        public var serial: String?
        public var firmware: String?
        public var idVendor: String?
        public var idProduct: String?
        /// `dwMaxAPDUDataSize` as advertised, when the reader answers Part 10.
        public var maxAPDUDataSize: Int?

        public init(
            name: String, vendor: String? = nil, ifdType: String? = nil, version: String? = nil, serial: String? = nil,
            firmware: String? = nil, idVendor: String? = nil, idProduct: String? = nil, maxAPDUDataSize: Int? = nil
        ) {
            self.name = name
            self.vendor = vendor
            self.ifdType = ifdType
            self.version = version
            self.serial = serial
            self.firmware = firmware
            self.idVendor = idVendor
            self.idProduct = idProduct
            self.maxAPDUDataSize = maxAPDUDataSize
        }

        enum CodingKeys: String, CodingKey {
            case name, vendor, version, serial, firmware
            case ifdType = "ifd-type"
            case idVendor = "id-vendor"
            case idProduct = "id-product"
            case maxAPDUDataSize = "max-apdu-data-size"
        }
    }

    /// One check's outcome as measured: its verdict and figures.
    public struct Measurement: Codable, Hashable, Sendable {
        /// The check id (`presence.insertion`, …).
        public var check: String
        /// `pass`, `fail`, `skipped` or `not applicable`.
        public var verdict: String
        public var figures: [Figure]

        public init(check: String, verdict: String, figures: [Figure]) {
            self.check = check
            self.verdict = verdict
            self.figures = figures
        }

        enum CodingKeys: String, CodingKey { case check, verdict, figures }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            check = try container.decode(String.self, forKey: .check)
            verdict = try container.decode(String.self, forKey: .verdict)
            figures = try container.decodeIfPresent([Figure].self, forKey: .figures) ?? []
        }
    }

    /// A measured number with its unit and the threshold it was judged against.
    public struct Figure: Codable, Hashable, Sendable {
        public var name: String
        public var value: Double
        public var unit: String
        /// The threshold in words (`≤ 100 ms`), when the figure is judged.
        public var threshold: String?

        public init(name: String, value: Double, unit: String, threshold: String? = nil) {
            self.name = name
            self.value = value
            self.unit = unit
            self.threshold = threshold
        }

        enum CodingKeys: String, CodingKey { case name, value, unit, threshold }
    }
}

extension ReaderProfile {
    /// Loads a profile file; every problem names the file, line and column.
    public static func load(path: String) throws(ReaderError) -> ReaderProfile {
        let document: YAMLDocument<ReaderProfile>
        do {
            document = try YAMLDocument(url: URL(fileURLWithPath: path))
        } catch {
            throw .badArgument("reader profile \(error)")
        }
        if let problem = document.value.quirks.problem {
            throw .badArgument("reader profile \(document.problem(at: ["behaviour", problem.key], problem.message))")
        }
        return document.value
    }

    /// A profile by path, or by name in `directories` (`NAME.yaml`).
    public static func locate(_ nameOrPath: String, in directories: [URL]) throws(ReaderError) -> ReaderProfile {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || FileManager.default.fileExists(atPath: nameOrPath) {
            guard FileManager.default.fileExists(atPath: nameOrPath) else {
                throw .badArgument("reader profile \(nameOrPath): no such file")
            }
            return try load(path: nameOrPath)
        }
        for directory in directories {
            let url = directory.appendingPathComponent("\(nameOrPath).yaml")
            if FileManager.default.fileExists(atPath: url.path) { return try load(path: url.path) }
        }
        let shipped = directories.flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".yaml") }
                .map { String($0.dropLast(5)) }
        }
        throw .badArgument(
            "no reader profile named '\(nameOrPath)' (shipped: \(Set(shipped).sorted().joined(separator: ", ")); or give a YAML file)")
    }
}
