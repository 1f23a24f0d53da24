import TestSupport

/// Generates commands weighted towards meaningful ones: real AIDs and the current application's
/// FIDs, right and wrong credential values, the reads and keys those credentials open, power
/// actions now and then.
struct ModelGenerator {
    let card: ModelCard
    var random: SeededRandom

    static let wrongValues: [[UInt8]] = ["0000", "9999", "WRONG1", "123456789012", "ABCDEF1234", "1"].map { Array($0.utf8) }
    static let newValues: [[UInt8]] = ["4321", "0000", "NEWPASS1", "ZZ9999", "12", "abcd", "ABCDEF", "1234567890123456X"].map {
        Array($0.utf8)
    }

    /// Commands of a scenario under way, sent before anything new is generated.
    var planned: [ModelCommand] = []

    mutating func next(after state: ModelState) -> ModelCommand {
        if !planned.isEmpty { return planned.removeFirst() }
        if !state.powered { return random.chance(85) ? .powerOn : .restart }
        if random.chance(8) {
            planned = scenario(state)
            return planned.removeFirst()
        }
        let roll = Int(random.next() % 1000)
        switch roll {
        case 0..<10: return .powerOn
        case 10..<20: return .reset
        case 20..<25: return .powerOff
        case 25..<30: return .restart
        case 30..<35: return .failNextWrite
        case 35..<190: return selectApplication()
        case 190..<340: return selectFile(state)
        case 340..<360: return .selectMF
        case 360..<510: return readBinary(state)
        case 510..<560: return readBinarySFI(state)
        case 560..<740: return verify(state)
        case 740..<800: return change(state, key: false)
        case 800..<830: return change(state, key: true)
        case 830..<860: return sign(state)
        case 860..<880: return internalAuthenticate(state)
        case 880..<900: return .getChallenge(le: random.pick([8, 16, 1, 0, nil]), extended: random.chance(10))
        case 900..<920: return .getData(tag: random.pick([0x5F51, 0x0045, 0x0042, 0x00F8, 0x7F21]), le: random.pick([8, 15, 16, 0, 4]))
        case 920..<950: return .readRecord(record: UInt8(random.next() % 3 + 1), p2: random.chance(85) ? 0x04 : 0x05)
        default: return refused()
        }
    }

    /// A short meaningful exchange, as hosts run them (card reference §jpki-host-sequences): verify a
    /// credential and read what it opens, sign, change a value, use up a credential's tries, or
    /// query every counter.
    mutating func scenario(_ state: ModelState) -> [ModelCommand] {
        let credential = random.pick(card.credentials)
        let app = credential.app
        let sfi = 0x80 | UInt8(credential.fid)
        let select = ModelCommand.selectApplication(name: app.aid, p2: 0x0C)
        let opened = (card.files[app] ?? [:]).filter { entry in
            if case .data(let access?) = entry.value { return access.contains(credential) }
            return false
        }.keys.sorted()
        switch Int(random.next() % 6) {
        case 0, 1:
            let read: [ModelCommand] =
                opened.isEmpty ? [] : [.selectFile(p1: 0x02, fid: random.pick(opened)), .readBinary(offset: 0, le: 0, extended: false)]
            return [select, .verify(p1: 0, p2: sfi, value: .current(credential), le: false)] + read
        case 2:
            let (key, guardian): (UInt16, ModelCredential) = random.chance(50) ? (0x0017, .authPIN) : (0x001A, .signPassword)
            return [
                .selectApplication(name: ModelApp.jpki.aid, p2: 0x0C),
                .verify(p1: 0, p2: 0x80 | UInt8(guardian.fid), value: .current(guardian), le: false),
                .selectFile(p1: 0x02, fid: key), .sign(p1: UInt8(random.next() % 6), p2: 0x80, length: random.pick([51, 32]), le: 0),
            ]
        case 3:
            let change: ModelCommand =
                credential.change == .key
                ? .changeKey(p1: 0, p2: sfi, value: .literal(random.pick(Self.newValues)))
                : .changeReferenceData(p1: 1, p2: sfi, value: .literal(random.pick(Self.newValues)))
            return [
                select, .verify(p1: 0, p2: sfi, value: .current(credential), le: false), change, select,
                .verify(p1: 0, p2: sfi, value: .current(credential), le: false),
            ]
        case 4:
            let wrong = ModelCommand.verify(p1: 0, p2: sfi, value: .literal(random.pick(Self.wrongValues)), le: false)
            return [select] + Array(repeating: wrong, count: credential.limit + 1) + [.verify(p1: 0, p2: sfi, value: nil, le: false)]
        default:
            return [select]
                + card.credentials.filter { $0.app == app }.map { .verify(p1: 0, p2: 0x80 | UInt8($0.fid), value: nil, le: false) }
        }
    }

    mutating func selectApplication() -> ModelCommand {
        let app = random.pick([ModelApp.jpki, .jpki, .jpki, .text, .text, .visual, .visual, .common, .juki])
        let roll = Int(random.next() % 100)
        let name: [UInt8]
        switch roll {
        case 0..<72: name = app.aid
        case 72..<80: name = ModelApp.issuerSecurityDomain
        case 80..<90: name = Array(app.aid.prefix(Int(random.next() % UInt64(app.aid.count - 4)) + 5))
        case 90..<95: name = app.aid + [0x00]
        default: name = (0..<Int(random.next() % 12 + 5)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
        return .selectApplication(name: name, p2: random.chance(95) ? 0x0C : random.pick([0x00, 0x04, 0x0D]))
    }

    mutating func selectFile(_ state: ModelState) -> ModelCommand {
        if random.chance(3) { return .selectFile(p1: random.pick([0x00, 0x01, 0x08]), fid: 0x3F00) }
        let present = Array(card.directory(state.app).keys)
        if !present.isEmpty && random.chance(85) { return .selectFile(p1: 0x02, fid: random.pick(present)) }
        return .selectFile(p1: 0x02, fid: random.pick([0x0003, 0x0007, 0x0030, 0x2F10, 0x3F00, 0xFFFF, 0x001D]))
    }

    mutating func le() -> (le: Int?, extended: Bool) {
        switch Int(random.next() % 100) {
        case 0..<45: return (0, false)
        case 45..<60: return (4, false)
        case 60..<70: return (7, false)
        case 70..<82: return (Int(random.next() % 255) + 1, false)
        case 82..<92: return (random.pick([0, 300, 2048]), true)
        case 92..<97: return (random.pick([0, 64]), true)
        default: return (nil, false)
        }
    }

    mutating func offset(for fid: UInt16?, _ state: ModelState) -> Int {
        let size = state.app.flatMap { app in fid.flatMap { card.contents[app]?[$0]?.count } } ?? 300
        switch Int(random.next() % 100) {
        case 0..<60: return 0
        case 60..<75: return random.pick([size - 1, size, size + 1, max(0, size - 4)])
        case 75..<90: return Int(random.next() % UInt64(max(1, size)))
        default: return random.pick([256, 0x7FFF, 4, 1])
        }
    }

    mutating func readBinary(_ state: ModelState) -> ModelCommand {
        let (le, extended) = le()
        return .readBinary(offset: max(0, min(0x7FFF, offset(for: state.currentFile, state))), le: le, extended: extended)
    }

    mutating func readBinarySFI(_ state: ModelState) -> ModelCommand {
        let (le, extended) = le()
        let files = card.directory(state.app).keys.filter { $0 <= 0x1E }
        let fid = !files.isEmpty && random.chance(85) ? random.pick(Array(files)) : UInt16(random.next() % 31)
        let p1 = random.chance(95) ? 0x80 | UInt8(fid) : random.pick([0xA0 | UInt8(fid & 0x1F), 0xC1, 0x80])
        return .readBinarySFI(p1: p1, offset: UInt8(max(0, min(255, offset(for: fid, state)))), le: le, extended: extended)
    }

    /// P2 naming a credential or key: the current EF, one of the current application's by SFI, or another.
    mutating func reference(_ state: ModelState, credentials: Bool) -> UInt8 {
        let files = card.directory(state.app).filter { entry in
            switch entry.value {
            case .credential: return credentials
            case .key: return !credentials
            default: return false
            }
        }.keys
        switch Int(random.next() % 100) {
        case 0..<40: return 0x80
        case 40..<90: return 0x80 | UInt8(files.isEmpty ? random.next() % 31 : UInt64(random.pick(Array(files)) & 0x1F))
        case 90..<95: return 0x80 | UInt8(random.next() % 31)
        default: return random.pick([0x00, 0x01, 0x9F, 0xA0, 0xFF])
        }
    }

    func credential(named p2: UInt8, _ state: ModelState) -> ModelCredential? {
        let fid = p2 == 0x80 ? state.currentFile : card.file(sfi: p2 & 0x1F, in: state.app)
        guard let fid, case .credential(let c)? = card.directory(state.app)[fid] else { return nil }
        return c
    }

    mutating func verify(_ state: ModelState) -> ModelCommand {
        let p2 = reference(state, credentials: true)
        let target = credential(named: p2, state) ?? random.pick(ModelCredential.allCases)
        let value: ModelCommand.Value?
        switch Int(random.next() % 100) {
        case 0..<28: value = nil
        case 28..<68: value = .current(target)
        case 68..<75: value = .current(random.pick(ModelCredential.allCases))
        default: value = .literal(random.pick(Self.wrongValues))
        }
        return .verify(p1: random.chance(2) ? 0x01 : 0x00, p2: p2, value: value, le: random.chance(3))
    }

    mutating func change(_ state: ModelState, key: Bool) -> ModelCommand {
        let p2 = reference(state, credentials: true)
        let value: ModelCommand.Value? =
            random.chance(5)
            ? nil : random.chance(15) ? .current(credential(named: p2, state) ?? .authPIN) : .literal(random.pick(Self.newValues))
        if key { return .changeKey(p1: random.chance(95) ? 0x00 : 0x01, p2: p2, value: value) }
        return .changeReferenceData(p1: random.chance(95) ? 0x01 : 0x00, p2: p2, value: value)
    }

    mutating func sign(_ state: ModelState) -> ModelCommand {
        let p2 = random.chance(20) ? random.pick([0x00, 0x97, 0x9A]) : reference(state, credentials: false)
        let p1: UInt8 = random.chance(70) ? 0x00 : UInt8(random.next() % 7)
        let length = random.pick([51, 51, 51, 32, 32, 0, 245, 246, 19])
        return .sign(p1: p1, p2: p2, length: length, le: random.pick([0, 0, 0, nil, 16]))
    }

    mutating func internalAuthenticate(_ state: ModelState) -> ModelCommand {
        let p2 = random.chance(40) ? random.pick([0x99, 0x97, 0x93, 0x9A]) : reference(state, credentials: false)
        return .internalAuthenticate(p2: p2, length: random.pick([16, 16, 32, 0, 255]))
    }

    mutating func refused() -> ModelCommand {
        let (cla, ins): (UInt8, UInt8) = random.pick([
            (0x01, 0xB0), (0x03, 0xA4), (0x10, 0xB0), (0x0C, 0xA4), (0x0C, 0xB0), (0x08, 0x20), (0x04, 0xA4), (0xE0, 0xA4),
            (0xA0, 0xB0), (0x40, 0xB0), (0x00, 0x2A), (0x00, 0x32), (0x80, 0xA4), (0x80, 0xB0), (0x00, 0xFE), (0x00, 0x12),
        ])
        return .refused(cla: cla, ins: ins, p1: 0x00)
    }
}
