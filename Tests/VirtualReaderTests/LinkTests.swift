import Foundation
import Testing

@testable import VirtualReader

@Suite("VPCDLink against a fake vpcd")
struct LinkTests {
    private func configuration(_ fake: FakeVPCD) throws -> VPCDLinkConfiguration {
        var configuration = VPCDLinkConfiguration(endpoint: try fake.endpoint)
        configuration.backoff = ReconnectBackoff(initial: .milliseconds(10), maximum: .milliseconds(40))
        configuration.muteTimeout = .milliseconds(300)
        configuration.cardPollInterval = .milliseconds(20)
        return configuration
    }

    @Test("power on, GET ATR and APDUs: no reply to power on, the ATR, then the responses in order")
    func roundTrip() throws {
        let fake = try FakeVPCD()
        let card = TestCard { apdu in .response(apdu.count == 5 ? [UInt8](repeating: 7, count: 8) + [0x90, 0x00] : [0x6D, 0x00]) }
        let link = try VPCDLink(card: card, configuration: configuration(fake))
        link.start()
        defer { link.stop() }
        let connection = try #require(fake.accept())
        // vpcd 0.8 sends power on and GET ATR back to back: both may arrive in one read.
        connection.send(try VPCDFraming.frame([1]) + VPCDFraming.frame([4]))
        #expect(connection.receive() == .frame(TestCard.atr))
        #expect(connection.exchange(.apdu([0x00, 0x84, 0x00, 0x00, 0x08])) == .frame([UInt8](repeating: 7, count: 8) + [0x90, 0x00]))
        #expect(connection.exchange(.apdu([0x00, 0xCA, 0x00, 0x00, 0x00, 0x01])) == .frame([0x6D, 0x00]))
        connection.send(.powerOff)
        #expect(connection.exchange(.getATR) == .frame(TestCard.atr))
        #expect(card.recorded == ["powerOn", "transmit", "transmit", "powerOff"])
        guard case .connected(_, let requests) = link.status.state else {
            Issue.record("expected connected, got \(link.status)")
            return
        }
        #expect(requests == 6)
    }

    @Test("a payload dribbled one byte per segment is framed correctly, and a 4 KB response arrives whole")
    func splitPayload() throws {
        let fake = try FakeVPCD()
        let big = [UInt8](repeating: 0x42, count: 4096) + [0x90, 0x00]
        let card = TestCard { apdu in .response(apdu.count == 300 ? big : [0x67, 0x00]) }
        let link = try VPCDLink(card: card, configuration: configuration(fake))
        link.start()
        defer { link.stop() }
        let connection = try #require(fake.accept())
        let apdu = [0x00, 0xD6, 0x00, 0x00, 0xFF] + [UInt8](repeating: 1, count: 295)
        connection.send(try VPCDFraming.frame(apdu), chunk: 1, pause: .microseconds(300))
        #expect(connection.receive() == .frame(big))
    }

    @Test("an empty slot is not connected; inserting the card connects it")
    func insertion() throws {
        let fake = try FakeVPCD()
        let card = TestCard(atr: nil)
        let link = try VPCDLink(card: card, configuration: configuration(fake))
        link.start()
        defer { link.stop() }
        #expect(fake.accept(timeout: .milliseconds(200)) == nil)
        #expect(link.status.state == .waitingForCard)
        card.setATR(TestCard.atr)
        link.cardChanged()
        let connection = try #require(fake.accept(timeout: .seconds(2)))
        #expect(connection.exchange(.getATR) == .frame(TestCard.atr))
    }

    @Test("removing the card closes the connection at vpcd's next GET ATR, and the link waits for a card")
    func removalAtPoll() throws {
        let fake = try FakeVPCD()
        let card = TestCard()
        let link = try VPCDLink(card: card, configuration: configuration(fake))
        link.start()
        defer { link.stop() }
        let connection = try #require(fake.accept())
        #expect(connection.exchange(.getATR) == .frame(TestCard.atr))
        card.setATR(nil)
        connection.send(.getATR)
        #expect(connection.waitForClose() == .reset)
        #expect(eventually { link.status.state == .waitingForCard })
        #expect(link.status.lastDisconnect == .hungUp(.noCard))
        #expect(fake.accept(timeout: .milliseconds(100)) == nil)
    }

    @Test("a card swap closes the connection in order (vpcd sees a removal) and connects again")
    func swap() throws {
        let fake = try FakeVPCD()
        let link = try VPCDLink(card: TestCard(), configuration: configuration(fake))
        link.start()
        defer { link.stop() }
        let first = try #require(fake.accept())
        #expect(first.exchange(.getATR) == .frame(TestCard.atr))
        link.cardChanged()
        #expect(first.waitForClose() == .closed)
        let second = try #require(fake.accept())
        #expect(second.exchange(.getATR) == .frame(TestCard.atr))
    }

    @Test("vpcd going away and coming back on the same port: the link reconnects")
    func reconnect() throws {
        var fake = try FakeVPCD()
        let port = fake.port
        let link = try VPCDLink(card: TestCard(), configuration: configuration(fake))
        link.start()
        defer { link.stop() }
        var connection = try #require(fake.accept())
        #expect(connection.exchange(.getATR) == .frame(TestCard.atr))
        fake.close()
        connection = FakeCardConnection(fd: -1)  // drops the old one: the card reads EOF
        #expect(
            eventually {
                if case .connecting(_, _, .some(_)) = link.status.state { return true }
                return false
            })
        #expect(link.status.lastDisconnect == .closedByDriver(try fake.endpoint.description))
        fake = try FakeVPCD(port: port)
        let again = try #require(fake.accept(timeout: .seconds(3)))
        #expect(again.exchange(.getATR) == .frame(TestCard.atr))
    }

    @Test("nothing listening: attempts are counted and the error is worded")
    func refused() throws {
        let fake = try FakeVPCD()
        let configuration = try configuration(fake)
        fake.close()
        let link = try VPCDLink(card: TestCard(), configuration: configuration)
        link.start()
        defer { link.stop() }
        #expect(
            eventually {
                if case .connecting(let attempt, .some, .refused) = link.status.state { return attempt >= 3 }
                return false
            })
        #expect(link.status.description.contains("connection refused"))
    }

    @Test("a mute card is dropped with a reset after the mute timeout, then reconnects")
    func mute() throws {
        let fake = try FakeVPCD()
        let link = try VPCDLink(card: TestCard { _ in .mute }, configuration: configuration(fake))
        link.start()
        defer { link.stop() }
        let connection = try #require(fake.accept())
        let started = ContinuousClock.now
        connection.send(.apdu([0x00, 0x84, 0x00, 0x00, 0x08]))
        #expect(connection.waitForClose() == .reset)
        #expect(ContinuousClock.now - started >= .milliseconds(290))
        #expect(eventually { link.status.lastDisconnect == .muteTimeout(.milliseconds(300)) })
        #expect(fake.accept() != nil)
    }

    @Test("a card removed during a command resets the connection")
    func removedDuringCommand() throws {
        let fake = try FakeVPCD()
        let card = TestCard()
        card.setAnswer { _ in
            .removed
        }
        let link = try VPCDLink(card: card, configuration: configuration(fake))
        link.start()
        defer { link.stop() }
        let connection = try #require(fake.accept())
        connection.send(.apdu([0x00, 0x84, 0x00, 0x00, 0x08]))
        #expect(connection.waitForClose() == .reset)
        #expect(eventually { link.status.lastDisconnect == .hungUp(.removedDuringCommand) })
    }

    @Test("an unknown control byte closes the connection with a protocol error, and the link backs off")
    func protocolViolation() throws {
        let fake = try FakeVPCD()
        let link = try VPCDLink(card: TestCard(), configuration: configuration(fake))
        link.start()
        defer { link.stop() }
        let connection = try #require(fake.accept())
        connection.send(try VPCDFraming.frame([0x07]))
        #expect(connection.waitForClose() == .reset)
        #expect(eventually { link.status.lastDisconnect == .protocolViolation(.unknownControl(0x07)) })
        #expect(fake.accept() != nil)
    }

    @Test("an empty ATR counts as an empty slot: the link does not connect")
    func emptyATR() throws {
        let fake = try FakeVPCD()
        let link = try VPCDLink(card: TestCard(atr: []), configuration: configuration(fake))
        link.start()
        defer { link.stop() }
        #expect(fake.accept(timeout: .milliseconds(200)) == nil)
        #expect(link.status.state == .waitingForCard)
    }

    @Test("an ATR over 33 bytes is never sent: the link hangs up, reports why and backs off")
    func overlongATR() throws {
        let fake = try FakeVPCD()
        let link = try VPCDLink(card: TestCard(atr: [UInt8](repeating: 0x3B, count: 40)), configuration: configuration(fake))
        link.start()
        defer { link.stop() }
        let connection = try #require(fake.accept())
        connection.send(.getATR)
        #expect(connection.waitForClose() == .reset)
        #expect(
            eventually {
                if case .connecting(_, .some, .hungUp(.badReply(.atrLength(40)))) = link.status.state { return true }
                return false
            })
        #expect(link.status.description.contains("1–33"))
    }

    @Test("stop() closes the connection in order and the link reports stopped")
    func stop() throws {
        let fake = try FakeVPCD()
        let link = try VPCDLink(card: TestCard(), configuration: configuration(fake))
        link.start()
        let connection = try #require(fake.accept())
        #expect(connection.exchange(.getATR) == .frame(TestCard.atr))
        link.stop()
        #expect(connection.waitForClose() == .closed)
        #expect(link.status.state == .stopped)
        link.stop()  // twice is fine
    }

    @Test("stop() ends a mute hold at once")
    func stopWhileMute() throws {
        let fake = try FakeVPCD()
        var configuration = try configuration(fake)
        configuration.muteTimeout = nil
        let link = try VPCDLink(card: TestCard { _ in .mute }, configuration: configuration)
        link.start()
        let connection = try #require(fake.accept())
        connection.send(.apdu([0x00, 0x84, 0x00, 0x00, 0x08]))
        #expect(eventually { if case .mute = link.status.state { return true } else { return false } })
        let started = ContinuousClock.now
        link.stop()
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(connection.waitForClose() == .closed)
    }
}
