import Testing

@testable import VirtualReader

@Suite("vpcd session: requests to actions")
struct SessionTests {
    @Test("power off, power on and reset get no reply; GET ATR gets the ATR")
    func power() {
        let card = TestCard()
        let session = VPCDSession(card: card)
        #expect(session.respond(to: .powerOn) == .nothing)
        #expect(session.respond(to: .reset) == .nothing)
        #expect(session.respond(to: .powerOff) == .nothing)
        #expect(session.respond(to: .getATR) == .send([0, 9] + TestCard.atr))
        #expect(card.recorded == ["powerOn", "reset", "powerOff"])
    }

    @Test("no card: GET ATR, power on and reset hang up")
    func noCard() {
        let session = VPCDSession(card: TestCard(atr: nil))
        #expect(session.respond(to: .getATR) == .hangUp(.noCard))
        #expect(session.respond(to: .powerOn) == .hangUp(.noCard))
        #expect(session.respond(to: .reset) == .hangUp(.noCard))
    }

    @Test("an empty or over-long ATR is never sent")
    func badATR() {
        #expect(VPCDSession(card: TestCard(atr: [])).respond(to: .getATR) == .hangUp(.noCard))
        let long = [UInt8](repeating: 0x3B, count: 34)
        #expect(VPCDSession(card: TestCard(atr: long)).respond(to: .getATR) == .hangUp(.badReply(.atrLength(34))))
    }

    @Test("APDU answers: response, mute, removed, and an empty response")
    func apdus() {
        let apdu: [UInt8] = [0x00, 0x84, 0x00, 0x00, 0x08]
        #expect(VPCDSession(card: TestCard { _ in .response([0x6D, 0x00]) }).respond(to: .apdu(apdu)) == .send([0, 2, 0x6D, 0x00]))
        #expect(VPCDSession(card: TestCard { _ in .mute }).respond(to: .apdu(apdu)) == .stayMute)
        #expect(VPCDSession(card: TestCard { _ in .removed }).respond(to: .apdu(apdu)) == .hangUp(.removedDuringCommand))
        #expect(VPCDSession(card: TestCard { _ in .response([]) }).respond(to: .apdu(apdu)) == .hangUp(.badReply(.emptyReply)))
    }
}
