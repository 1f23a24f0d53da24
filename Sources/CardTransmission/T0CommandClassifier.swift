/// Which way data flows for a command, as a T=0 card knows from its header (ISO/IEC 7816-3
/// §10.3, §12.2). A TPDU alone cannot tell case 1 from case 2 with Le = 256 (both are
/// `CLA INS P1 P2 00`), nor case 3 from case 4 (T=0 carries no Le for case 4).
public enum T0CommandKind: Hashable, Sendable {
    /// Cases 1 and 3: nothing comes back but the status.
    case dataIn
    /// Case 2: the card returns data; P3 is Le.
    case dataOut
    /// Case 4: the card takes data and returns data (through `61xx` and GET RESPONSE).
    case dataInOut
}

/// Tells the T=0 engine the kind of a command from CLA INS P1 P2.
public protocol T0CommandClassifier: Sendable {
    func kind(cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8) -> T0CommandKind
}

/// The interindustry instructions of ISO/IEC 7816-4 that return data: READ BINARY/RECORD, GET
/// RESPONSE, GET DATA and GET CHALLENGE are case 2; INTERNAL/GENERAL AUTHENTICATE, PERFORM
/// SECURITY OPERATION (also CLA 80 COMPUTE DIGITAL SIGNATURE, INS 2A), GET DATA with data (CB)
/// and SELECT asking for FCI/FCP (P2 bits 4–3 not `11`) are case 4. Everything else is case 1/3.
public struct InterindustryT0Classifier: T0CommandClassifier {
    /// Case 2 instructions.
    public var dataOut: Set<UInt8> = [0xB0, 0xB1, 0xB2, 0xB3, 0xC0, 0xCA, 0x84]
    /// Case 4 instructions (SELECT is decided by P2).
    public var dataInOut: Set<UInt8> = [0x88, 0x86, 0x87, 0x2A, 0xCB]

    public init() {}

    public func kind(cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8) -> T0CommandKind {
        if dataOut.contains(ins) { return .dataOut }
        if dataInOut.contains(ins) { return .dataInOut }
        if ins == 0xA4 && p2 & 0x0C != 0x0C { return .dataInOut }
        return .dataIn
    }
}
