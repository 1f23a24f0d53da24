/// PC/SC Part 10: the features a reader lists in answer to GET_FEATURE_REQUEST, and the TLV
/// properties of FEATURE_GET_TLV_PROPERTIES.
enum Part10 {
    static let getTLVProperties: UInt8 = 0x12

    /// Feature tags by name, as Part 10 numbers them.
    static let featureNames: [UInt8: String] = [
        0x01: "VERIFY_PIN_START", 0x02: "VERIFY_PIN_FINISH", 0x03: "MODIFY_PIN_START", 0x04: "MODIFY_PIN_FINISH",
        0x05: "GET_KEY_PRESSED", 0x06: "VERIFY_PIN_DIRECT", 0x07: "MODIFY_PIN_DIRECT", 0x08: "MCT_READER_DIRECT",
        0x09: "MCT_UNIVERSAL", 0x0A: "IFD_PIN_PROPERTIES", 0x0B: "ABORT", 0x0C: "SET_SPE_MESSAGE",
        0x0D: "VERIFY_PIN_DIRECT_APP_ID", 0x0E: "MODIFY_PIN_DIRECT_APP_ID", 0x0F: "WRITE_DISPLAY", 0x10: "GET_KEY",
        0x11: "IFD_DISPLAY_PROPERTIES", 0x12: "GET_TLV_PROPERTIES", 0x13: "CCID_ESC_COMMAND", 0x20: "EXECUTE_PACE",
    ]

    /// Property tags by name.
    static let propertyNames: [UInt8: String] = [
        0x01: "wLcdLayout", 0x02: "bEntryValidationCondition", 0x03: "bTimeOut2", 0x04: "wLcdMaxCharacters", 0x05: "wLcdMaxLines",
        0x06: "bMinPINSize", 0x07: "bMaxPINSize", 0x08: "sFirmwareID", 0x09: "bPPDUSupport", 0x0A: "dwMaxAPDUDataSize",
        0x0B: "wIdVendor", 0x0C: "wIdProduct",
    ]

    /// Tag, length, value triples (one-byte tags and lengths), stopping at a truncated one.
    static func tlvs(_ bytes: [UInt8]) -> [(tag: UInt8, value: [UInt8])] {
        var out: [(UInt8, [UInt8])] = []
        var index = 0
        while index + 2 <= bytes.count {
            let length = Int(bytes[index + 1])
            guard index + 2 + length <= bytes.count else { break }
            out.append((bytes[index], Array(bytes[(index + 2)..<(index + 2 + length)])))
            index += 2 + length
        }
        return out
    }

    /// The features of a GET_FEATURE_REQUEST answer: tag and control code (big-endian).
    static func features(_ answer: [UInt8]) -> [UInt8: UInt32] {
        var out: [UInt8: UInt32] = [:]
        for (tag, value) in tlvs(answer) where value.count == 4 {
            out[tag] = value.reduce(0) { $0 << 8 | UInt32($1) }
        }
        return out
    }

    /// A property as a little-endian number.
    static func number(_ value: [UInt8]) -> Int { value.reversed().reduce(0) { $0 << 8 | Int($1) } }
}
