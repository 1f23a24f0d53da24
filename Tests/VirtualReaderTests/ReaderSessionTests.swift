import Testing
import VirtualReader

@Suite("Reader session: the line")
struct ReaderSessionTests {
    static let escape02 = CCIDCommand(sequence: 0, .escape([0x02])).encoded
    static let getSlotStatus = CCIDCommand(sequence: 2, .getSlotStatus).encoded

    func session(_ model: ReaderModel = .gemPCTwin, cards: [MockCard] = [MockCard()]) -> ReaderSession {
        ReaderSession(firmware: ReaderFirmware(model: model, cards: cards))
    }

    /// The frames a session sends for one command.
    func exchange(_ line: inout ReaderSession, _ command: CCIDCommand) -> [[UInt8]] {
        frames(line.receive(SerialFraming.frame(command.encoded), at: .now).transmissions[0].bytes)
    }

    /// Splits what the reader sent into frames as the driver's ReadSerial would.
    func frames(_ bytes: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var rest = bytes[...]
        while let first = rest.first {
            if first == 0x50 {
                out.append(Array(rest.prefix(2)))
                rest = rest.dropFirst(2)
                continue
            }
            if rest.starts(with: SerialFraming.nakFrame) {
                out.append(SerialFraming.nakFrame)
                rest = rest.dropFirst(3)
                continue
            }
            let length = 2 + 10 + (CCIDHeader.declaredLength(rest.dropFirst(2)) ?? 0) + 1
            out.append(Array(rest.prefix(length)))
            rest = rest.dropFirst(length)
        }
        return out
    }

    @Test("GemPC Twin: header-only echo, then the answer frame, in one transmission (docs/ccid-reader.md, framing)")
    func echoThenAnswer() {
        var line = session()
        let output = line.receive(SerialFraming.frame(Self.getSlotStatus), at: .now)
        #expect(output.transmissions.count == 1)
        let sent = frames(output.transmissions[0].bytes)
        #expect(sent == [hex("03 06 65 00 00 00 00 00 02 00 00 00 62"), hex("03 06 81 00 00 00 00 00 02 01 00 00 87")])
    }

    @Test("SEC1210 sends no echo")
    func noEcho() {
        var line = session(.sec1210, cards: [MockCard(), MockCard()])
        let sent = exchange(&line, CCIDCommand(slot: 1, sequence: 3, .getSlotStatus))
        #expect(sent == [SerialFraming.frame(hex("81 00 00 00 00 01 03 01 00 00"))])
    }

    @Test("a card movement goes out as 50 xx between the echo and the answer")
    func notificationPlacement() {
        let card = MockCard()
        var line = session(cards: [card])
        _ = line.receive(SerialFraming.frame(Self.getSlotStatus), at: .now)
        card.remove()
        let sent = frames(line.receive(SerialFraming.frame(Self.getSlotStatus), at: .now).transmissions[0].bytes)
        #expect(sent.count == 3)
        #expect(sent[1] == [0x50, 0x02])
        #expect(sent[2][9] == 0x02)
    }

    @Test("a bad LRC from the host is refused with 03 15 16 and the next frame is answered")
    func nakOnBadLRC() {
        var line = session()
        var bad = SerialFraming.frame(Self.getSlotStatus)
        bad[bad.count - 1] ^= 0xFF
        let output = line.receive(bad + SerialFraming.frame(Self.getSlotStatus), at: .now)
        #expect(output.transmissions.map(\.bytes).first == SerialFraming.nakFrame)
        #expect(output.transmissions.count == 2)
    }

    @Test("NAK storm: the next N frames get NAK without reaching the firmware, then service resumes")
    func nakStorm() {
        var line = session()
        line.inject(.nakHostFrames(2))
        for sequence: UInt8 in 0..<2 {
            let output = line.receive(SerialFraming.frame(CCIDCommand(sequence: sequence, .escape([0x02])).encoded), at: .now)
            #expect(output.transmissions.map(\.bytes) == [SerialFraming.nakFrame])
        }
        let answer = exchange(&line, CCIDCommand(sequence: 2, .escape([0x02])))
        #expect(answer.count == 2 && answer[1][2] == 0x83)
    }

    @Test("a corrupted answer LRC leaves the echo intact and applies once")
    func corruptLRC() {
        var line = session()
        line.inject(.corruptNextAnswerLRC())
        let sent = frames(line.receive(SerialFraming.frame(Self.getSlotStatus), at: .now).transmissions[0].bytes)
        #expect(SerialFraming.lrc(sent[0]) == 0)
        #expect(SerialFraming.lrc(sent[1]) != 0)
        let next = frames(line.receive(SerialFraming.frame(Self.getSlotStatus), at: .now).transmissions[0].bytes)
        #expect(SerialFraming.lrc(next[1]) == 0)
    }

    @Test("a dropped answer is never sent, not even late; the next command is answered in sync")
    func dropAnswer() {
        let card = MockCard()
        var line = session(cards: [card])
        line.inject(.dropNextAnswer())
        let dropped = line.receive(SerialFraming.frame(CCIDCommand(sequence: 5, .iccPowerOn(.fiveVolts)).encoded), at: .now)
        let echo = SerialFraming.headerOnlyEcho(of: CCIDCommand(sequence: 5, .iccPowerOn(.fiveVolts)).encoded)
        #expect(frames(dropped.transmissions[0].bytes) == [echo])
        #expect(card.powerOns.count == 1, "the reader did execute the command")
        let next = exchange(&line, CCIDCommand(sequence: 6, .getSlotStatus))
        #expect(next.count == 2)
        #expect(Array(next[1][2...]).prefix(10) == hex("81 00 00 00 00 00 06 00 00 00")[...])
    }

    @Test("a host NAK gets the last transmission again; a stalled frame is refused at the idle timeout")
    func retransmitAndStall() {
        var line = session()
        let first = line.receive(SerialFraming.frame(Self.escape02), at: .now).transmissions[0].bytes
        #expect(line.receive(SerialFraming.nakFrame, at: .now).transmissions[0].bytes == first)
        _ = line.receive(SerialFraming.frame(Self.getSlotStatus).prefix(5), at: .now)
        #expect(line.isMidFrame)
        #expect(line.lineIdle().transmissions.map(\.bytes) == [SerialFraming.nakFrame])
        #expect(!line.isMidFrame)
    }

    @Test("answers carry the host's deadline: 90 ms for reader commands, BWT + margin for XfrBlock")
    func deadlines() {
        var line = session()
        let now = ContinuousClock.now
        let status = line.receive(SerialFraming.frame(Self.getSlotStatus), at: now).transmissions[0]
        #expect(status.deadline == now + HostDeadlines.debianLibccidtwin.immediate)
        _ = line.receive(SerialFraming.frame(CCIDCommand(.iccPowerOn(.fiveVolts)).encoded), at: now)
        let t1 = CCIDCommand(.setParameters(protocolNumber: 1, data: hex("11 10 FF 45 00 FE 00")))
        _ = line.receive(SerialFraming.frame(t1.encoded), at: now)
        let xfr = line.receive(
            SerialFraming.frame(CCIDCommand(.xfrBlock(block: [0, 0, 0, 0], bwi: 0, levelParameter: 0)).encoded), at: now)
        let budget = now.duration(to: xfr.transmissions[0].deadline ?? now)
        #expect(budget > .milliseconds(1900) && budget < .milliseconds(1940))
    }

    @Test("random frames and garbage never trap: every good frame is answered or refused")
    func fuzz() {
        let types: [UInt8] = [0x61, 0x62, 0x63, 0x65, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x71, 0x72, 0x73, 0x00, 0x80, 0xFF]
        var line = session(.gemPCPinPad)
        var answered = 0
        for round in 0..<3_000 {
            var message = [types.randomElement() ?? 0] + [0, 0, 0, 0, UInt8.random(in: 0...2), UInt8(round & 0xFF)]
            message += (0..<3).map { _ in UInt8.random(in: 0...255) }
            let data = (0..<Int.random(in: 0...40)).map { _ in UInt8.random(in: 0...255) }
            message[1] = UInt8(data.count)
            var bytes = SerialFraming.frame(message + data)
            if round % 7 == 0 { bytes += (0..<5).map { _ in UInt8.random(in: 0...255) } }
            let output = line.receive(bytes, at: .now)
            answered += output.transmissions.count
            _ = line.lineIdle()
        }
        #expect(answered >= 3_000)
    }
}

@Suite("Reader session: targeted faults")
struct TargetedFaultTests {
    @Test("a fault limited to one message type lets other messages (the 400 ms poll) through")
    func targeted() {
        var line = ReaderSession(firmware: ReaderFirmware(model: .gemPCTwin, cards: [MockCard()]))
        line.inject(.nakHostFrames(1, only: .escape))
        line.inject(.dropNextAnswer(only: .escape))
        let poll = line.receive(SerialFraming.frame(CCIDCommand(sequence: 1, .getSlotStatus).encoded), at: .now)
        #expect(poll.transmissions[0].bytes.count == 26)
        let nak = line.receive(SerialFraming.frame(CCIDCommand(sequence: 2, .escape([0x02])).encoded), at: .now)
        #expect(nak.transmissions[0].bytes == SerialFraming.nakFrame)
        let dropped = line.receive(SerialFraming.frame(CCIDCommand(sequence: 3, .escape([0x02])).encoded), at: .now)
        #expect(dropped.transmissions[0].bytes.count == 13, "echo only")
        let normal = line.receive(SerialFraming.frame(CCIDCommand(sequence: 4, .escape([0x02])).encoded), at: .now)
        #expect(normal.transmissions[0].bytes.count > 26)
    }
}

@Suite("Reader session: deadlines")
struct DeadlineOptionTests {
    @Test("answer budgets come from the firmware options")
    func customBudget() {
        let options = FirmwareOptions(deadlines: HostDeadlines(immediate: .milliseconds(10)))
        var line = ReaderSession(firmware: ReaderFirmware(model: .gemPCTwin, cards: [MockCard()], options: options))
        let now = ContinuousClock.now
        let output = line.receive(SerialFraming.frame(CCIDCommand(.getSlotStatus).encoded), at: now)
        #expect(output.transmissions[0].deadline == now + .milliseconds(10))
        #expect(HostDeadlines.debianLibccidtwin.secure(timeoutSeconds: 30) == .seconds(89))
        #expect(HostDeadlines.debianLibccidtwin.secure(timeoutSeconds: 120) == .seconds(129))
    }
}
