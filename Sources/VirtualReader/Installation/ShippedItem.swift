/// Something mynasim ships beside its binary: data under `<prefix>/share/mynasim` (the
/// repository's `vectors/`) or the IFD handler under `<prefix>/lib/mynasim`.
public enum ShippedItem: String, CaseIterable, Sendable {
    case personas
    case testPKI = "test-pki"
    case suites
    case clientProfiles = "client-profiles"
    case clientScenarios = "client-scenarios"
    case readerProfiles = "reader-profiles"
    case handler

    /// The file name of our IFD handler.
    public static let handlerFileName = "libifd-mynasim.so"

    /// Where the item sits below a data directory (`share/mynasim` or `vectors`); nil for the handler.
    public var dataPath: String? {
        switch self {
        case .personas: return "personas"
        case .testPKI: return "personas/test-pki"
        case .suites: return "suites"
        case .clientProfiles: return "client-profiles"
        case .clientScenarios: return "client-scenarios"
        case .readerProfiles: return "reader-profiles"
        case .handler: return nil
        }
    }

    /// What a user reads in a message.
    public var label: String {
        switch self {
        case .personas: return "the shipped personas"
        case .testPKI: return "the shipped test PKI"
        case .suites: return "the shipped suites"
        case .clientProfiles: return "the client-check profiles"
        case .clientScenarios: return "the client-check scenarios"
        case .readerProfiles: return "the reader quirk profiles"
        case .handler: return "the IFD handler (\(Self.handlerFileName))"
        }
    }

    /// The environment variable that names the item's place.
    public var environmentVariable: String { self == .handler ? "MYNASIM_HANDLER" : "MYNASIM_DATA" }
}
