import ISO7816
import MynaApplications
import PCSC
import VirtualReader

extension ReaderCheckContext {
    /// The challenge every INTERNAL AUTHENTICATE sends: the card's answer to it is deterministic
    /// (PKCS#1 v1.5), so the short and extended forms must agree.
    static let challenge: [UInt8] = Array(0..<32)
    /// INTERNAL AUTHENTICATE's P2 for the 共通AP's key (card reference §internal-authenticate).
    static let commonKeyP2: UInt8 = CommonApplication.File.authenticationKey.referenceP2 ?? 0x99

    static func internalAuthenticate(extended: Bool) -> CommandAPDU {
        CommandAPDU(
            cla: 0x00, ins: Instruction.internalAuthenticate, p1: 0x00, p2: commonKeyP2, data: challenge, ne: 256, forceExtended: extended)
    }

    /// SELECT of the JPKI AP and its authentication certificate (EF 000A).
    func selectCertificate(_ record: inout CheckRecord) throws {
        try select(JPKIApplication.aid, &record)
        try select(file: JPKIApplication.File.authCertificate, &record)
    }

    /// transport.*: the four cases short and extended, the claim, lengths, 61xx/6Cxx, the largest command.
    func transportChecks() {
        run("transport.case-1") { record in
            try select(JPKIApplication.aid, &record)
            let response = try send(CommandAPDU.retryCounterQuery(p2: JPKIApplication.authPIN.verifyP2).bytes, &record)
            record.figure("data bytes", Double(max(0, response.count - 2)), "bytes")
            guard let answer = try? ResponseAPDU(bytes: response), answer.data.isEmpty else {
                record.fail("a case 1 command got \(EvidenceText.hex(response)); a status word alone was expected")
                return
            }
            if answer.status == .wrongLength { record.fail("the card saw a malformed command (6700)") }
            record.note("authentication PIN: \(RetryCounter(queryStatus: answer.status))")
        }

        run("transport.case-2s") { record in
            let response = try send(CommandAPDU.getChallenge(length: 8).bytes, &record)
            record.figure("data bytes", Double(max(0, response.count - 2)), "bytes")
            if response.count != 10 || Array(response.suffix(2)) != [0x90, 0x00] {
                record.fail("GET CHALLENGE (Le 8) answered \(EvidenceText.hex(response)); 8 bytes and 9000 were expected")
            }
        }

        run("transport.case-3s") { record in
            let response = try send(CommandAPDU.select(application: JPKIApplication.aid).bytes, &record)
            record.figure("data bytes", Double(max(0, response.count - 2)), "bytes")
            if response != [0x90, 0x00] { record.fail("SELECT of the JPKI AP answered \(EvidenceText.hex(response))") }
        }

        run("transport.case-4s") { record in
            try select(CommonApplication.aid, &record)
            let response = try send(Self.internalAuthenticate(extended: false).bytes, &record)
            record.figure("data bytes", Double(max(0, response.count - 2)), "bytes")
            guard response.count == 258, Array(response.suffix(2)) == [0x90, 0x00] else {
                record.fail("INTERNAL AUTHENTICATE answered \(EvidenceText.hex(response)); 256 bytes and 9000 were expected")
                return
            }
            case4Answer = Array(response.dropLast(2))
        }

        run("transport.case-2e") { record in
            let reference = try referenceCertificate(&record)
            try selectCertificate(&record)
            let command = CommandAPDU.readBinary(offset: 0, length: 300)
            try extended("case-2e", command, expect: Array(reference.prefix(300)) + [0x90, 0x00], &record)
        }

        run("transport.case-3e") { record in
            let command = CommandAPDU(
                cla: 0x00, ins: Instruction.select, p1: 0x04, p2: 0x0C, data: JPKIApplication.aid, forceExtended: true)
            try extended("case-3e", command, expect: [0x90, 0x00], &record)
        }

        run("transport.case-4e") { record in
            try select(CommonApplication.aid, &record)
            try extended("case-4e", Self.internalAuthenticate(extended: true), expect: case4Answer.map { $0 + [0x90, 0x00] }, &record)
        }

        run("transport.extended-claim") { record in
            guard let claim = claimedMaxData else {
                throw CheckStop.notApplicable("the reader reports no dwMaxAPDUDataSize (no Part 10 properties); clients use short APDUs")
            }
            let outcomes = ["case-2e", "case-3e", "case-4e"].map { extendedOutcomes[$0] }
            guard outcomes.allSatisfy({ $0 != nil }) else {
                throw CheckStop.notApplicable("the card refuses extended APDUs, so the claim cannot be tested with it")
            }
            let works = outcomes.allSatisfy { $0 == true }
            record.figure("dwMaxAPDUDataSize", Double(claim), "bytes")
            record.note("extended APDUs \(works ? "work" : "fail") (cases 2, 3 and 4 extended)")
            record.figure("claims contradicted", claim > 0 && !works ? 1 : 0, "claims")
            if claim > 0 && !works { record.fail("the reader advertises dwMaxAPDUDataSize \(claim) but fails extended APDUs") }
            if claim == 0 && works {
                record.note("extended APDUs work although the reader does not advertise them; clients will not use them")
            }
        }

        run("transport.response-lengths") { record in
            let reference = try referenceCertificate(&record)
            try selectCertificate(&record)
            var intact = 0
            var broken: [String] = []
            var quiet = CheckRecord(record.definition)
            for length in 1...256 {
                let response = try send(CommandAPDU.readBinary(offset: 0, length: length).bytes, &quiet)
                if response == Array(reference.prefix(length)) + [0x90, 0x00] {
                    intact += 1
                } else {
                    let dataCount = max(0, response.count - 2)
                    let lostLast = dataCount == length - 1 && Array(response.prefix(dataCount)) == Array(reference.prefix(dataCount))
                    if lostLast { observed.dropsLastByteAt.append(length) }
                    let detail =
                        lostLast
                        ? "the last data byte is missing" : "\(dataCount) data bytes, \(EvidenceText.hex(Array(response.suffix(2))))"
                    broken.append("Le \(length): \(detail)")
                }
            }
            record.figure("lengths intact", Double(intact), "of 256")
            record.note("READ BINARY of EF 000A at offset 0 with Le 1…256, each compared with the reference")
            for line in broken.prefix(10) { record.note(line) }
            if broken.count > 10 { record.note("… and \(broken.count - 10) more lengths") }
        }

        run("transport.full-certificate") { record in
            let reference = try referenceCertificate(&record)
            try selectCertificate(&record)
            try extended(
                "full-certificate", .readBinary(offset: 0, length: reference.count), expect: reference + [0x90, 0x00], &record,
                dataBytes: .exactly(Double(reference.count), "bytes"))
        }

        run("transport.get-response") { record in
            guard reader.activeProtocol != PCSCCodes.protocolT0 else {
                throw CheckStop.notApplicable("the card runs T=0, where the application fetches 61xx itself")
            }
            try select(CommonApplication.aid, &record)
            let response = try send(Self.internalAuthenticate(extended: false).bytes, &record, follow: false)
            record.figure("61xx handed on", response.count == 2 && response[0] == 0x61 ? 1 : 0, "times")
            if response.count == 2, response[0] == 0x61 {
                record.fail("the reader handed \(Hex.encode(response)) to the application instead of the response data")
                observed.passes61xx = true
                _ = try send(CommandAPDU.getResponse(length: response[1] == 0 ? 256 : Int(response[1])).bytes, &record)
            } else if Array(response.suffix(2)) != [0x90, 0x00] {
                record.fail("INTERNAL AUTHENTICATE answered \(EvidenceText.hex(response))")
            }
        }

        run("transport.wrong-length") { record in
            guard let simulator else { throw CheckStop.notApplicable("only mynasim's virtual card can be made to answer 6Cxx") }
            let original = try simulator.status().faults
            var faults = original
            faults.hostile = (faults.hostile ?? []).union([.wrongLength])
            try simulator.setFaults(faults)
            defer { try? simulator.setFaults(original) }
            record.note("the virtual card answers every command with Le by 6Cxx (xx ≠ Le)")
            let response = try send(CommandAPDU.getChallenge(length: 8).bytes, &record, follow: false)
            record.figure("6Cxx intact", response == [0x6C, 0x09] ? 1 : 0, "of 1")
            if response != [0x6C, 0x09] { record.fail("the card's 6C09 reached the application as \(EvidenceText.hex(response))") }
        }

        run("transport.largest-command") { record in
            let limit = isVirtual ? 65_535 : 4096
            let required = min(claimedMaxData.map { $0 > 0 ? $0 : 255 } ?? 255, limit)
            var largest = 0
            for size in [255, 256, 1024, 4096, 65_535] where size <= limit {
                let command = CommandAPDU(
                    cla: 0x00, ins: Instruction.select, p1: 0x04, p2: 0x0C, data: [UInt8](repeating: 0xA5, count: size))
                do {
                    let response = try send(command.bytes, &record, follow: false)
                    guard response.count == 2 else {
                        record.note("\(size) data bytes: \(response.count)-byte answer, not a status word")
                        break
                    }
                    largest = size
                } catch let error as PCSCError {
                    record.note("\(size) data bytes: \(error)")
                    recover()
                    break
                }
            }
            record.figure("largest command data", Double(largest), "bytes", threshold: .atLeast(Double(required), "bytes"))
            record.note("required: 255 bytes, or what dwMaxAPDUDataSize advertises (up to \(limit) here)")
        }
    }

    /// Sends an extended command and judges the answer, remembering for the claim check whether
    /// it reached the card (whatever the data): a transmission failure is the reader's; `6700` from
    /// mynasim's card (which accepts extended APDUs) means the reader spoilt the command; from a
    /// real card it may be the card's refusal (card reference §extended-length).
    func extended(
        _ key: String, _ command: CommandAPDU, expect: [UInt8]?, _ record: inout CheckRecord, dataBytes: ReaderThreshold? = nil
    ) throws {
        extendedOutcomes[key] = false
        let response: [UInt8]
        do {
            response = try send(command.bytes, &record)
        } catch let error as PCSCError {
            record.fail("the reader failed the extended APDU: \(error)")
            observed.extendedAPDUs = false
            recover()
            return
        }
        record.figure("data bytes", Double(max(0, response.count - 2)), "bytes", threshold: dataBytes)
        if response == [0x67, 0x00] {
            if isVirtual, startStatus?.extendedLength == false {
                extendedOutcomes[key] = nil
                throw CheckStop.notApplicable("the card is short-only (it refuses extended APDUs with 6700)")
            }
            if !isVirtual {
                extendedOutcomes[key] = nil
                throw CheckStop.inconclusive(
                    "the card answered 6700: the reader may have cut the command, or this card does not accept extended APDUs")
            }
            record.fail("6700: the extended APDU did not reach the card intact")
            observed.extendedAPDUs = false
            return
        }
        extendedOutcomes[key] = true
        if let expect, response != expect {
            record.fail("answered \(EvidenceText.hex(response)); expected \(EvidenceText.hex(expect))")
            return
        }
        if expect == nil, Array(response.suffix(2)) != [0x90, 0x00] || response.count != 258 {
            record.fail("answered \(EvidenceText.hex(response)); 256 bytes and 9000 were expected")
        }
    }
}
