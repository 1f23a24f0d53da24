import ISO7816

/// A way a hostile card answers wrongly on purpose, so a client's robustness can be checked:
/// it must not hang, crash or loop on any of them.
public enum HostileFault: String, Codable, Hashable, Sendable, CaseIterable {
    /// A certificate's DER header claims 65 520 bytes, far past the end of the file.
    case certificateLengthLie = "certificate-length-lie"
    /// Responses carry 16 bytes more than Le asked for.
    case overlongResponse = "overlong-response"
    /// Every command answers `61 10`, and so does every GET RESPONSE: a chain that never ends.
    case endlessGetResponse = "endless-61xx"
    /// Every command with Le answers `6C xx` with an xx that never matches the Le sent.
    case wrongLength = "always-6cxx"
    /// Every command answers `6F 00` (no precise diagnosis), whatever its class.
    case unexpectedStatus = "unexpected-status"
    /// Responses lose the second half of their data (status `9000` kept).
    case truncatedResponse = "truncated-response"
    /// The ATR is garbage: a wrong TS, inconsistent interface bytes and no valid TCK.
    case garbageATR = "garbage-atr"

    /// What the client is told this fault does (reports, `--help`).
    public var summary: String {
        switch self {
        case .certificateLengthLie: return "certificate header claims a length far past the file"
        case .overlongResponse: return "responses longer than Le"
        case .endlessGetResponse: return "61xx chains that never end"
        case .wrongLength: return "6Cxx answers that never match"
        case .unexpectedStatus: return "6F00 on every command"
        case .truncatedResponse: return "truncated responses"
        case .garbageATR: return "a garbage ATR"
        }
    }

    static let garbageATRBytes: [UInt8] = [0x3A, 0xFF, 0x13, 0x00, 0xDE, 0xAD, 0xBE, 0xEF]

    /// The response a card with these faults gives instead of `response` to `command`.
    public static func distort(_ faults: Set<HostileFault>, command bytes: [UInt8], response: [UInt8]) -> [UInt8] {
        guard !faults.isEmpty, response.count >= 2 else { return response }
        let command = try? CommandAPDU(bytes: bytes)
        var data = Array(response.dropLast(2))
        var status = Array(response.suffix(2))
        if faults.contains(.unexpectedStatus) { return [0x6F, 0x00] }
        if faults.contains(.endlessGetResponse) {
            return command?.ins == 0xC0 ? [UInt8](repeating: 0xA5, count: 16) + [0x61, 0x10] : [0x61, 0x10]
        }
        if faults.contains(.wrongLength), let ne = command?.ne, ne > 0 {
            return [0x6C, UInt8((ne + 1) & 0xFF)]
        }
        if faults.contains(.certificateLengthLie), command?.ins == 0xB0, command?.p1 == 0, command?.p2 == 0,
            data.count >= 4, data[0] == 0x30, data[1] == 0x82
        {
            data[2] = 0xFF
            data[3] = 0xF0
        }
        if faults.contains(.truncatedResponse), data.count > 1 { data = Array(data.prefix(data.count / 2)) }
        if faults.contains(.overlongResponse), let ne = command?.ne, ne > 0 {
            data += [UInt8](repeating: 0x00, count: 16)
            if status == [0x6B, 0x00] { status = [0x90, 0x00] }
        }
        return data + status
    }
}
