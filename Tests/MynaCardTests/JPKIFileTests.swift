import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona
import TestSupport
import Testing

@Suite("JPKI AP: selection and files")
struct JPKIFileTests {
    let persona = try! Fixtures.persona("yamada-taro")

    @Test func selectsByFullAIDAndRejectsForeignAIDs() throws {
        var card = try Fixtures.card()
        #expect(card.send(JPKIAPDU.selectAP) == "9000")
        #expect(card.sw("00A4040C0AD392F000260100000099") == "6A82")
        #expect(card.sw("00A4040C07A0000000030000") == "6A82")
        #expect(card.sw("00A4040C00") == "6700")  // Lc 0 is not a DF name
        #expect(card.sw("00A4040400") == "6A86")  // P2 04 (FCP) is not supported
        #expect(card.sw("00A4040C05D392F00026") == "9000")  // partial DF name naming one AP
        #expect(card.sw("00A4080C020001") == "6A86")  // select by path: not supported
    }

    @Test func openSCProbesAreAllRefused() throws {
        var card = try Fixtures.card()
        let url = Fixtures.repositoryRoot.appendingPathComponent("vectors/opensc-probe-apdus.txt")
        let probes = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("C-APDU:") }
            .map { String($0.dropFirst(7).split(separator: "->")[0]) }
        #expect(probes.count == 29)
        for probe in probes {
            let sw = card.sw(probe.replacingOccurrences(of: " ", with: ""))
            // Anything but 9000: a success would let another OpenSC driver claim the card.
            #expect(["6A82", "6D00", "6A88"].contains(sw), "probe \(probe) answered \(sw)")
        }
    }

    @Test func selectMFIsRefusedAfterColdResetAndANoOpInAnAP() throws {
        var card = try Fixtures.card()
        #expect(card.sw("00A40000") == "6A86")
        #expect(card.sw("00A4000C023F00") == "6A82")
        #expect(card.sw("00A4020C023F00") == "6A82")
        #expect(card.sw("00A4020C022F10") == "6A82")
        #expect(card.sw("00A4020C02001E") == "9000")
        #expect(card.sw("00B0000001") == "6981")  // internal EF under the MF
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.sw("00A40000") == "9000")
        #expect(card.sw(JPKIAPDU.selectEF("000A")) == "9000")  // still in the JPKI AP
        // The ISD restores the power-on state.
        #expect(card.sw("00A4040C07A0000001510000") == "9000")
        #expect(card.sw("00A40000") == "6A86")
        #expect(card.sw(JPKIAPDU.selectEF("000A")) == "6A82")
    }

    @Test func readsTheAuthenticationCertificateLikeOpenSC() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.sw(JPKIAPDU.selectEF("000A")) == "9000")
        let header = card.exchange(try Hex.decode("00B0000004"))
        #expect(header.sw == "9000" && header.data.count == 4 && header.data[0] == 0x30 && header.data[1] == 0x82)
        let length = (Int(header.data[2]) << 8 | Int(header.data[3])) + 4
        let file = card.readFile(0x000A)
        #expect(file.sw == "9000")
        #expect(file.data == persona.authCertificate.derBytes)
        #expect(file.data.count == length)
    }

    @Test func readBinaryEdges() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.sw("00B0000004") == "6986")  // no current EF yet
        _ = card.send(JPKIAPDU.selectEF("000A"))
        let der = persona.authCertificate.derBytes
        // Le 00 = 256 bytes.
        #expect(card.exchange(try Hex.decode("00B0000000")).data == Array(der.prefix(256)))
        // The 256-byte boundary: offset 0x0100.
        #expect(card.exchange(try Hex.decode("00B0010010")).data == Array(der[256..<272]))
        // Le beyond the end: the rest with 9000.
        let last = der.count - 3
        let tail = card.exchange([0x00, 0xB0, UInt8(last >> 8), UInt8(last & 0xFF), 0x20])
        #expect(tail.sw == "9000" && tail.data == Array(der.suffix(3)))
        // Offset at and past the end.
        #expect(card.exchange([0x00, 0xB0, UInt8(der.count >> 8), UInt8(der.count & 0xFF), 0x01]).sw == "6B00")
        #expect(card.sw("00B07FFF01") == "6B00")
        // Extended Le: the whole certificate in one READ BINARY.
        let whole = card.exchange(try Hex.decode("00B00000000000"))
        #expect(whole.sw == "9000" && whole.data == der)
        let exact = card.exchange([0x00, 0xB0, 0, 0, 0x00, UInt8(der.count >> 8), UInt8(der.count & 0xFF)])
        #expect(exact.data == der)
        // Case 1 and case 3 READ BINARY are wrong length.
        #expect(card.sw("00B00000") == "6700")
        #expect(card.sw("00B000000101") == "6700")
    }

    @Test func readBinaryByShortEFIdentifier() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        let head = card.exchange(try Hex.decode("00B08A0004"))
        #expect(head.sw == "9000" && head.data == Array(persona.authCertificate.derBytes.prefix(4)))
        // The EF became current: offset reads continue in it.
        #expect(card.exchange(try Hex.decode("00B0000404")).data == Array(persona.authCertificate.derBytes[4..<8]))
        #expect(card.exchange(try Hex.decode("00B0860000")).data.count == 160)  // token info by SFI
        #expect(card.sw("00B08300FF") == "6A82")  // no EF 0003 in the JPKI AP
        #expect(card.sw("00B0A00000") == "6A86")  // P1 bits 6–7 set
        #expect(card.sw("00B0800000") == "6A86")  // SFI 0
        // SFI + extended Le beyond the end
        #expect(card.exchange(try Hex.decode("00B08A00000700")).data == persona.authCertificate.derBytes)
    }

    @Test func internalAndProtectedEFs() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        for fid in ["0017", "0018", "001A", "001B", "0016", "001E"] {
            #expect(card.sw(JPKIAPDU.selectEF(fid)) == "9000")
            #expect(card.sw("00B0000001") == "6981", "EF \(fid)")
        }
        #expect(card.sw(JPKIAPDU.selectEF("0009")) == "9000")
        #expect(card.sw("00B0000001") == "6982")
        #expect(card.sw(JPKIAPDU.selectEF("0003")) == "6A82")
        // A failed EF select leaves the current EF unchanged.
        _ = card.send(JPKIAPDU.selectEF("0008"))
        #expect(card.sw(JPKIAPDU.selectEF("0004")) == "6A82")
        #expect(card.send("00B0000003") == "8F8F009000")
    }

    @Test func tokenInfoAndCertificateAvailability() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        let token = card.readFile(0x0006)
        #expect(token.data.count == 160)
        #expect(String(decoding: token.data.prefix(32), as: UTF8.self) == "JPKIAPICCTOKEN2" + String(repeating: " ", count: 17))
        #expect(Array(token.data[96..<100]) == [0, 0, 0x04, 0x0D])
        #expect(card.readFile(0x0008).data == [0x8F, 0x8F, 0x00])
        for name in ["suzuki-minor", "takahashi-face"] {
            var other = try Fixtures.card(name)
            _ = other.send(JPKIAPDU.selectAP)
            #expect(other.readFile(0x0008).data == [0x00, 0x8F, 0x00], "\(name)")
            for fid in ["0001", "001A", "001B"] { #expect(other.sw(JPKIAPDU.selectEF(fid)) == "6A82", "\(name) \(fid)") }
        }
    }

    @Test func caCertificatesAreFreeAndMatchThePKI() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.readFile(0x000B).data == persona.authCA.derBytes)
        #expect(card.readFile(0x0002).data == persona.signCA.derBytes)
    }

    @Test func signatureCertificateNeedsThePassword() throws {
        var card = try Fixtures.card()
        _ = card.send(JPKIAPDU.selectAP)
        #expect(card.sw(JPKIAPDU.selectEF("0001")) == "9000")  // SELECT succeeds without the password
        #expect(card.sw("00B0000004") == "6982")
        // The auth PIN does not open it.
        _ = card.send(JPKIAPDU.selectEF("0018"))
        #expect(card.sw(JPKIAPDU.verify(persona.persona.credentials.authPIN)) == "9000")
        _ = card.send(JPKIAPDU.selectEF("0001"))
        #expect(card.sw("00B0000004") == "6982")
        _ = card.send(JPKIAPDU.selectEF("001B"))
        #expect(card.sw(JPKIAPDU.verify(persona.persona.credentials.signPassword)) == "9000")
        let file = card.readFile(0x0001)
        #expect(file.sw == "9000" && file.data == persona.signCertificate!.derBytes)
    }

    @Test func shortOnlyCardRefusesExtendedAPDUs() throws {
        var card = try Fixtures.card("tanaka-short")
        _ = card.send(JPKIAPDU.selectAP)
        _ = card.send(JPKIAPDU.selectEF("000A"))
        #expect(card.sw("00B00000000000") == "6700")
        #expect(card.sw("00B0000000").count == 4)
        #expect(card.exchange(try Hex.decode("00B0000000")).data.count == 256)
        #expect(card.powerOn() == CardATR.jpki03.bytes)
    }
}
