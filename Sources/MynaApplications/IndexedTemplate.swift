import ISO7816

/// The layout both 券面 APs use for EF 0002 (card reference §text-formats, §visual-formats): `FF 20` { `DF 21` the big-endian
/// u16 file offset of each object; the objects }, every length in the card's `82` form from 128 bytes.
public enum IndexedTemplate {
    /// The encoded template holding `objects`.
    public static func encode(_ objects: [BERTLV]) -> [UInt8] {
        let encoded = objects.map { $0.encoded(lengthForm: .card) }
        let offsetTableLength = 2 + 1 + 2 * encoded.count
        let valueLength = offsetTableLength + encoded.reduce(0) { $0 + $1.count }
        var offset = BERTLV.headerLength(tag: 0xFF20, valueLength: valueLength, form: .card) + offsetTableLength
        var offsets: [UInt8] = []
        for object in encoded {
            offsets += [UInt8(offset >> 8), UInt8(offset & 0xFF)]
            offset += object.count
        }
        let value = BERTLV(tag: 0xDF21, value: offsets).encoded(lengthForm: .card) + encoded.flatMap { $0 }
        return BERTLV(tag: 0xFF20, value: value).encoded(lengthForm: .card)
    }

    /// The objects of a template, without the offset table.
    public static func objects(in template: [UInt8]) throws(TLVError) -> [BERTLV] {
        try BERTLV(parsing: template).children().filter { $0.tag != 0xDF21 }
    }
}

extension Array where Element == BERTLV {
    /// The value of the first object with `tag` (empty when absent).
    public func value(_ tag: UInt32) -> [UInt8] { first { $0.tag == tag }?.value ?? [] }

    /// The value of the first object with `tag` as UTF-8 text.
    public func text(_ tag: UInt32) -> String { String(decoding: value(tag), as: UTF8.self) }

    /// The objects with these tags, encoded in the card's length form and concatenated in the
    /// order of `tags` (what the 券面 APs' digests and signatures cover).
    public func encoded(_ tags: [UInt32]) -> [UInt8] {
        tags.flatMap { tag in first { $0.tag == tag }?.encoded(lengthForm: .card) ?? [] }
    }
}
