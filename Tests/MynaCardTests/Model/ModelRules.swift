/// The reference model's rules: for a command in a state, every answer the card may give and the
/// state each leads to. Where docs/card-reference.md and docs/fidelity.md decide, there is one
/// answer; where they are silent (the order of two checks that both fail, whether a failed
/// VERIFY clears that credential's verified status, whether a failed READ BINARY by SFI makes the
/// EF current), the model allows each reading and keeps the states consistent with what the card
/// answered. docs/testing.md lists these open points.
struct ModelRules: Sendable {
    let card: ModelCard
    /// A deliberate mistake, to prove that the comparison and the shrinker catch one.
    var mutation = Mutation.none

    enum Mutation: Sendable { case none, queryUsesATry }

    func outcomes(_ command: ModelCommand, in state: ModelState) -> [ModelOutcome] {
        guard state.powered else { return [refuse(SW.unpowered, state)] }
        if card.shortOnly && isExtended(command) { return [refuse(SW.wrongLength, state)] }
        switch command {
        case .powerOn, .reset, .powerOff, .restart, .failNextWrite: return []
        case .selectApplication(let name, let p2): return selectApplication(name, p2: p2, state)
        case .selectMF: return [refuse(state.app == nil ? SW.p1p2 : SW.ok, state)]
        case .selectFile(let p1, let fid): return selectFile(p1: p1, fid: fid, state)
        case .readBinary(let offset, let le, let extended):
            guard let le else { return [refuse(SW.wrongLength, state)] }
            guard let fid = state.currentFile else { return [refuse(SW.noCurrentEF, state)] }
            return read(fid, offset: offset, ne: ne(le, extended: extended), state, makesCurrent: false)
        case .readBinarySFI(let p1, let offset, let le, let extended):
            guard let le else { return [refuse(SW.wrongLength, state)] }
            let sfi = p1 & 0x1F
            guard p1 & 0x60 == 0, sfi != 0 else { return [refuse(SW.p1p2, state)] }
            guard let fid = card.file(sfi: sfi, in: state.app) else { return [refuse(SW.notFound, state)] }
            return read(fid, offset: Int(offset), ne: ne(le, extended: extended), state, makesCurrent: true)
        case .readRecord(let record, let p2): return readRecord(record, p2: p2, state)
        case .verify(let p1, let p2, let value, let le): return verify(p1: p1, p2: p2, value: value, le: le, state)
        case .changeReferenceData(let p1, let p2, let value):
            return change(p1Allowed: p1 == 0x01, p2: p2, value: value, by: .referenceData, state)
        case .changeKey(let p1, let p2, let value): return change(p1Allowed: p1 == 0x00, p2: p2, value: value, by: .key, state)
        case .sign(let p1, let p2, let length, let le): return sign(p1: p1, p2: p2, length: length, le: le, state)
        case .internalAuthenticate(let p2, let length): return internalAuthenticate(p2: p2, length: length, state)
        case .getChallenge(let le, let extended):
            guard let le else { return [refuse(SW.wrongLength, state)] }
            if extended { return [refuse(SW.conditions, state)] }  // §get-challenge: an extended Le answers 6985
            return [ModelOutcome(sw: SW.ok, data: .count(le == 0 ? 256 : le), next: state)]
        case .getData(let tag, let le): return getData(tag: tag, le: le, state)
        case .refused(let cla, let ins, _): return [refuse(refusal(cla: cla, ins: ins), state)]
        }
    }

    // MARK: helpers

    func refuse(_ sw: UInt16, _ state: ModelState) -> ModelOutcome { ModelOutcome(sw: sw, next: state) }

    /// One outcome per status word of `set`, state unchanged.
    func refuseAny(_ set: Set<UInt16>, _ state: ModelState) -> [ModelOutcome] { set.sorted().map { refuse($0, state) } }

    func ne(_ le: Int, extended: Bool) -> Int { le == 0 ? (extended ? 65_536 : 256) : le }

    /// The bytes a value stands for now (empty: no data is sent).
    func resolve(_ value: ModelCommand.Value?, _ state: ModelState) -> [UInt8] {
        switch value {
        case .current(let c)?: return state.values[c] ?? []
        case .literal(let bytes)?: return bytes
        case nil: return []
        }
    }

    func isExtended(_ command: ModelCommand) -> Bool {
        switch command {
        case .readBinary(_, let le, let extended), .readBinarySFI(_, _, let le, let extended), .getChallenge(let le, let extended):
            return extended || (le ?? 0) > 256
        default: return false
        }
    }

    /// A change that must be durable before the status word leaves the card: 6581 and nothing
    /// changed when the write fails (fidelity.md, card level).
    func durable(_ state: ModelState, _ success: ModelOutcome) -> [ModelOutcome] {
        guard state.writeFails else { return [success] }
        var failed = state
        failed.writeFails = false
        return [refuse(SW.memoryFailure, failed)]
    }

    /// The credential or key P2 names (`80` the current EF, `80|SFI` by short EF id), or the
    /// status word of the reference error (card reference §verify; fidelity.md credentials).
    func referenced(p2: UInt8, _ state: ModelState) -> Result<ModelFile, Refusal> {
        let fid: UInt16?
        switch p2 {
        case 0x80:
            guard let current = state.currentFile else { return .failure(Refusal(SW.noCurrentEF)) }
            fid = current
        case 0x81...0x9E: fid = card.file(sfi: p2 & 0x1F, in: state.app)
        default: return .failure(Refusal(SW.p1p2))
        }
        guard let fid, let file = card.directory(state.app)[fid] else { return .failure(Refusal(SW.dataNotFound)) }
        return .success(file)
    }

    struct Refusal: Error {
        var sw: UInt16
        init(_ sw: UInt16) { self.sw = sw }
    }

    // MARK: SELECT

    func selectApplication(_ name: [UInt8], p2: UInt8, _ state: ModelState) -> [ModelOutcome] {
        guard p2 == 0x0C || p2 == 0x00 else { return [refuse(SW.p1p2, state)] }
        var next = state
        if name == ModelApp.issuerSecurityDomain {
            next.clearSession(powered: true)
            return [ModelOutcome(sw: SW.ok, next: next)]
        }
        let app =
            ModelApp.allCases.first { $0.aid == name }
            ?? {
                // fidelity.md: a name of 5 bytes or more that starts exactly one AID selects it.
                let matches = ModelApp.allCases.filter { name.count >= 5 && $0.aid.starts(with: name) }
                return matches.count == 1 ? matches[0] : nil
            }()
        guard let app else { return [refuse(SW.notFound, state)] }
        next.clearSession(powered: true)
        next.app = app
        return [ModelOutcome(sw: SW.ok, next: next)]
    }

    func selectFile(p1: UInt8, fid: UInt16, _ state: ModelState) -> [ModelOutcome] {
        switch p1 {
        case 0x02:
            guard card.directory(state.app)[fid] != nil else { return [refuse(SW.notFound, state)] }
            var next = state
            next.currentFile = fid
            return [ModelOutcome(sw: SW.ok, next: next)]
        case 0x00 where fid == 0x3F00:
            return [refuse(SW.notFound, state)]  // card reference §mf: SELECT 3F00 by file id answers 6A82
        default:
            return [refuse(SW.p1p2, state)]  // fidelity.md: by path, by parent, child DF
        }
    }

    // MARK: READ BINARY, READ RECORD, GET DATA

    func read(_ fid: UInt16, offset: Int, ne: Int, _ state: ModelState, makesCurrent: Bool) -> [ModelOutcome] {
        var current = state
        current.currentFile = fid
        // A read by SFI makes the EF current when it succeeds (card reference §read-binary); after a
        // refusal the reference does not say: both readings are allowed.
        let afterRefusal = makesCurrent ? [state, current] : [state]
        func refused(_ sw: UInt16) -> [ModelOutcome] { Set(afterRefusal).map { ModelOutcome(sw: sw, next: $0) } }
        switch card.directory(state.app)[fid] {
        case .credential?, .key?, .opaque?, .records?: return refused(SW.fileStructure)
        case .protected?: return refused(SW.security)
        case .data(let access)?:
            if let access, access.isDisjoint(with: state.verified) { return refused(SW.security) }
            let content = state.app.flatMap { card.contents[$0]?[fid] } ?? []
            guard offset < content.count else { return refused(SW.offset) }
            let data = Array(content[offset..<min(content.count, offset + ne)])
            return [ModelOutcome(sw: SW.ok, data: .exactly(data), next: makesCurrent ? current : state)]
        case nil: return refused(SW.notFound)
        }
    }

    func readRecord(_ record: UInt8, p2: UInt8, _ state: ModelState) -> [ModelOutcome] {
        if p2 & 0x07 == 0x05 { return [refuse(SW.functionNotSupported, state)] }  // §read-record: to the last record
        guard let fid = state.currentFile else { return [refuse(SW.noCurrentEF, state)] }
        switch card.directory(state.app)[fid] {
        case .records?:
            let records = card.records[fid] ?? []
            guard record >= 1 && Int(record) <= records.count else { return [refuse(SW.recordNotFound, state)] }
            return [ModelOutcome(sw: SW.ok, data: .exactly(records[Int(record) - 1]), next: state)]
        case .protected?: return refuseAny([SW.fileStructure, SW.security], state)
        default: return [refuse(SW.fileStructure, state)]
        }
    }

    func getData(tag: UInt16, le: Int, _ state: ModelState) -> [ModelOutcome] {
        // card reference §get-data, fidelity.md: objects answer in the MF state only (after a cold
        // reset or an ISD SELECT), 5F51 (the ATR without TS) also inside an application.
        let object: [UInt8]
        if tag == 0x5F51 {
            object = Array(card.atr.dropFirst())
        } else {
            guard state.app == nil, let issued = card.dataObjects[tag] else { return [refuse(SW.dataNotFound, state)] }
            object = issued
        }
        if object.count > 256 { return [refuse(SW.wrongLength, state)] }  // a large object needs an extended Le
        let asked = le == 0 ? 256 : le
        if asked == object.count { return [ModelOutcome(sw: SW.ok, data: .exactly(object), next: state)] }
        // fidelity.md: a small object with a short Le answers 6Cxx with its length.
        return [refuse(0x6C00 | UInt16(object.count), state), ModelOutcome(sw: SW.ok, data: .exactly(object), next: state)]
    }

    // MARK: VERIFY, CHANGE REFERENCE DATA, CHANGE KEY

    func verify(p1: UInt8, p2: UInt8, value: ModelCommand.Value?, le: Bool, _ state: ModelState) -> [ModelOutcome] {
        guard p1 == 0x00 else { return [refuse(SW.p1p2, state)] }
        let credential: ModelCredential
        switch referenced(p2: p2, state) {
        case .failure(let refusal): return refuseAny(le ? [refusal.sw, SW.wrongLength] : [refusal.sw], state)
        case .success(.credential(let c)): credential = c
        case .success: return refuseAny(le ? [SW.dataNotFound, SW.wrongLength] : [SW.dataNotFound], state)
        }
        if le { return [refuse(SW.wrongLength, state)] }
        let left = state.tries[credential] ?? 0
        let bytes = resolve(value, state)
        guard !bytes.isEmpty else {  // the query uses no try
            return [refuse(SW.triesLeft(mutation == .queryUsesATry ? max(0, left - 1) : left), state)]
        }
        guard left > 0 else { return [refuse(SW.blocked, state)] }
        var next = state
        if bytes == state.values[credential] {
            next.tries[credential] = credential.limit
            next.verified.insert(credential)
            let success = ModelOutcome(sw: SW.ok, next: next)
            if left == credential.limit {
                // Nothing to write back; a card may write anyway.
                return state.writeFails ? [success] + durable(state, success) : [success]
            }
            return durable(state, success)
        }
        next.tries[credential] = left - 1
        var outcomes = durable(state, ModelOutcome(sw: SW.triesLeft(left - 1), next: next))
        if state.verified.contains(credential) && !state.writeFails {
            // Whether a wrong value ends the credential's verified status is not in the reference.
            next.verified.remove(credential)
            outcomes.append(ModelOutcome(sw: SW.triesLeft(left - 1), next: next))
        }
        return outcomes
    }

    func change(
        p1Allowed: Bool, p2: UInt8, value: ModelCommand.Value?, by method: ModelCredential.Change, _ state: ModelState
    ) -> [ModelOutcome] {
        guard p1Allowed else { return [refuse(SW.p1p2, state)] }
        let credential: ModelCredential
        switch referenced(p2: p2, state) {
        case .failure(let refusal): return [refuse(refusal.sw, state)]
        case .success(.credential(let c)): credential = c
        case .success: return [refuse(SW.dataNotFound, state)]
        }
        let bytes = resolve(value, state)
        // The reference gives no order between these refusals: any that applies is allowed.
        var refusals: Set<UInt16> = []
        if bytes.isEmpty { refusals.insert(SW.wrongLength) }
        if credential.change != method { refusals.insert(SW.conditions) }  // fidelity.md: the other change command
        if !state.verified.contains(credential) {
            refusals.insert(SW.security)  // fidelity.md: not verified in this session
            if state.tries[credential] == 0 { refusals.insert(SW.blocked) }
        }
        if !refusals.isEmpty {
            if !bytes.isEmpty && !credential.accepts(bytes) { refusals.insert(SW.incorrectData) }
            return refuseAny(refusals, state)
        }
        guard credential.accepts(bytes) else { return [refuse(SW.incorrectData, state)] }
        var next = state
        next.values[credential] = bytes
        next.tries[credential] = credential.limit  // fidelity.md: a changed value resets the counter
        return durable(state, ModelOutcome(sw: SW.ok, next: next))
    }

    // MARK: keys

    func key(p2: UInt8, defaultAllowed: Bool, _ state: ModelState) -> Result<ModelKey, Refusal> {
        if p2 == 0x00 && defaultAllowed {
            switch state.app {
            case .text?: return .success(.textCard)
            case .visual?: return .success(.visualCard)
            default: return .failure(Refusal(SW.p1p2))  // fidelity.md: the JPKI AP has no default key
            }
        }
        switch referenced(p2: p2, state) {
        case .failure(let refusal): return .failure(refusal)
        case .success(.key(let k)): return .success(k)
        case .success: return .failure(Refusal(SW.dataNotFound))
        }
    }

    func sign(p1: UInt8, p2: UInt8, length: Int, le: Int?, _ state: ModelState) -> [ModelOutcome] {
        // fidelity.md: key reference → security state → operation allowed → data length.
        var reference: Set<UInt16> = p1 > 0x05 ? [SW.p1p2] : []
        let key: ModelKey?
        switch self.key(p2: p2, defaultAllowed: true, state) {
        case .failure(let refusal):
            reference.insert(refusal.sw)
            if p2 == 0x00, state.app != .jpki { reference.insert(SW.dataNotFound) }  // no default key here: either reading
            key = nil
        case .success(let k): key = k
        }
        if !reference.isEmpty { return refuseAny(reference, state) }
        guard let key else { return [] }
        if let guardian = key.guardedBy, !state.verified.contains(guardian) { return [refuse(SW.security, state)] }
        if key == .common { return [refuse(SW.conditions, state)] }  // the 共通AP key answers INTERNAL AUTHENTICATE only
        var lengths: Set<UInt16> = []
        var lengthOK = true
        switch p1 {
        case 0x00: lengthOK = (1...245).contains(length)
        case 0x02, 0x04:
            if length != 32 { lengths = [SW.wrongLength, SW.conditions] }  // §jpki-sign: 6700 or 6985
        default:
            if length == 0 { lengths = [SW.wrongLength] }
        }
        if !lengthOK { lengths.insert(SW.wrongLength) }
        if let le, le != 0 { lengths.insert(SW.wrongLength) }  // fidelity.md: Le shorter than the signature
        let signature = ModelOutcome(sw: SW.ok, data: .count(256), next: state)
        if !lengths.isEmpty {
            // An empty message to a hashing P1 is not in the reference: a signature is allowed too.
            let emptyHash = length == 0 && [0x01, 0x03, 0x05].contains(p1) && (le ?? 0) == 0
            return refuseAny(lengths, state) + (emptyHash ? [signature] : [])
        }
        return [signature]
    }

    func internalAuthenticate(p2: UInt8, length: Int, _ state: ModelState) -> [ModelOutcome] {
        if p2 == 0x00 {
            // P2 00 (no key named) is not in §internal-authenticate: refused as P1-P2, as no key,
            // or as the 券面 APs' default card key (which answers 6985).
            let cardKey: Set<UInt16> = state.app == .text || state.app == .visual ? [SW.conditions] : []
            return refuseAny(cardKey.union([SW.p1p2, SW.dataNotFound]), state)
        }
        let key: ModelKey
        switch self.key(p2: p2, defaultAllowed: false, state) {
        case .failure(let refusal): return [refuse(refusal.sw, state)]
        case .success(let k): key = k
        }
        switch key {
        case .common:
            // §internal-authenticate: no credential, a challenge of 1–255 bytes.
            return length == 0 ? [refuse(SW.wrongLength, state)] : [ModelOutcome(sw: SW.ok, data: .count(256), next: state)]
        case .jpkiAuth, .jpkiSign:
            // fidelity.md: 6982 before the PIN, 6985 after.
            return [refuse(state.verified.contains(key.guardedBy!) ? SW.conditions : SW.security, state)]
        case .textCard, .visualCard:
            return [refuse(SW.conditions, state)]
        }
    }

    // MARK: classes and instructions

    /// card reference §decision-status-words, §secure-messaging-cla; fidelity.md card level.
    func refusal(cla: UInt8, ins: UInt8) -> UInt16 {
        switch cla {
        case 0x40...0x7F: return SW.channel
        case 0x00...0x1F, 0x80...0x9F:
            if cla & 0x03 != 0 { return SW.channel }
            if cla & 0x10 != 0 { return SW.chaining }
            if cla & 0x0C != 0 { return ins == 0xA4 ? SW.smNotSupported : SW.smSession }
            return SW.instruction
        default: return SW.cla
        }
    }
}
