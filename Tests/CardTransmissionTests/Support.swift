import CardTransmission
import ISO7816

/// Hex literals in tests ("00 C1 01 FE 3E").
func hex(_ text: String) -> [UInt8] {
    (try? Hex.decode(text)) ?? []
}

extension RandomNumberGenerator {
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// The bytes of an I-block from the terminal, NAD 00.
func iBlock(_ sequence: Int, more: Bool = false, _ data: [UInt8]) -> [UInt8] {
    T1Block.information(sequence: sequence, more: more, data: data).bytes
}

/// The bytes of an R-block from the terminal, NAD 00.
func rBlock(_ sequence: Int, _ error: T1ReceiveError = .none) -> [UInt8] {
    T1Block.receiveReady(sequence: sequence, error: error).bytes
}

/// A T=1 card set up as the Debian driver leaves it after connect: IFSD 254 negotiated.
func connectedCard(ifsc: Int = 254) throws -> T1CardProtocol {
    var t1 = try T1CardProtocol(parameters: T1Parameters(ifsc: ifsc, edc: .lrc, bwi: 4, cwi: 5))
    _ = t1.receive(hex("00 C1 01 FE 3E"))
    return t1
}

/// Catalogue ATRs (copied from MynaCard's CardATR; the test checks each one's offer).
enum CatalogueATR {
    static let jpki = "3BE000FF8131FE4514"
    static let jpki02 = "3BDA13FF8131FB468012392F31C173C601C03B"
    static let jpki03 = "3BC5FF8131FB458073C6010000"
    static let jpki04 = "3BF59100FF918171FE400042000100D1D6"
    static let jpki05 = "3BF59100FF918171FE4000420001B3A115"
    static let contactless1 = "3B888001000005E0B381A1007F"
    static let contactless2 = "3B888001000041E0B381A1003B"
    static let contactless3 = "3B888001004B51FF0081D100BC"
    static let contactless4 = "3B888001004B51FFB381D1000F"

    static func atr(_ text: String) throws -> ATR { try ATR(bytes: hex(text)) }
}
