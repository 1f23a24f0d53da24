import ISO7816
import MynaApplications
import MynaCard
import TestSupport
import Testing

/// READ RECORD on a record EF, the structure the 共通AP uses (card reference §read-record, §common-ap).
@Suite("READ RECORD")
struct RecordFileTests {
    func card() throws -> VirtualCard {
        let pin = CredentialPolicy(
            id: CredentialID("test.pin"), file: 0x001C, maxTries: 3, format: .digits(4), change: .changeKey, label: "test PIN")
        let layout = ApplicationLayout(
            id: .common,
            files: [
                FileLayout(0x0001, .records), FileLayout(0x0002, .records, readAccess: .anyOf(pin)), .credential(pin),
            ])
        let image = CardImage(
            atr: CardATR.jpki.bytes,
            applications: [
                Application(
                    layout, contents: [0x0001: .records([[0x01, 0x02, 0x41, 0x42], [0x02, 0x01, 0x43]]), 0x0002: .records([[0x99]])])
            ],
            credentials: [Credential(pin, initialValue: Array("1234".utf8))]
        )
        var card = try VirtualCard(image: image, store: InMemoryCardStateStore())
        _ = card.powerOn()
        #expect(card.sw("00A4040C0AD3921000310001010100") == "9000")
        return card
    }

    @Test func recordsBySFIAndCurrentEF() throws {
        var card = try card()
        #expect(card.send("00B2010C00") == "010241429000")  // record 1 by SFI 1
        #expect(card.send("00B2020400") == "0201439000")  // record 2 of the current EF (made current by the SFI read)
        #expect(card.send("00B2010C02") == "01029000")  // Le shorter than the record
        #expect(card.sw("00B2030400") == "6A83")
        #expect(card.sw("00B2000400") == "6A83")
        #expect(card.sw("00B2011400") == "6982")  // EF 0002 needs the PIN
        #expect(card.sw("0020009C04" + Hex.encode(Array("1234".utf8))) == "9000")
        #expect(card.send("00B2011400") == "999000")
        #expect(card.sw("00B0000001") == "6981")  // READ BINARY on a record EF
    }

    @Test func changeKeyChangesTheResidentPINStyleCredential() throws {
        var card = try card()
        #expect(card.sw("8032009C04" + Hex.encode(Array("5678".utf8))) == "6982")
        #expect(card.sw("0020009C04" + Hex.encode(Array("1234".utf8))) == "9000")
        #expect(card.sw("0024019C04" + Hex.encode(Array("5678".utf8))) == "6985")  // not changed by CHANGE REFERENCE DATA
        #expect(card.sw("8032019C04" + Hex.encode(Array("5678".utf8))) == "6A86")
        #expect(card.sw("8032009C04" + Hex.encode(Array("5678".utf8))) == "9000")
        _ = card.reset()
        _ = card.send("00A4040C0AD3921000310001010100")
        #expect(card.sw("0020009C04" + Hex.encode(Array("1234".utf8))) == "63C2")
        #expect(card.sw("0020009C04" + Hex.encode(Array("5678".utf8))) == "9000")
    }
}
