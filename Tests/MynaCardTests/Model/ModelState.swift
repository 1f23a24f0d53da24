/// The security state the reference model tracks: power, the selected application and EF, the
/// credentials verified in this session, and the durable part (tries left, changed values).
struct ModelState: Hashable, Sendable {
    var powered = false
    var app: ModelApp?
    var currentFile: UInt16?
    var verified: Set<ModelCredential> = []
    /// Tries left, durable.
    var tries: [ModelCredential: Int]
    /// Current values, durable.
    var values: [ModelCredential: [UInt8]]
    /// The card's store fails its next durable write (the test injects it).
    var writeFails = false

    init(card: ModelCard) {
        tries = Dictionary(uniqueKeysWithValues: ModelCredential.allCases.map { ($0, card.blockedAtIssue.contains($0) ? 0 : $0.limit) })
        values = card.initialValues
    }

    /// Volatile state after power-on, reset, power-off or an application SELECT
    /// (card reference §decision-security-state).
    mutating func clearSession(powered: Bool) {
        self.powered = powered
        app = nil
        currentFile = nil
        verified = []
    }
}

/// What the card may answer to one command in one model state, and the state that answer leads to.
struct ModelOutcome: Sendable {
    var sw: UInt16
    var data: DataCheck = .none
    var next: ModelState

    /// What the response data must be.
    enum DataCheck: Hashable, Sendable {
        case none
        case exactly([UInt8])
        case count(Int)

        func accepts(_ data: [UInt8]) -> Bool {
            switch self {
            case .none: return data.isEmpty
            case .exactly(let bytes): return data == bytes
            case .count(let n): return data.count == n
            }
        }
    }

    func accepts(sw: UInt16, data: [UInt8]) -> Bool { self.sw == sw && self.data.accepts(data) }
}

/// Status words by name (card reference §status-words).
enum SW {
    static let ok: UInt16 = 0x9000
    static let memoryFailure: UInt16 = 0x6581
    static let wrongLength: UInt16 = 0x6700
    static let channel: UInt16 = 0x6881
    static let smNotSupported: UInt16 = 0x6882
    static let chaining: UInt16 = 0x6884
    static let fileStructure: UInt16 = 0x6981
    static let security: UInt16 = 0x6982
    static let blocked: UInt16 = 0x6984
    static let conditions: UInt16 = 0x6985
    static let noCurrentEF: UInt16 = 0x6986
    static let smSession: UInt16 = 0x69FC
    static let incorrectData: UInt16 = 0x6A80
    static let functionNotSupported: UInt16 = 0x6A81
    static let notFound: UInt16 = 0x6A82
    static let recordNotFound: UInt16 = 0x6A83
    static let p1p2: UInt16 = 0x6A86
    static let dataNotFound: UInt16 = 0x6A88
    static let offset: UInt16 = 0x6B00
    static let instruction: UInt16 = 0x6D00
    static let cla: UInt16 = 0x6E00
    static let unpowered: UInt16 = 0x6F00
    static func triesLeft(_ n: Int) -> UInt16 { 0x63C0 | UInt16(n) }
}
