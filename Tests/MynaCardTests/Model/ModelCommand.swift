import ISO7816

/// One step of a generated sequence: a power action, a restart from durable state, a write
/// failure to inject, or an APDU described by its meaning (so the shrinker can simplify it).
enum ModelCommand: Hashable, Sendable, CustomStringConvertible {
    case powerOn, reset, powerOff
    /// The process restarts: a new card from the durable state (unpowered).
    case restart
    /// The card's next durable write fails.
    case failNextWrite
    case selectApplication(name: [UInt8], p2: UInt8)
    case selectMF
    case selectFile(p1: UInt8, fid: UInt16)
    case readBinary(offset: Int, le: Int?, extended: Bool)
    case readBinarySFI(p1: UInt8, offset: UInt8, le: Int?, extended: Bool)
    case readRecord(record: UInt8, p2: UInt8)
    /// VERIFY; `value` nil is the retry query; `le` adds an Le byte (case 4, or case 2 without a value).
    case verify(p1: UInt8, p2: UInt8, value: Value?, le: Bool)
    case changeReferenceData(p1: UInt8, p2: UInt8, value: Value?)
    case changeKey(p1: UInt8, p2: UInt8, value: Value?)
    /// COMPUTE DIGITAL SIGNATURE over `length` bytes; `le` nil: no Le, else a short Le.
    case sign(p1: UInt8, p2: UInt8, length: Int, le: Int?)
    case internalAuthenticate(p2: UInt8, length: Int)
    case getChallenge(le: Int?, extended: Bool)
    case getData(tag: UInt16, le: Int)
    /// A class or instruction the card refuses whatever its state.
    case refused(cla: UInt8, ins: UInt8, p1: UInt8)

    /// A credential value: whatever the credential's value is at that moment, or fixed bytes.
    enum Value: Hashable, Sendable, CustomStringConvertible {
        case current(ModelCredential)
        case literal([UInt8])

        var description: String {
            switch self {
            case .current(let credential): return "<\(credential)>"
            case .literal(let bytes): return "\"\(String(decoding: bytes, as: UTF8.self))\""
            }
        }
    }

    var description: String {
        func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
        func h8(_ v: UInt8) -> String { hex([v]) }
        switch self {
        case .powerOn: return "power on"
        case .reset: return "reset"
        case .powerOff: return "power off"
        case .restart: return "restart (new process, durable state)"
        case .failNextWrite: return "the next durable write fails"
        case .selectApplication(let name, let p2): return "SELECT AID \(hex(name))" + (p2 == 0x0C ? "" : " P2 \(h8(p2))")
        case .selectMF: return "SELECT MF (00 A4 00 00)"
        case .selectFile(let p1, let fid):
            return "SELECT EF \(hex([UInt8(fid >> 8), UInt8(fid & 0xFF)]))" + (p1 == 2 ? "" : " P1 \(h8(p1))")
        case .readBinary(let offset, let le, let ext):
            return "READ BINARY offset \(offset) Le \(le.map(String.init) ?? "none")\(ext ? " (extended)" : "")"
        case .readBinarySFI(let p1, let offset, let le, let ext):
            return "READ BINARY P1 \(h8(p1)) offset \(offset) Le \(le.map(String.init) ?? "none")\(ext ? " (extended)" : "")"
        case .readRecord(let record, let p2): return "READ RECORD \(record) P2 \(h8(p2))"
        case .verify(let p1, let p2, let value, let le):
            return "VERIFY P1 \(h8(p1)) P2 \(h8(p2)) \(value.map(\.description) ?? "(query)")\(le ? " + Le" : "")"
        case .changeReferenceData(let p1, let p2, let value):
            return "CHANGE REFERENCE DATA P1 \(h8(p1)) P2 \(h8(p2)) \(value?.description ?? "(no data)")"
        case .changeKey(let p1, let p2, let value): return "CHANGE KEY P1 \(h8(p1)) P2 \(h8(p2)) \(value?.description ?? "(no data)")"
        case .sign(let p1, let p2, let length, let le):
            return "COMPUTE DIGITAL SIGNATURE P1 \(h8(p1)) P2 \(h8(p2)) \(length) bytes Le \(le.map(String.init) ?? "none")"
        case .internalAuthenticate(let p2, let length): return "INTERNAL AUTHENTICATE P2 \(h8(p2)) \(length) bytes"
        case .getChallenge(let le, let ext): return "GET CHALLENGE Le \(le.map(String.init) ?? "none")\(ext ? " (extended)" : "")"
        case .getData(let tag, let le): return "GET DATA \(hex([UInt8(tag >> 8), UInt8(tag & 0xFF)])) Le \(le)"
        case .refused(let cla, let ins, let p1): return "\(h8(cla)) \(h8(ins)) \(h8(p1)) 00"
        }
    }

    /// The command's kind, for statistics (`VERIFY query`, `READ BINARY`, …).
    var kind: String {
        switch self {
        case .verify(_, _, let value, _): return value == nil ? "VERIFY query" : "VERIFY"
        case .readBinarySFI: return "READ BINARY by SFI"
        default:
            return String(
                description.prefix { $0 != " " || description.hasPrefix("SELECT") || description.hasPrefix("READ") }
                    .split(separator: " ").prefix(2).joined(separator: " "))
        }
    }

    /// The APDU, with credential values taken from `state`; nil for the actions that are not APDUs.
    func apdu(in state: ModelState) -> [UInt8]? {
        func value(_ v: Value?) -> [UInt8] {
            switch v {
            case .current(let credential)?: return state.values[credential] ?? []
            case .literal(let bytes)?: return bytes
            case nil: return []
            }
        }
        switch self {
        case .powerOn, .reset, .powerOff, .restart, .failNextWrite: return nil
        case .selectApplication(let name, let p2): return Self.encode([0x00, 0xA4, 0x04, p2], data: name, le: nil)
        case .selectMF: return [0x00, 0xA4, 0x00, 0x00]
        case .selectFile(let p1, let fid): return Self.encode([0x00, 0xA4, p1, 0x0C], data: [UInt8(fid >> 8), UInt8(fid & 0xFF)], le: nil)
        case .readBinary(let offset, let le, let extended):
            return Self.encode([0x00, 0xB0, UInt8(offset >> 8 & 0x7F), UInt8(offset & 0xFF)], data: [], le: le, extended: extended)
        case .readBinarySFI(let p1, let offset, let le, let extended):
            return Self.encode([0x00, 0xB0, p1, offset], data: [], le: le, extended: extended)
        case .readRecord(let record, let p2): return [0x00, 0xB2, record, p2, 0x00]
        case .verify(let p1, let p2, let v, let le): return Self.encode([0x00, 0x20, p1, p2], data: value(v), le: le ? 0 : nil)
        case .changeReferenceData(let p1, let p2, let v): return Self.encode([0x00, 0x24, p1, p2], data: value(v), le: nil)
        case .changeKey(let p1, let p2, let v): return Self.encode([0x80, 0x32, p1, p2], data: value(v), le: nil)
        case .sign(let p1, let p2, let length, let le):
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            return Self.encode([0x80, 0x2A, p1, p2], data: data, le: le)
        case .internalAuthenticate(let p2, let length):
            return Self.encode([0x00, 0x88, 0x00, p2], data: (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ 1) }, le: 0)
        case .getChallenge(let le, let extended): return Self.encode([0x00, 0x84, 0x00, 0x00], data: [], le: le, extended: extended)
        case .getData(let tag, let le): return [0x00, 0xCA, UInt8(tag >> 8), UInt8(tag & 0xFF), UInt8(le & 0xFF)]
        case .refused(let cla, let ins, let p1): return [cla, ins, p1, 0x00]
        }
    }

    /// Header, data and Le in short form, or extended when asked or needed. Le 256 (short) is `00`,
    /// 65 536 (extended) is `0000`.
    static func encode(_ header: [UInt8], data: [UInt8], le: Int?, extended: Bool = false) -> [UInt8] {
        var bytes = header
        if extended || data.count > 255 || (le ?? 0) > 256 {
            if !data.isEmpty { bytes += [0x00, UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data }
            if let le { bytes += (data.isEmpty ? [0x00] : []) + [UInt8(le >> 8 & 0xFF), UInt8(le & 0xFF)] }
        } else {
            if !data.isEmpty { bytes += [UInt8(data.count)] + data }
            if let le { bytes.append(UInt8(le & 0xFF)) }
        }
        return bytes
    }

    /// Simpler commands the shrinker tries in this one's place, simplest first.
    var simplifications: [ModelCommand] {
        switch self {
        case .readBinary(let offset, let le, let extended):
            return [.readBinary(offset: 0, le: le, extended: extended), .readBinary(offset: offset, le: 0, extended: false)]
                .filter { $0 != self }
        case .readBinarySFI(let p1, let offset, let le, let extended):
            return [
                .readBinarySFI(p1: p1, offset: 0, le: le, extended: extended),
                .readBinarySFI(p1: p1, offset: offset, le: 0, extended: false),
            ]
            .filter { $0 != self }
        case .verify(let p1, let p2, let value, let le):
            var out: [ModelCommand] = []
            if le { out.append(.verify(p1: p1, p2: p2, value: value, le: false)) }
            if p1 != 0 { out.append(.verify(p1: 0, p2: p2, value: value, le: le)) }
            if case .literal(let bytes)? = value, bytes.count > 1 { out.append(.verify(p1: p1, p2: p2, value: .literal([0x30]), le: le)) }
            return out
        case .sign(let p1, let p2, let length, let le):
            var out: [ModelCommand] = []
            if le != nil && le != 0 { out.append(.sign(p1: p1, p2: p2, length: length, le: 0)) }
            if length != 32 { out.append(.sign(p1: p1, p2: p2, length: 32, le: le)) }
            if p1 != 0 { out.append(.sign(p1: 0, p2: p2, length: length, le: le)) }
            return out
        case .selectApplication(let name, let p2) where p2 != 0x0C: return [.selectApplication(name: name, p2: 0x0C)]
        case .getChallenge(let le, let extended) where extended || le != 8: return [.getChallenge(le: 8, extended: false)]
        default: return []
        }
    }
}
