/// A serial CCID reader model as Debian's `libccidtwin.so` describes it, plus how its firmware
/// behaves. The driver hard-codes the descriptor per model name (the text after `:` in DEVICENAME);
/// the emulation answers consistently with it. Everything model-specific lives here, as data.
public struct ReaderModel: Hashable, Sendable, CustomStringConvertible {
    /// The model name the driver matches in DEVICENAME (case-insensitively), e.g. `GemPCTwin`.
    public var name: String
    /// USB vendor ID the driver attributes to the model (readerID high half).
    public var vendorID: UInt16
    /// USB product ID the driver attributes to the model (readerID low half).
    public var productID: UInt16
    /// Number of card slots (bMaxSlotIndex + 1).
    public var slotCount: Int
    /// Whether the reader echoes every command before its answer (the driver discards one frame per read).
    public var echoesCommands: Bool
    /// dwFeatures.
    public var features: CCIDFeatures
    /// dwDefaultClock in kHz.
    public var defaultClockKHz: Int
    /// dwMaxDataRate in bit/s.
    public var maxDataRate: Int
    /// The data rates the reader supports, or nil when it has no table (then any rate up to the maximum).
    public var dataRates: [Int]?
    /// dwMaxCCIDMessageLength: header plus data of the longest message.
    public var maxMessageLength: Int
    /// bVoltageSupport: bit 0 = 5 V, bit 1 = 3 V, bit 2 = 1.8 V.
    public var voltageSupport: UInt8
    /// bPINSupport.
    public var pinSupport: PINSupport
    /// The text Escape `02` (SEC1210: `06`) returns; the driver logs it as "Firmware:" (at most 49 bytes).
    public var firmwareVersion: String
    /// A serial number the reader can report, or nil (none of the serial Gemalto models has one).
    public var serialNumber: String?
    /// How the firmware answers vendor escapes; an unmatched escape is refused with bError 0x0A.
    public var escapes: [EscapeRule]
    /// GemPC PinPad quirk: a Modify PIN message always carries bMsgIndex1…3, whatever bNumberMessage says.
    public var modifyPINCarriesThreeMessageIndexes: Bool
    /// PIN entry time when the host's bTimeOut is 0, in seconds.
    public var defaultPINTimeoutSeconds: Int

    public init(
        name: String, vendorID: UInt16, productID: UInt16, slotCount: Int, echoesCommands: Bool, features: CCIDFeatures,
        defaultClockKHz: Int, maxDataRate: Int, dataRates: [Int]?, maxMessageLength: Int = 271, voltageSupport: UInt8 = 0x07,
        pinSupport: PINSupport = [], firmwareVersion: String, serialNumber: String? = nil, escapes: [EscapeRule],
        modifyPINCarriesThreeMessageIndexes: Bool = false, defaultPINTimeoutSeconds: Int = 30
    ) {
        self.name = name
        self.vendorID = vendorID
        self.productID = productID
        self.slotCount = slotCount
        self.echoesCommands = echoesCommands
        self.features = features
        self.defaultClockKHz = defaultClockKHz
        self.maxDataRate = maxDataRate
        self.dataRates = dataRates
        self.maxMessageLength = maxMessageLength
        self.voltageSupport = voltageSupport
        self.pinSupport = pinSupport
        self.firmwareVersion = firmwareVersion
        self.serialNumber = serialNumber
        self.escapes = escapes
        self.modifyPINCarriesThreeMessageIndexes = modifyPINCarriesThreeMessageIndexes
        self.defaultPINTimeoutSeconds = defaultPINTimeoutSeconds
    }

    /// The clock in Hz.
    public var clockHz: Int { defaultClockKHz * 1000 }

    /// Whether `findexDindex` gives a data rate this reader supports at its clock.
    public func supportsRate(_ findexDindex: UInt8) -> Bool {
        guard let rate = TransmissionTiming.dataRate(findexDindex, clockHz: clockHz) else { return false }
        guard let table = dataRates else { return rate <= maxDataRate + 2 }
        return table.contains { abs($0 - rate) <= 2 }
    }

    public var description: String { name }

    /// The 40 ISO data rates of the GemPC Twin at 4 MHz (the driver's ISO_DATA_RATES).
    public static let isoDataRates = [
        10753, 14337, 15625, 17204, 20833, 21505, 23438, 25806, 28674, 31250, 32258, 34409, 39063, 41667, 43011,
        46875, 52083, 53763, 57348, 62500, 64516, 68817, 71685, 78125, 83333, 86022, 93750, 104167, 107527,
        114695, 125000, 129032, 143369, 156250, 166667, 172043, 215054, 229391, 250000, 344086,
    ]

    /// Escapes every Gemalto serial reader answers: firmware text, the synchronous card movement
    /// notification switch, and a refused GET_FIRMWARE_FEATURES (`6A`, refused by real GemPC Twins as `0A`).
    static let gemaltoEscapes: [EscapeRule] = [
        EscapeRule(.exactly([0x02]), .replyFirmwareVersion),
        EscapeRule(.exactly([0x01, 0x01, 0x01]), .enableSynchronousSlotNotifications),
        EscapeRule(.exactly([0x6A]), .refuse(.badByte(at: CCIDHeader.length))),
    ]

    /// Gemalto GemPC Twin, serial (the driver's default model): one slot, no PIN pad, echo on.
    public static let gemPCTwin = ReaderModel(
        name: "GemPCTwin", vendorID: 0x08E6, productID: 0x3437, slotCount: 1, echoesCommands: true,
        features: [.tpduExchange, .nadOtherThanZero, .automaticBaudRate, .automaticClock],
        defaultClockKHz: 4000, maxDataRate: 344_086, dataRates: isoDataRates,
        firmwareVersion: "GemTwin EMU (mynasim) 1.00", escapes: gemaltoEscapes)

    /// Gemalto GemPC PinPad, serial: a Twin with a keypad (PIN verify and modify) and l10n strings.
    public static let gemPCPinPad = ReaderModel(
        name: "GemPCPinPad", vendorID: 0x08E6, productID: 0x3478, slotCount: 1, echoesCommands: true,
        features: [.tpduExchange, .nadOtherThanZero, .automaticBaudRate, .automaticClock],
        defaultClockKHz: 4000, maxDataRate: 500_000, dataRates: isoDataRates + [500_000],
        pinSupport: [.verify, .modify], firmwareVersion: "GemPinPad EMU (mynasim) 1.00",
        escapes: gemaltoEscapes + [
            // Load the ten 16-character keypad display strings: B2 A0 00 4D 4C + 160 bytes.
            EscapeRule(.prefix([0xB2, 0xA0, 0x00, 0x4D, 0x4C], length: 165), .loadDisplayStrings)
        ],
        modifyPINCarriesThreeMessageIndexes: true)

    /// SEC1210 (Microchip/SMSC): two slots, 4.8 MHz, no echo, automatic ATR configuration and PPS.
    public static let sec1210 = ReaderModel(
        name: "SEC1210", vendorID: 0x0424, productID: 0x1202, slotCount: 2, echoesCommands: false,
        features: [.tpduExchange, .automaticConfigurationFromATR, .automaticPPSCurrent, .automaticBaudRate, .automaticClock],
        defaultClockKHz: 4800, maxDataRate: 826_000, dataRates: nil,
        firmwareVersion: "SEC1210 EMU (mynasim) 1.00",
        escapes: [EscapeRule(.exactly([0x06]), .replyFirmwareVersion)])

    /// The models this emulation offers.
    public static let all: [ReaderModel] = [.gemPCTwin, .gemPCPinPad, .sec1210]

    /// The model the driver would pick for a DEVICENAME suffix: a case-insensitive match, GemPCTwin otherwise.
    public static func named(_ name: String) -> ReaderModel? {
        all.first { $0.name.lowercased() == name.lowercased() }
    }
}

/// dwFeatures bits the serial models use (CCID 1.1 Table 5.1-1).
public struct CCIDFeatures: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let automaticConfigurationFromATR = CCIDFeatures(rawValue: 0x0000_0002)
    public static let automaticActivation = CCIDFeatures(rawValue: 0x0000_0004)
    public static let automaticVoltage = CCIDFeatures(rawValue: 0x0000_0008)
    public static let automaticClock = CCIDFeatures(rawValue: 0x0000_0010)
    public static let automaticBaudRate = CCIDFeatures(rawValue: 0x0000_0020)
    public static let automaticPPSProprietary = CCIDFeatures(rawValue: 0x0000_0040)
    public static let automaticPPSCurrent = CCIDFeatures(rawValue: 0x0000_0080)
    public static let nadOtherThanZero = CCIDFeatures(rawValue: 0x0000_0200)
    public static let automaticIFSD = CCIDFeatures(rawValue: 0x0000_0400)
    public static let tpduExchange = CCIDFeatures(rawValue: 0x0001_0000)
    public static let shortAPDUExchange = CCIDFeatures(rawValue: 0x0002_0000)
    public static let extendedAPDUExchange = CCIDFeatures(rawValue: 0x0004_0000)
}

/// bPINSupport.
public struct PINSupport: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let verify = PINSupport(rawValue: 0x01)
    public static let modify = PINSupport(rawValue: 0x02)
}
