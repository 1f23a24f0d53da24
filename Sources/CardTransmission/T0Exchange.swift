import ISO7816

/// One T=0 TPDU's character dialogue as a TPDU reader runs it, and what the reader returns.
public struct T0Exchange: Hashable, Sendable, CustomStringConvertible {
    /// What the reader returns to the host: response data, then SW1 SW2 (procedure bytes removed).
    public var reply: [UInt8]
    /// The dialogue between reader and card, in order.
    public var steps: [T0Step]
    /// The command APDU handed to the card OS, or `nil` when the T=0 layer answered itself
    /// (GET RESPONSE from the pending data, an INS that T=0 forbids).
    public var command: [UInt8]?

    /// The procedure bytes the card sent (ACK, NULL, and SW1 SW2), for traces.
    public var procedureBytes: [UInt8] {
        steps.flatMap { step -> [UInt8] in
            if case .procedure(let procedure) = step { return procedure.bytes }
            return []
        }
    }

    public var description: String { steps.map(\.description).joined(separator: ", ") }
}

/// One step of a T=0 character dialogue.
public enum T0Step: Hashable, Sendable, CustomStringConvertible {
    /// Reader → card: CLA INS P1 P2 P3.
    case header([UInt8])
    /// Card → reader: a procedure byte or SW1 SW2.
    case procedure(T0Procedure)
    /// Reader → card: command data after an ACK.
    case dataToCard([UInt8])
    /// Card → reader: response data after an ACK.
    case dataFromCard([UInt8])
    /// The host sent case 4 with its Le; T=0 has no place for it, so the reader does not send it.
    case leNotSent(UInt8)

    public var description: String {
        switch self {
        case .header(let bytes): return "header \(Hex.encode(bytes, separator: " "))"
        case .procedure(let procedure): return "\(procedure)"
        case .dataToCard(let data): return "\(data.count) bytes to card"
        case .dataFromCard(let data): return "\(data.count) bytes from card"
        case .leNotSent(let le): return "Le \(Hex.encode([le])) not sent"
        }
    }
}

/// The card's procedure bytes (ISO/IEC 7816-3 §10.3.3).
public enum T0Procedure: Hashable, Sendable, CustomStringConvertible {
    /// ACK = INS: all remaining data bytes follow (this card never acknowledges byte by byte).
    case acknowledge(ins: UInt8)
    /// NULL `60`: more work time.
    case null
    /// SW1 SW2, which ends the TPDU (`61xx` and `6Cxx` included; a TPDU reader passes them on).
    case status(UInt8, UInt8)

    public var bytes: [UInt8] {
        switch self {
        case .acknowledge(let ins): return [ins]
        case .null: return [0x60]
        case .status(let sw1, let sw2): return [sw1, sw2]
        }
    }

    public var description: String {
        switch self {
        case .acknowledge(let ins): return "ACK \(Hex.encode([ins]))"
        case .null: return "NULL 60"
        case .status(let sw1, let sw2): return "SW \(Hex.encode([sw1, sw2], separator: " "))"
        }
    }
}

/// Why bytes from the host are not a T=0 TPDU. A TPDU reader cannot run the dialogue for them;
/// it should fail the XfrBlock (for example bStatus 40, bError 01 "bad dwLength").
public enum T0TPDUError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer than CLA INS P1 P2.
    case tooShort(Int)
    /// An extended-length APDU: T=0 carries only short ones (ISO/IEC 7816-3 §12.2 would need ENVELOPE).
    case extendedLength(Int)
    /// The bytes after the header match neither P3 (case 3) nor P3 + Le (case 4 with Le).
    case lengthMismatch(p3: Int, following: Int)

    public var description: String {
        switch self {
        case .tooShort(let n): return "a T=0 TPDU has at least CLA INS P1 P2, got \(n) bytes"
        case .extendedLength(let n):
            return "this \(n)-byte command uses extended length fields, which T=0 cannot carry; send short APDUs"
        case .lengthMismatch(let p3, let following):
            if p3 == 0 { return "P3 is 00, so nothing may follow the 5-byte header, but \(following) bytes do" }
            return "P3 is \(p3) but \(following) bytes follow the 5-byte header; expected \(p3), or \(p3 + 1) with Le"
        }
    }
}
