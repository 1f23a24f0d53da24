import ISO7816
import MynaApplications
import Testing

/// A card that holds one transparent EF and answers READ BINARY as the virtual card does: Le past
/// the end returns the rest of the file, an offset at or past the end answers `6B00`.
struct OneFileCard: CardChannel {
    var file: [UInt8]
    var reads = 0
    mutating func powerOn() -> [UInt8] { [] }
    mutating func reset() -> [UInt8] { [] }
    mutating func powerOff() {}
    mutating func transmit(_ bytes: [UInt8]) -> [UInt8] {
        guard let command = try? CommandAPDU(bytes: bytes), command.ins == Instruction.readBinary, let ne = command.ne else {
            return [0x6D, 0x00]
        }
        reads += 1
        let offset = Int(command.p1) << 8 | Int(command.p2)
        guard offset < file.count else { return [0x6B, 0x00] }
        return Array(file[offset..<min(file.count, offset + ne)]) + [0x90, 0x00]
    }
}

/// Every template the card builds, with values of every size from 1 to 1000 bytes: the header's
/// length field is the card's form (`82 hi lo` from 128 bytes), the reader sizes the file by the
/// bytes its header takes, and the offset tables point at their objects.
@Suite("Length forms of the card's templates")
struct LengthFormTests {
    static let sizes = Array(1...1000)
    static let key = RSAPublicKey(modulus: [UInt8](repeating: 0xC5, count: 256), exponent: [0x01, 0x00, 0x01])

    /// The object a file starts with is read back whole, in its encoded length, and nothing more.
    func expectReadBack(_ file: [UInt8], object: [UInt8], _ comment: Comment) throws {
        let header = try BERTLV.parseHeader(file[...])
        #expect(header.totalLength == object.count, comment)
        let lengthByte = file[BERTLV.tagBytes(header.tag).count]
        switch header.valueLength {
        case ..<128: #expect(lengthByte == UInt8(header.valueLength), comment)
        default: #expect(lengthByte == 0x82, comment)  // the card writes 82 hi lo, never 81 xx
        }
        var card = OneFileCard(file: file)
        #expect(try card.readTransparentFile(limit: 65_535) == object, comment)
    }

    @Test func textAttributesTemplateWithAddressesOfEverySize() throws {
        for size in Self.sizes {
            let objects = TextApplication.attributeObjects(
                name: "山田\u{3000}太郎", address: String(repeating: "a", count: size), birthDate: "19800217", sex: "1")
            let file = TextApplication.attributesFile(objects)
            let template = IndexedTemplate.encode(objects)
            try expectReadBack(file, object: template, "address of \(size) bytes")
            #expect(try IndexedTemplate.objects(in: file) == objects, "address of \(size) bytes")
            // DF21's offsets point at each object in the file.
            let offsets = try BERTLV(parsing: file).children().first { $0.tag == 0xDF21 }!.value
            for (i, object) in objects.enumerated() {
                let offset = Int(offsets[2 * i]) << 8 | Int(offsets[2 * i + 1])
                #expect(Array(file[offset...].prefix(object.encoded(lengthForm: .card).count)) == object.encoded(lengthForm: .card))
            }
        }
    }

    @Test func visualCardFaceTemplateWithImagesOfEverySize() throws {
        for size in Self.sizes {
            let face = VisualApplication.CardFace(
                birthDate: "19800217", sex: "1", cardKey: Self.key, nameImage: [UInt8](repeating: 0x11, count: size),
                addressImage: [UInt8](repeating: 0x22, count: size), photo: [UInt8](repeating: 0x33, count: size), expiry: "20351231",
                securityCodeImage: [UInt8](repeating: 0x44, count: size))
            let objects = face.objects(signature: [UInt8](repeating: 0x55, count: 256))
            let file = VisualApplication.cardFaceFile(objects)
            try expectReadBack(file, object: file, "images of \(size) bytes")
            #expect(try IndexedTemplate.objects(in: file) == objects)
            #expect(VisualApplication.faceSignatureGroups(objects)[2] == objects[5].encoded(lengthForm: .card))
        }
    }

    @Test func signedRecordsWithContentsOfEverySize() throws {
        for size in Self.sizes {
            let content = [UInt8](repeating: 0x5A, count: size)
            let signature = [UInt8](repeating: 0x77, count: 256)
            // Text AP EF 0003 (with filler), EF 0007; visual AP EF 0001, EF 0005; a CV certificate.
            let signedPart = TextApplication.integritySignedPart(myNumberDigest: content, attributesDigest: content)
            let integrity = TextApplication.integrityFile(signedPart: signedPart, signature: signature)
            let object = Array(integrity.prefix(try BERTLV.parseHeader(integrity[...]).totalLength))
            try expectReadBack(integrity, object: object, "integrity record over \(size)-byte digests")
            let record = try TextApplication.IntegrityRecord(parsing: integrity)
            #expect(record.signedPart == signedPart && record.signature == signature && record.myNumberDigest == content)

            let age = VisualApplication.ageRecordFile(
                signedPart: VisualApplication.ageRecordSignedPart(birthDate: String(repeating: "1", count: size), cardKey: Self.key),
                signature: signature)
            try expectReadBack(age, object: age, "age record with a \(size)-byte birth date")
            let number = VisualApplication.myNumberFile(
                signedPart: VisualApplication.myNumberSignedPart(image: content, cardKey: Self.key), signature: signature)
            try expectReadBack(number, object: number, "My Number image of \(size) bytes")
            let parsed = try VisualApplication.SignedRecord(parsing: number)
            #expect(
                parsed.signedPart == VisualApplication.myNumberSignedPart(image: content, cardKey: Self.key)
                    && parsed.signature == signature)

            let cv = CardVerifiableCertificate.encode(
                body: CardVerifiableCertificate.body(certifier: content, subject: content, key: Self.key), signature: signature)
            try expectReadBack(cv, object: cv, "CV certificate with \(size)-byte ids")
        }
    }

    @Test func aFileShorterThanTheHeadAndAFileWithoutATLVAreReadWhole() throws {
        var short = OneFileCard(file: [0x01, 0x02, 0x03])
        #expect(try short.readTransparentFile() == [0x01, 0x02, 0x03])
        // A head that is no BER-TLV (FF FF FF FF … is a tag longer than four bytes) is read to the end.
        var filler = OneFileCard(file: [UInt8](repeating: 0xFF, count: 600))
        #expect(try filler.readTransparentFile() == [UInt8](repeating: 0xFF, count: 600))
        #expect(filler.reads == 1 + 3)  // the head, 256, 256, then the last 80
    }

    @Test func aHeaderClaimingMoreThanTheLimitIsRefusedWithoutReadingOn() throws {
        var card = OneFileCard(file: [0x30, 0x82, 0xFF, 0xF0] + [UInt8](repeating: 0, count: 100))
        #expect(throws: FileReadError.implausibleLength(0xFFF0 + 4, limit: 4096)) { try card.readTransparentFile(limit: 4096) }
        #expect(card.reads == 1)
    }
}
