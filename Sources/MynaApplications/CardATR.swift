import ISO7816

/// The ATRs real My Number cards answer with (card reference §atr-contact, §atr-contactless, §decision-atr), selectable by name
/// so clients can be tested against every variant.
public enum CardATR: String, CaseIterable, Sendable, Codable {
    /// `3B E0 00 FF 81 31 FE 45 14`, the one OpenSC's jpki driver matches (default).
    case jpki
    /// Contact, historical bytes announce extended Lc/Le.
    case jpki02 = "jpki-02"
    /// Contact, no extended-length bit (pair it with a short-only card).
    case jpki03 = "jpki-03"
    case jpki04 = "jpki-04"
    case jpki05 = "jpki-05"
    /// Contactless (PC/SC part 3 ATRs built from ATQB).
    case contactless1 = "contactless-1"
    case contactless2 = "contactless-2"
    case contactless3 = "contactless-3"
    case contactless4 = "contactless-4"

    /// The ATR bytes.
    public var bytes: [UInt8] {
        let hex: String
        switch self {
        case .jpki: hex = "3BE000FF8131FE4514"
        case .jpki02: hex = "3BDA13FF8131FB468012392F31C173C601C03B"
        case .jpki03: hex = "3BC5FF8131FB458073C6010000"
        case .jpki04: hex = "3BF59100FF918171FE400042000100D1D6"
        case .jpki05: hex = "3BF59100FF918171FE4000420001B3A115"
        case .contactless1: hex = "3B888001000005E0B381A1007F"
        case .contactless2: hex = "3B888001000041E0B381A1003B"
        case .contactless3: hex = "3B888001004B51FF0081D100BC"
        case .contactless4: hex = "3B888001004B51FFB381D1000F"
        }
        // The literals above are checked by the tests (structure and TCK).
        return try! Hex.decode(hex)
    }
}
