/// The card side of T=0 (ISO/IEC 7816-3 §10, §12.2) behind a TPDU reader: one call runs the whole
/// character dialogue of one TPDU, as the host sent it in a CCID XfrBlock, and returns what the
/// reader passes back (data + SW) with the procedure bytes for the trace.
///
/// Mapping of what a host may send (the Debian CCID driver passes the application's APDU as is):
/// * `CLA INS P1 P2` or `… 00` for a data-in command: case 1, the card answers SW1 SW2.
/// * `CLA INS P1 P2 Le` for a data-out command (P3 = 00 means 256): case 2. If the card has exactly
///   Le bytes: ACK, data, SW. If it has another count ≤ 256: `6Cxx` (xx = its count; the command is
///   run again when the host resends it). More than 256: Le bytes and `61xx` for the rest.
/// * `CLA INS P1 P2 Lc data`: case 3, or case 4 when the classifier says so (the card OS then
///   sees Le = 00). ACK, data; then SW1 SW2, or `61xx` when the card has response data.
/// * `CLA INS P1 P2 Lc data Le` (a case 4 APDU from a host that did not strip Le): as above; the
///   reader does not send the Le byte.
/// * GET RESPONSE `CLA C0 00 00 Le` while response data is pending: served from it (`6Cxx` when Le
///   is larger than what is left, `61xx` when less); any other command discards the pending data.
///
/// A value type: make a new one at every power-on.
public struct T0CardProtocol: Sendable {
    /// Decides case 1 versus 2 (P3 = 00) and case 3 versus 4.
    public var classifier: any T0CommandClassifier
    /// Response data waiting for GET RESPONSE, and the status word that ends it.
    public private(set) var pending: (data: [UInt8], status: [UInt8])?

    public init(classifier: any T0CommandClassifier = InterindustryT0Classifier()) {
        self.classifier = classifier
    }

    /// Runs one TPDU. `process` runs a command APDU on the card OS and returns data + SW.
    /// `nullProcedureBytes` NULL (`60`) bytes are recorded while the card works (trace only).
    public mutating func exchange(
        _ tpdu: [UInt8],
        nullProcedureBytes: Int = 0,
        process: (_ command: [UInt8]) -> [UInt8]
    ) throws(T0TPDUError) -> T0Exchange {
        guard tpdu.count >= 4 else { throw .tooShort(tpdu.count) }
        let (cla, ins, p1, p2) = (tpdu[0], tpdu[1], tpdu[2], tpdu[3])
        let p3 = tpdu.count > 4 ? tpdu[4] : 0
        let following = max(0, tpdu.count - 5)
        if tpdu.count >= 7 && p3 == 0 { throw .extendedLength(tpdu.count) }
        guard following == 0 || (p3 > 0 && (following == Int(p3) || following == Int(p3) + 1)) else {
            throw .lengthMismatch(p3: Int(p3), following: following)
        }
        let header = [cla, ins, p1, p2, p3]
        var dialogue = Dialogue(header: header, nulls: nullProcedureBytes)

        // INS 6X and 9X collide with procedure bytes: a T=0 card refuses them outright.
        if ins & 0xF0 == 0x60 || ins & 0xF0 == 0x90 {
            pending = nil
            return dialogue.finish(status: [0x6D, 0x00], command: nil)
        }
        if following == 0, ins == 0xC0, let pending {
            return getResponse(&dialogue, p1: p1, p2: p2, le: p3, pending: pending)
        }
        pending = nil
        if following == 0 {
            if tpdu.count == 5 && (p3 != 0 || classifier.kind(cla: cla, ins: ins, p1: p1, p2: p2) == .dataOut) {
                let command = header
                return dataOut(&dialogue, command: command, ne: p3 == 0 ? 256 : Int(p3), response: process(command))
            }
            let command = [cla, ins, p1, p2]
            return dataIn(&dialogue, command: command, response: process(command))
        }
        let data = Array(tpdu[5..<(5 + Int(p3))])
        dialogue.steps += [.procedure(.acknowledge(ins: ins)), .dataToCard(data)]
        var command = header + data
        if following == Int(p3) + 1 {
            let le = tpdu[tpdu.count - 1]
            dialogue.steps.append(.leNotSent(le))
            command.append(le)
        } else if classifier.kind(cla: cla, ins: ins, p1: p1, p2: p2) == .dataInOut {
            command.append(0x00)
        }
        return dataIn(&dialogue, command: command, response: process(command))
    }

    /// Cases 1, 3, 4: only a status goes back; response data waits behind `61xx`.
    private mutating func dataIn(_ dialogue: inout Dialogue, command: [UInt8], response: [UInt8]) -> T0Exchange {
        let (data, status) = Self.split(response)
        guard !data.isEmpty else { return dialogue.finish(status: status, command: command) }
        pending = (data, status)
        return dialogue.finish(status: [0x61, Self.lengthByte(data.count)], command: command)
    }

    /// Case 2: exactly Le bytes, or `6Cxx`, or Le bytes and `61xx` beyond 256.
    private mutating func dataOut(_ dialogue: inout Dialogue, command: [UInt8], ne: Int, response: [UInt8]) -> T0Exchange {
        let (data, status) = Self.split(response)
        if data.isEmpty { return dialogue.finish(status: status, command: command) }
        if data.count == ne { return dialogue.finish(data: data, status: status, command: command) }
        if data.count <= 256 { return dialogue.finish(status: [0x6C, Self.lengthByte(data.count)], command: command) }
        let rest = Array(data.dropFirst(ne))
        pending = (rest, status)
        return dialogue.finish(data: Array(data.prefix(ne)), status: [0x61, Self.lengthByte(rest.count)], command: command)
    }

    private mutating func getResponse(
        _ dialogue: inout Dialogue, p1: UInt8, p2: UInt8, le p3: UInt8, pending: (data: [UInt8], status: [UInt8])
    ) -> T0Exchange {
        guard p1 == 0, p2 == 0 else { return dialogue.finish(status: [0x6A, 0x86], command: nil) }
        let le = p3 == 0 ? 256 : Int(p3)
        if le > pending.data.count {
            return dialogue.finish(status: [0x6C, Self.lengthByte(pending.data.count)], command: nil)
        }
        if le == pending.data.count {
            self.pending = nil
            return dialogue.finish(data: pending.data, status: pending.status, command: nil)
        }
        let rest = Array(pending.data.dropFirst(le))
        self.pending = (rest, pending.status)
        return dialogue.finish(data: Array(pending.data.prefix(le)), status: [0x61, Self.lengthByte(rest.count)], command: nil)
    }

    /// Data and SW of a card OS response; fewer than 2 bytes count as `6F00`.
    private static func split(_ response: [UInt8]) -> (data: [UInt8], status: [UInt8]) {
        guard response.count >= 2 else { return ([], [0x6F, 0x00]) }
        return (Array(response.dropLast(2)), Array(response.suffix(2)))
    }

    /// The `xx` of `61xx`/`6Cxx`: the count, with 256 or more as `00`.
    private static func lengthByte(_ count: Int) -> UInt8 { count >= 256 ? 0 : UInt8(count) }
}

/// The steps of one TPDU as they are built.
private struct Dialogue {
    var steps: [T0Step]
    let nulls: Int

    init(header: [UInt8], nulls: Int) {
        self.steps = [.header(header)]
        self.nulls = max(0, nulls)
    }

    /// Ends the dialogue: NULL bytes, then ACK and data when there are data, then SW1 SW2.
    mutating func finish(data: [UInt8] = [], status: [UInt8], command: [UInt8]?) -> T0Exchange {
        steps += Array(repeating: .procedure(.null), count: nulls)
        if !data.isEmpty, case .header(let header) = steps[0] {
            steps += [.procedure(.acknowledge(ins: header[1])), .dataFromCard(data)]
        }
        steps.append(.procedure(.status(status[0], status[1])))
        return T0Exchange(reply: data + status, steps: steps, command: command)
    }
}
