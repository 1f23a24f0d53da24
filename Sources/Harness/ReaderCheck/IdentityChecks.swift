import ISO7816
import MynaApplications
import PCSC

extension ReaderCheckContext {
    /// identity.*: the reader's name, vendor attributes and Part 10 features.
    func identityChecks() {
        run("identity.name") { record in
            record.note("reader: \(reader.name)")
            record.figure("name length", Double(reader.name.count), "characters")
            if reader.name.trimmingCharacters(in: .whitespaces).isEmpty { record.fail("the reader's name is empty") }
        }

        run("identity.attributes") { record in
            try ensureConnected()
            func text(_ id: UInt32, _ label: String) -> String? {
                do {
                    let value = try reader.attribute(id)
                    let string = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
                    record.note("\(label): \"\(string)\" (\(value.count) bytes)")
                    return string.isEmpty ? nil : string
                } catch {
                    record.note("\(label): \(Self.describe(error))")
                    return nil
                }
            }
            func number(_ id: UInt32, _ label: String) -> UInt32? {
                guard let value = try? reader.attribute(id), value.count == 4 else {
                    record.note("\(label): not answered")
                    return nil
                }
                let dword = value.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                record.note("\(label): 0x\(String(dword, radix: 16, uppercase: true))")
                return dword
            }
            identity.vendor = text(PCSCCodes.vendorName, "SCARD_ATTR_VENDOR_NAME")
            identity.ifdType = text(PCSCCodes.vendorIFDType, "SCARD_ATTR_VENDOR_IFD_TYPE")
            identity.serial = text(PCSCCodes.vendorIFDSerial, "SCARD_ATTR_VENDOR_IFD_SERIAL_NO")
            identity.version = number(PCSCCodes.vendorIFDVersion, "SCARD_ATTR_VENDOR_IFD_VERSION").map { v in
                "\(v >> 24).\((v >> 16) & 0xFF).\(v & 0xFFFF)"
            }
            identity.channelID = number(PCSCCodes.channelID, "SCARD_ATTR_CHANNEL_ID").map { "0x" + String($0, radix: 16, uppercase: true) }
            record.figure("vendor named", identity.vendor == nil ? 0 : 1, "of 1")
            if identity.vendor == nil {
                record.fail("SCARD_ATTR_VENDOR_NAME is not answered or empty: the reader does not name its vendor")
            }
        }

        run("identity.part10") { record in
            try ensureConnected()
            let answer: [UInt8]
            do {
                answer = try reader.control(PCSCCodes.getFeatureRequest)
            } catch {
                record.fail("GET_FEATURE_REQUEST failed: \(Self.describe(error)); clients cannot learn dwMaxAPDUDataSize")
                record.figure("required properties", 0, "of 3")
                observed.part10 = false
                return
            }
            let features = Part10.features(answer)
            identity.part10Features = features.keys.sorted().map { Part10.featureNames[$0] ?? "feature \(Hex.encode([$0]))" }
            record.note("GET_FEATURE_REQUEST: \(identity.part10Features?.joined(separator: ", ") ?? "") (\(EvidenceText.hex(answer)))")
            guard let code = features[Part10.getTLVProperties] else {
                record.fail("the reader lists no FEATURE_GET_TLV_PROPERTIES")
                record.figure("required properties", 0, "of 3")
                observed.part10 = false
                return
            }
            let properties = Part10.tlvs(try reader.control(code))
            for (tag, value) in properties {
                let name = Part10.propertyNames[tag] ?? "property \(Hex.encode([tag]))"
                let shown = name.hasPrefix("s") ? "\"\(String(decoding: value, as: UTF8.self))\"" : "\(Part10.number(value))"
                record.note("\(name) = \(shown)")
            }
            func property(_ tag: UInt8) -> [UInt8]? { properties.first { $0.tag == tag }?.value }
            claimedMaxData = property(0x0A).map(Part10.number)
            identity.maxAPDUDataSize = claimedMaxData
            observed.advertisesExtended = claimedMaxData.map { $0 > 0 }
            identity.idVendor = property(0x0B).map { String(format: "%04X", Part10.number($0)) }
            identity.idProduct = property(0x0C).map { String(format: "%04X", Part10.number($0)) }
            identity.firmware = property(0x08).map { String(decoding: $0, as: UTF8.self) }
            if let claimedMaxData { record.figure("dwMaxAPDUDataSize", Double(claimedMaxData), "bytes") }
            let required = [(UInt8(0x0A), "dwMaxAPDUDataSize"), (0x0B, "wIdVendor"), (0x0C, "wIdProduct")]
            record.figure("required properties", Double(required.filter { property($0.0) != nil }.count), "of 3")
            for (tag, name) in required where property(tag) == nil { record.fail("GET_TLV_PROPERTIES has no \(name)") }
        }
    }

    /// atr.*: the ATR, its structure, family, resets, protocol and interface.
    func atrChecks() {
        var parsed: ATR?
        run("atr.returned") { record in
            try ensureConnected()
            let status = try reader.status()
            firstATR = status.atr
            let seen = try reader.state().atr
            record.note("SCardStatus ATR: \(Hex.encode(status.atr)); SCardGetStatusChange ATR: \(Hex.encode(seen))")
            record.figure("ATR length", Double(status.atr.count), "bytes")
            card.atr = Hex.encode(status.atr)
            if status.atr.isEmpty || status.atr.count > 33 { record.fail("the ATR has \(status.atr.count) bytes (1–33 expected)") }
            if seen != status.atr { record.fail("SCardGetStatusChange reports another ATR than SCardStatus") }
        }

        run("atr.tck") { record in
            do {
                let atr = try ATR(bytes: firstATR)
                parsed = atr
                record.note("\(atr): protocols \(atr.protocols.map { "T=\($0)" }.joined(separator: ", "))")
                record.figure("ATR defects", 0, "defects")
            } catch {
                record.figure("ATR defects", 1, "defects")
                record.fail("the ATR \(Hex.encode(firstATR)) is malformed: \(error)")
            }
        }

        run("atr.family") { record in
            let known = CardATR.allCases.first { $0.bytes == firstATR }
            record.figure("known ATR", known == nil ? 0 : 1, "of 1")
            if let known {
                card.atrName = known.rawValue
                record.note("the ATR is mynasim's \(known.rawValue)")
            } else {
                record.fail("\(Hex.encode(firstATR)) is not one of the nine known My Number card ATRs")
            }
        }

        run("atr.cold-warm") { record in
            try ensureConnected()
            var same = 0
            defer { record.figure("resets with the same ATR", Double(same), "of 2") }
            for (initialization, label) in [(PCSCReader.Disposition.unpower, "cold"), (.reset, "warm")] {
                let started = ContinuousClock.now
                try reader.reconnect(initialization)
                let atr = try reader.status().atr
                record.note("\(label) reset: ATR \(Hex.encode(atr)) after \(Self.millisText(.now - started))")
                if atr == firstATR {
                    same += 1
                } else {
                    record.fail("the \(label)-reset ATR \(Hex.encode(atr)) differs from \(Hex.encode(firstATR))")
                }
            }
        }

        run("atr.protocol") { record in
            try ensureConnected()
            let active = reader.activeProtocol
            let name = active == PCSCCodes.protocolT1 ? "T=1" : active == PCSCCodes.protocolT0 ? "T=0" : "protocol \(active)"
            card.protocol = name
            record.note("active protocol: \(name); the ATR offers \(parsed?.protocols.map { "T=\($0)" }.joined(separator: ", ") ?? "?")")
            record.figure("T=1 in force", active == PCSCCodes.protocolT1 ? 1 : 0, "of 1")
            if active != PCSCCodes.protocolT1 { record.fail("the connection runs \(name), not T=1") }
        }

        run("atr.interface") { record in
            let contactless =
                firstATR.count >= 4 && firstATR[0] == 0x3B && firstATR[1] & 0xF0 == 0x80 && firstATR[2] == 0x80
                && firstATR[3] == 0x01
            record.note(
                contactless
                    ? "contactless: an ATR built by the reader from the card's ATQB (PC/SC Part 3)" : "contact: the card's own ATR")
            card.interface = contactless ? "contactless" : "contact"
            record.figure("contactless ATR", contactless ? 1 : 0, "of 1")
        }
    }
}
