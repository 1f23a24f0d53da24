/// Every reader check, as data: id, requirement, meaning and thresholds (docs/reader-check.md
/// describes the same list for vendors). The checks run in this order.
package enum ReaderCheckCatalog {
    package static let all: [ReaderCheckDefinition] = identity + atr + transport + timing + presence + robustness

    /// The definition of check `id`.
    package static func definition(_ id: String) -> ReaderCheckDefinition? { all.first { $0.id == id } }

    private static func check(
        _ id: String, _ group: ReaderCheckGroup, _ title: String, requirement: String, meaning: String,
        thresholds: [String: ReaderThreshold] = [:], realCard: RealCardHandling = .automatic
    ) -> ReaderCheckDefinition {
        ReaderCheckDefinition(
            id: id, group: group, title: title, requirement: requirement, meaning: meaning, thresholds: thresholds, realCard: realCard)
    }

    static let identity = [
        check(
            "identity.name", .identity, "Reader name", requirement: "PC/SC Part 5 (SCardListReaders)",
            meaning: "The reader is listed under a non-empty name that clients can select.",
            thresholds: ["name length": .atLeast(1, "characters")]),
        check(
            "identity.attributes", .identity, "Vendor attributes",
            requirement: "PC/SC Part 3 (SCARD_ATTR_VENDOR_NAME, VENDOR_IFD_TYPE, VENDOR_IFD_VERSION, VENDOR_IFD_SERIAL_NO)",
            meaning: "SCardGetAttrib names the reader's vendor; model, version, serial number and channel are shown when given "
                + "(pcsc-lite's CCID driver never answers the model, SCARD_ATTR_VENDOR_IFD_TYPE, so it is not required).",
            thresholds: ["vendor named": .atLeast(1, "of 1")]),
        check(
            "identity.part10", .identity, "Part 10 features and properties",
            requirement: "PC/SC Part 10 (GET_FEATURE_REQUEST, FEATURE_GET_TLV_PROPERTIES)",
            meaning: "The reader lists its features and answers GET_TLV_PROPERTIES with dwMaxAPDUDataSize, wIdVendor and wIdProduct, "
                + "so clients can learn whether it carries extended APDUs.", thresholds: ["required properties": .atLeast(3, "of 3")]),
    ]

    static let atr = [
        check(
            "atr.returned", .atr, "ATR returned", requirement: "ISO/IEC 7816-3 (answer to reset); PC/SC Part 5 (SCardStatus)",
            meaning: "A connection gets the card's ATR (1–33 bytes), the same through SCardStatus and SCardGetStatusChange.",
            thresholds: ["ATR length": .atMost(33, "bytes")]),
        check(
            "atr.tck", .atr, "ATR structure and TCK", requirement: "ISO/IEC 7816-3 (ATR structure, check byte TCK)",
            meaning: "The ATR parses (TS, interface bytes, historical bytes) and its TCK makes the XOR of T0…TCK zero.",
            thresholds: ["ATR defects": .atMost(0, "defects")]),
        check(
            "atr.family", .atr, "A known My Number ATR", requirement: "card reference §atr-contact, §atr-contactless",
            meaning: "The ATR is one of the nine known My Number card ATRs (five contact; four contactless as PC/SC Part 3 builds them).",
            thresholds: ["known ATR": .atLeast(1, "of 1")]),
        check(
            "atr.cold-warm", .atr, "ATR after cold and warm reset",
            requirement: "ISO/IEC 7816-3 (cold and warm reset); PC/SC Part 5 (SCardReconnect)",
            meaning: "A cold reset (power off and on) and a warm reset each give the card's ATR again.",
            thresholds: ["resets with the same ATR": .atLeast(2, "of 2")]),
        check(
            "atr.protocol", .atr, "Protocol T=1", requirement: "ISO/IEC 7816-3 (protocol selection); card reference §interfaces",
            meaning: "The connection runs T=1, the protocol the card offers (a My Number card has no T=0).",
            thresholds: ["T=1 in force": .atLeast(1, "of 1")]),
        check(
            "atr.interface", .atr, "Contact or contactless",
            requirement: "card reference §interfaces, §atr-contactless; PC/SC Part 3 (ATR of a contactless card)",
            meaning: "Which interface the card is read through, told by its ATR (informative)."),
    ]

    static let transport = [
        check(
            "transport.case-1", .transport, "Case 1", requirement: "ISO/IEC 7816-4 §5.1 (case 1); card reference §verify",
            meaning: "An empty VERIFY (the retry-counter query, which uses no try) is carried and answered with a status word only.",
            thresholds: ["data bytes": .exactly(0, "bytes")]),
        check(
            "transport.case-2s", .transport, "Case 2, short", requirement: "ISO/IEC 7816-4 §5.1 (case 2); card reference §get-challenge",
            meaning: "GET CHALLENGE with Le 8 returns exactly 8 bytes and 9000.", thresholds: ["data bytes": .exactly(8, "bytes")]),
        check(
            "transport.case-3s", .transport, "Case 3, short", requirement: "ISO/IEC 7816-4 §5.1 (case 3); card reference §select",
            meaning: "SELECT of the JPKI AP by its AID is carried and answered 9000.", thresholds: ["data bytes": .exactly(0, "bytes")]),
        check(
            "transport.case-4s", .transport, "Case 4, short",
            requirement: "ISO/IEC 7816-4 §5.1 (case 4); card reference §internal-authenticate",
            meaning: "INTERNAL AUTHENTICATE of the 共通AP (common AP) with 32 bytes and Le 256 returns 256 bytes and 9000.",
            thresholds: ["data bytes": .exactly(256, "bytes")]),
        check(
            "transport.case-2e", .transport, "Case 2, extended",
            requirement: "ISO/IEC 7816-4 §5.1 (extended Le); card reference §extended-length",
            meaning: "READ BINARY with an extended Le of 300 returns the certificate's first 300 bytes.",
            thresholds: ["data bytes": .exactly(300, "bytes")]),
        check(
            "transport.case-3e", .transport, "Case 3, extended",
            requirement: "ISO/IEC 7816-4 §5.1 (extended Lc); card reference §extended-length",
            meaning: "SELECT of the JPKI AP with an extended Lc is answered 9000.", thresholds: ["data bytes": .exactly(0, "bytes")]),
        check(
            "transport.case-4e", .transport, "Case 4, extended",
            requirement: "ISO/IEC 7816-4 §5.1 (extended Lc and Le); card reference §extended-length",
            meaning: "INTERNAL AUTHENTICATE with extended Lc and Le returns the same 256 bytes as in short form.",
            thresholds: ["data bytes": .exactly(256, "bytes")]),
        check(
            "transport.extended-claim", .transport, "Extended length as advertised", requirement: "PC/SC Part 10 (dwMaxAPDUDataSize)",
            meaning: "Extended APDUs work when dwMaxAPDUDataSize says so; a reader that says 0 is not relied on for them.",
            thresholds: ["claims contradicted": .atMost(0, "claims")]),
        check(
            "transport.response-lengths", .transport, "Response lengths 1–256",
            requirement: "ISO/IEC 7816-4 §5.1 (Ne 1–256); card reference §read-binary",
            meaning: "READ BINARY with every Le from 1 to 256 returns exactly that many bytes of the certificate and 9000.",
            thresholds: ["lengths intact": .atLeast(256, "of 256")]),
        check(
            "transport.full-certificate", .transport, "Whole certificate in one response",
            requirement: "card reference §extended-length, §jpki-files",
            meaning: "One READ BINARY with an extended Le returns the whole authentication certificate (over 1 000 bytes).",
            thresholds: ["data bytes": .atLeast(1000, "bytes")]),
        check(
            "transport.get-response", .transport, "61xx handled by the reader",
            requirement: "ISO/IEC 7816-3 §12.2 (case 4 under T=0: the transport fetches the response); card reference §interfaces",
            meaning: "A case 4 command's data reaches the application in one response; no 61xx is left for it to fetch.",
            thresholds: ["61xx handed on": .atMost(0, "times")]),
        check(
            "transport.wrong-length", .transport, "6Cxx passed on intact", requirement: "ISO/IEC 7816-4 §5.1 (SW 6Cxx: wrong Le field)",
            meaning: "A card's 6Cxx answer reaches the application unchanged (the virtual card is made to answer 6Cxx).",
            thresholds: ["6Cxx intact": .atLeast(1, "of 1")], realCard: .virtualOnly),
        check(
            "transport.largest-command", .transport, "Largest command",
            requirement: "ISO/IEC 7816-4 §5.1 (Lc up to 65 535); PC/SC Part 10 (dwMaxAPDUDataSize)",
            meaning: "The longest command data the reader carries to the card: at least 255 bytes, and as much as it advertises.",
            thresholds: ["largest command data": .atLeast(255, "bytes")]),
    ]

    static let timing = [
        check(
            "timing.overhead", .timing, "Per-APDU overhead", requirement: "card reference §timing",
            meaning: "What the reader adds to a short exchange (GET CHALLENGE, median of 50): the round trip minus the card's "
                + "own time where it is known (mynasim's card), else the whole round trip.",
            thresholds: ["overhead p50": .atMost(5, "ms"), "round trip p50": .atMost(50, "ms")]),
        check(
            "timing.jitter", .timing, "Jitter", requirement: "card reference §timing",
            meaning: "The spread of those round trips: 90th percentile minus median.",
            thresholds: ["p90 − p50": .atMost(10, "ms")]),
        check(
            "timing.throughput", .timing, "Certificate read throughput", requirement: "card reference §read-binary, §jpki-files",
            meaning: "The authentication certificate read in 256-byte READ BINARY chunks, as mainstream clients do: bytes per "
                + "second, every read intact.",
            thresholds: ["throughput": .atLeast(1, "kB/s")]),
        check(
            "timing.signature", .timing, "Signature duration", requirement: "card reference §jpki-sign, §timing",
            meaning: "VERIFY of the authentication PIN and one RSA-2048 COMPUTE DIGITAL SIGNATURE: the signature verifies with "
                + "the certificate's key, and the retry counter is full before and after.",
            thresholds: ["signature": .atMost(3000, "ms")], realCard: .needsPIN),
    ]

    static let presence = [
        check(
            "presence.insertion", .presence, "Insertion noticed",
            requirement: "PC/SC Part 5 (SCardGetStatusChange); CCID 1.1 (RDR_to_PC_NotifySlotChange)",
            meaning: "An inserted card is reported present with its ATR promptly: 90th percentile over repeated insertions, the "
                + "card's own power-up time subtracted where it is known.",
            thresholds: ["p90": .atMost(100, "ms"), "missed": .atMost(0, "events")], realCard: .interactive),
        check(
            "presence.removal", .presence, "Removal noticed",
            requirement: "PC/SC Part 5 (SCardGetStatusChange); CCID 1.1 (RDR_to_PC_NotifySlotChange)",
            meaning: "A removed card is reported absent promptly: 90th percentile over repeated removals.",
            thresholds: ["p90": .atMost(100, "ms"), "missed": .atMost(0, "events")], realCard: .interactive),
        check(
            "presence.idle", .presence, "No spurious events", requirement: "PC/SC Part 5 (SCardGetStatusChange, event counter)",
            meaning: "While the card rests in the reader for the idle period, no removal, insertion or other change is reported.",
            thresholds: ["events": .atMost(0, "events")]),
    ]

    static let robustness = [
        check(
            "robustness.removal-during-apdu", .robustness, "Removal during a command",
            requirement: "PC/SC Part 5 (SCARD_W_REMOVED_CARD, SCARD_E_NO_SMARTCARD); CCID 1.1 (slot change)",
            meaning: "A card pulled while a command runs makes the command fail (never a hang or a success) and the application is "
                + "told it was a removal, by the error or by the next call on its connection; the card works again once reinserted.",
            thresholds: [
                "time to error": .atMost(5000, "ms"), "calls to learn the removal": .atMost(2, "calls"), "recovery": .atMost(5000, "ms"),
            ], realCard: .interactive),
        check(
            "robustness.reset-reconnect", .robustness, "Reset and reconnect",
            requirement: "PC/SC Part 5 (SCardReconnect, SCardDisconnect); ISO/IEC 7816-3 (warm and cold reset)",
            meaning: "After a warm reset, a cold reset, and a disconnect with reset followed by a new connection, the card answers.",
            thresholds: ["warm reset": .atMost(2000, "ms"), "cold reset": .atMost(3000, "ms")]),
        check(
            "robustness.shared-access", .robustness, "Two processes with transactions",
            requirement: "PC/SC Part 5 (SCARD_SHARE_SHARED, SCardBeginTransaction, SCardEndTransaction)",
            meaning: "A second process's transaction waits until the first process ends its own, and both read correct data.",
            thresholds: ["overlapping transactions": .atMost(0, "transactions")]),
        check(
            "robustness.long-idle", .robustness, "Use after a long idle period",
            requirement: "PC/SC Part 5 (a connection stays valid while its card is in the reader)",
            meaning: "After the idle period, the connection opened before it still works, without a reconnect.",
            thresholds: ["commands failed after idling": .atMost(0, "commands")]),
        check(
            "robustness.mute-card", .robustness, "Mute card", requirement: "ISO/IEC 7816-3 (waiting times); CCID 1.1 (ICC_MUTE)",
            meaning: "A card that stops answering gives the application an error in bounded time, and the reader recovers once "
                + "the card answers again.",
            thresholds: ["time to error": .atMost(30_000, "ms"), "recovery": .atMost(10_000, "ms")], realCard: .virtualOnly),
    ]
}
