import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona
import TestSupport
import Testing

@Suite("JPKI AP: PIN, password and security state")
struct JPKICredentialTests {
    let persona = try! Fixtures.persona("yamada-taro").persona

    @Test func authPINCounterLifeCycle() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        _ = card.send(JPKIAPDU.selectEF("0018"))
        #expect(card.sw(JPKIAPDU.query) == "63C3")
        #expect(card.sw(JPKIAPDU.verify("0000")) == "63C2")
        #expect(card.sw(JPKIAPDU.query) == "63C2")  // the query consumes nothing
        #expect(card.sw(JPKIAPDU.query) == "63C2")
        #expect(card.sw(JPKIAPDU.verify(persona.credentials.authPIN)) == "9000")  // success resets
        #expect(card.sw(JPKIAPDU.query) == "63C3")  // 63Cx even right after a success (OpenSC PR #959)
        #expect(card.sw(JPKIAPDU.verify("0000")) == "63C2")
        #expect(card.sw(JPKIAPDU.verify("0001")) == "63C1")
        #expect(card.sw(JPKIAPDU.verify("0002")) == "63C0")  // the exhausting try
        #expect(card.sw(JPKIAPDU.verify("0003")) == "6984")  // every later try
        #expect(card.sw(JPKIAPDU.verify(persona.credentials.authPIN)) == "6984")  // even the right PIN
        #expect(card.sw(JPKIAPDU.query) == "63C0")
        // Power cycles and re-selects do not reset the counter.
        _ = card.powerOn()
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.sw("0020009800") == "6700")
        #expect(card.sw("00200098") == "63C0")
    }

    @Test func signPasswordHasFiveTriesAndIsCaseSensitive() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        _ = card.send(JPKIAPDU.selectEF("001B"))
        #expect(card.sw(JPKIAPDU.query) == "63C5")
        #expect(card.sw(JPKIAPDU.verify(persona.credentials.signPassword.lowercased())) == "63C4")
        #expect(card.sw(JPKIAPDU.verify(persona.credentials.signPassword)) == "9000")
        #expect(card.sw(JPKIAPDU.query) == "63C5")
        for left in (0..<5).reversed() { #expect(card.sw(JPKIAPDU.verify("WRONG1")) == "63C\(left)") }
        #expect(card.sw(JPKIAPDU.verify("WRONG1")) == "6984")
        // The auth PIN is untouched.
        #expect(card.sw("00200098") == "63C3")
    }

    @Test func verifyByShortEFIdentifierAndParameterErrors() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.sw("00200098") == "63C3")
        #expect(card.sw("0020009B") == "63C5")
        #expect(card.sw("00200098" + "04" + Hex.encode(Array(persona.credentials.authPIN.utf8))) == "9000")
        #expect(card.sw("00200080") == "6986")  // no current EF
        _ = card.send(JPKIAPDU.selectEF("000A"))
        #expect(card.sw("00200080") == "6A88")  // the current EF is no credential
        #expect(card.sw("0020008A") == "6A88")
        #expect(card.sw("00200198") == "6A86")
        #expect(card.sw("002000A0") == "6A86")
        #expect(card.sw("0020009804313233343500") == "6700")  // case 4
    }

    @Test func securityStateIsClearedBySelectResetAndPowerOff() throws {
        var card = try Fixtures.card()
        func verifiedAndSign() -> String {
            _ = card.send(JPKIAPDU.selectEF("0017"))
            return card.sw("802A0080" + "33" + Hex.encode(JPKIAPDU.sha256DigestInfo([1, 2, 3])) + "00")
        }
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.sw("00200098" + "04" + Hex.encode(Array(persona.credentials.authPIN.utf8))) == "9000")
        #expect(verifiedAndSign() == "9000")
        _ = card.send(JPKIAPDU.selectAP)  // re-selecting the same AP logs out
        #expect(verifiedAndSign() == "6982")
        _ = card.send("00200098" + "04" + Hex.encode(Array(persona.credentials.authPIN.utf8)))
        _ = card.reset()
        _ = card.send(JPKIAPDU.selectAP)
        #expect(verifiedAndSign() == "6982")
        _ = card.send("00200098" + "04" + Hex.encode(Array(persona.credentials.authPIN.utf8)))
        card.powerOff()
        #expect(card.sw("00A4040C0AD392F000260100000001") == "6F00")  // unpowered
        _ = card.powerOn()
        _ = card.send(JPKIAPDU.selectAP)
        #expect(verifiedAndSign() == "6982")
    }

    @Test func changeReferenceData() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        _ = card.send(JPKIAPDU.selectEF("0018"))
        #expect(card.sw("0024018004" + Hex.encode(Array("9999".utf8))) == "6982")  // not verified
        #expect(card.sw(JPKIAPDU.verify(persona.credentials.authPIN)) == "9000")
        #expect(card.sw("0024018003" + Hex.encode(Array("999".utf8))) == "6A80")  // 3 digits
        #expect(card.sw("0024018004" + Hex.encode(Array("99A9".utf8))) == "6A80")
        #expect(card.sw("0024008004" + Hex.encode(Array("9999".utf8))) == "6A86")  // P1 00 (old+new) not supported
        #expect(card.sw("00240180") == "6700")
        #expect(card.sw("0024018004" + Hex.encode(Array("9999".utf8))) == "9000")
        _ = card.send(JPKIAPDU.selectAP)
        _ = card.send(JPKIAPDU.selectEF("0018"))
        #expect(card.sw(JPKIAPDU.verify(persona.credentials.authPIN)) == "63C2")
        #expect(card.sw(JPKIAPDU.verify("9999")) == "9000")
        // The sign password: letters and digits, 6–16.
        _ = card.send(JPKIAPDU.selectEF("001B"))
        #expect(card.sw(JPKIAPDU.verify(persona.credentials.signPassword)) == "9000")
        for bad in ["ABCDEF", "123456", "abc123", "AB12", "ABCDEFGHIJ1234567"] {
            #expect(card.sw("00240180" + Hex.encode([UInt8(bad.utf8.count)]) + Hex.encode(Array(bad.utf8))) == "6A80", "\(bad)")
        }
        #expect(card.sw("0024019B06" + Hex.encode(Array("NEW123".utf8))) == "9000")
        // CHANGE KEY is for the 住基 PINs, not for JPKI.
        #expect(card.sw("8032009B06" + Hex.encode(Array("NEW456".utf8))) == "6985")
    }

    @Test func faceAuthenticationCardAnswersAsBlocked() throws {
        var card = try Fixtures.card("takahashi-face")
        _ = card.send(JPKIAPDU.selectAP)
        _ = card.send(JPKIAPDU.selectEF("0018"))
        #expect(card.sw(JPKIAPDU.query) == "63C0")
        #expect(card.sw(JPKIAPDU.verify("0000")) == "6984")
        // The auth certificate is still free to read.
        #expect(card.readFile(0x000A).sw == "9000")
    }
}
