/// How an emulated reader departs from a faultless one: the behaviour a reader quirk profile gives
/// a slot (`vectors/reader-profiles/`, docs/reader-check.md). The defaults are a faultless reader.
///
/// Most quirks live in the slot, so every front door shows them: the exchange delay, lost bytes,
/// `61xx` passed on, failed extended APDUs, slow or spurious presence changes. What the reader
/// *advertises* (Part 10 features, `dwMaxAPDUDataSize`) only our IFD handler takes from the slot;
/// pcsc-lite's CCID driver and vpcd answer Part 10 themselves.
public struct ReaderQuirks: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Whether the reader offers PC/SC Part 10 features (GET_FEATURE_REQUEST). False hides them.
    public var part10: Bool
    /// What the reader advertises as `dwMaxAPDUDataSize`: true 65 535, false 0, nil whatever the
    /// card supports.
    public var advertisesExtended: Bool?
    /// Whether extended-length APDUs reach the card. False: the reader fails every one with a
    /// transmission error, whatever it advertises.
    public var extendedAPDUs: Bool
    /// Insertions and removals are seen only at polls this many milliseconds apart (nil: at once).
    public var presencePollingMillis: Int?
    /// The reader reports the card removed for a moment after a time without exchanges.
    public var spuriousRemoval: SpuriousRemoval?
    /// Response data lengths (bytes before the status word) whose last data byte the reader loses.
    public var dropsLastByteAt: [Int]
    /// The reader hands `61xx` to the client for a case 4 command instead of fetching the response
    /// itself; the client must send GET RESPONSE.
    public var passes61xx: Bool
    /// Added to every exchange, in microseconds (a slow bridge between host and reader).
    public var exchangeDelayMicros: Int

    /// A reader that reports removals that did not happen.
    public struct SpuriousRemoval: Codable, Hashable, Sendable {
        /// How long the slot must be idle (no exchange, no power change) before it happens.
        public var afterIdleMillis: Int
        /// How long the card then looks absent.
        public var absentMillis: Int

        public init(afterIdleMillis: Int, absentMillis: Int) {
            self.afterIdleMillis = afterIdleMillis
            self.absentMillis = absentMillis
        }

        enum CodingKeys: String, CodingKey {
            case afterIdleMillis = "after-idle-ms"
            case absentMillis = "absent-ms"
        }
    }

    public init(
        part10: Bool = true, advertisesExtended: Bool? = nil, extendedAPDUs: Bool = true, presencePollingMillis: Int? = nil,
        spuriousRemoval: SpuriousRemoval? = nil, dropsLastByteAt: [Int] = [], passes61xx: Bool = false, exchangeDelayMicros: Int = 0
    ) {
        self.part10 = part10
        self.advertisesExtended = advertisesExtended
        self.extendedAPDUs = extendedAPDUs
        self.presencePollingMillis = presencePollingMillis
        self.spuriousRemoval = spuriousRemoval
        self.dropsLastByteAt = dropsLastByteAt
        self.passes61xx = passes61xx
        self.exchangeDelayMicros = exchangeDelayMicros
    }

    /// A faultless reader.
    public static let none = ReaderQuirks()

    enum CodingKeys: String, CodingKey {
        case part10
        case advertisesExtended = "advertises-extended"
        case extendedAPDUs = "extended-apdus"
        case presencePollingMillis = "presence-polling-ms"
        case spuriousRemoval = "spurious-removal"
        case dropsLastByteAt = "drops-last-byte-at"
        case passes61xx = "passes-61xx"
        case exchangeDelayMicros = "exchange-delay-us"
    }

    /// Every key is optional and defaults to a faultless reader (the YAML loader rejects unknown keys).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        part10 = try container.decodeIfPresent(Bool.self, forKey: .part10) ?? true
        advertisesExtended = try container.decodeIfPresent(Bool.self, forKey: .advertisesExtended)
        extendedAPDUs = try container.decodeIfPresent(Bool.self, forKey: .extendedAPDUs) ?? true
        presencePollingMillis = try container.decodeIfPresent(Int.self, forKey: .presencePollingMillis)
        spuriousRemoval = try container.decodeIfPresent(SpuriousRemoval.self, forKey: .spuriousRemoval)
        dropsLastByteAt = try container.decodeIfPresent([Int].self, forKey: .dropsLastByteAt) ?? []
        passes61xx = try container.decodeIfPresent(Bool.self, forKey: .passes61xx) ?? false
        exchangeDelayMicros = try container.decodeIfPresent(Int.self, forKey: .exchangeDelayMicros) ?? 0
    }

    /// The first value out of range, as (key, message), or nil when every value is usable.
    public var problem: (key: String, message: String)? {
        if let interval = presencePollingMillis, !(10...10_000).contains(interval) {
            return (CodingKeys.presencePollingMillis.rawValue, "\(interval) is outside 10–10000 ms")
        }
        if let spurious = spuriousRemoval {
            if !(100...600_000).contains(spurious.afterIdleMillis) {
                return (CodingKeys.spuriousRemoval.rawValue, "after-idle-ms \(spurious.afterIdleMillis) is outside 100–600000")
            }
            if !(10...10_000).contains(spurious.absentMillis) {
                return (CodingKeys.spuriousRemoval.rawValue, "absent-ms \(spurious.absentMillis) is outside 10–10000")
            }
        }
        if let length = dropsLastByteAt.first(where: { !(1...65_536).contains($0) }) {
            return (CodingKeys.dropsLastByteAt.rawValue, "\(length) is not a response length (1–65536)")
        }
        if !(0...10_000_000).contains(exchangeDelayMicros) {
            return (CodingKeys.exchangeDelayMicros.rawValue, "\(exchangeDelayMicros) is outside 0–10000000 µs")
        }
        return nil
    }

    /// The quirks that are set, in words (`mynasim status`, reports).
    public var description: String {
        var parts: [String] = []
        if !part10 { parts.append("no Part 10 features") }
        if let advertised = advertisesExtended { parts.append("advertises dwMaxAPDUDataSize \(advertised ? 65_535 : 0)") }
        if !extendedAPDUs { parts.append("fails extended APDUs") }
        if let interval = presencePollingMillis { parts.append("presence seen by \(interval) ms polls") }
        if let spurious = spuriousRemoval {
            parts.append("reports a removal after \(spurious.afterIdleMillis) ms idle (for \(spurious.absentMillis) ms)")
        }
        if !dropsLastByteAt.isEmpty {
            parts.append("loses the last byte of \(dropsLastByteAt.map(String.init).joined(separator: ", "))-byte responses")
        }
        if passes61xx { parts.append("passes 61xx to the client") }
        if exchangeDelayMicros > 0 { parts.append("\(exchangeDelayMicros) µs more per exchange") }
        return parts.isEmpty ? "none" : parts.joined(separator: "; ")
    }
}
