import CPCSCLite
import Glibc

/// A PC/SC reader seen by one application, with the calls a reader check needs beyond
/// ``PCSCChannel``: share modes, reconnect with a chosen initialisation, reader attributes,
/// `SCardControl`, transactions, status changes with pcsc-lite's event counter, and every failure
/// with its PC/SC code. `PCSCLITE_CSOCK_NAME` selects a private pcscd.
package final class PCSCReader {
    package let name: String
    private let context: SCARDCONTEXT
    private var handle: SCARDHANDLE = 0
    /// The protocol of the current connection (`SCARD_PROTOCOL_T0`/`T1`), 0 without one.
    package private(set) var activeProtocol: UInt32 = 0

    /// How a connection shares the reader.
    package enum Share: Sendable {
        case shared, exclusive, direct
        var value: DWORD {
            switch self {
            case .shared: DWORD(SCARD_SHARE_SHARED)
            case .exclusive: DWORD(SCARD_SHARE_EXCLUSIVE)
            case .direct: DWORD(SCARD_SHARE_DIRECT)
            }
        }
    }

    /// What happens to the card when a connection or transaction ends, or at a reconnect.
    package enum Disposition: Sendable {
        case leave, reset, unpower
        var value: DWORD {
            switch self {
            case .leave: DWORD(SCARD_LEAVE_CARD)
            case .reset: DWORD(SCARD_RESET_CARD)
            case .unpower: DWORD(SCARD_UNPOWER_CARD)
            }
        }
    }

    /// Opens a context and finds the reader whose name is `reader`, contains it, or has that index.
    package init(reader: String) throws(PCSCError) {
        (context, name) = try PCSCChannel.open(reader: reader)
    }

    deinit {
        if handle != 0 { SCardDisconnect(handle, DWORD(SCARD_LEAVE_CARD)) }
        SCardReleaseContext(context)
    }

    /// Whether a connection is open.
    package var isConnected: Bool { handle != 0 }

    /// Connects to the card (T=0 or T=1, whichever the card and reader agree on); `direct` needs no card.
    package func connect(_ share: Share = .shared) throws(PCSCError) {
        if handle != 0 { disconnect(.leave) }
        var handle: SCARDHANDLE = 0
        var proto: DWORD = 0
        let protocols = share == .direct ? DWORD(0) : DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
        try PCSCChannel.check(SCardConnect(context, name, share.value, protocols, &handle, &proto), "SCardConnect")
        self.handle = handle
        activeProtocol = UInt32(proto)
    }

    /// Reconnects the open connection, resetting or unpowering the card first.
    package func reconnect(_ initialization: Disposition, share: Share = .shared) throws(PCSCError) {
        var proto: DWORD = 0
        try PCSCChannel.check(
            SCardReconnect(handle, share.value, DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1), initialization.value, &proto),
            "SCardReconnect")
        activeProtocol = UInt32(proto)
    }

    /// Ends the connection (a failure is ignored: the connection is gone either way).
    package func disconnect(_ disposition: Disposition = .leave) {
        guard handle != 0 else { return }
        SCardDisconnect(handle, disposition.value)
        handle = 0
        activeProtocol = 0
    }

    /// The card's ATR and the protocol in force, from `SCardStatus`.
    package func status() throws(PCSCError) -> (atr: [UInt8], protocol: UInt32) {
        var atr = [UInt8](repeating: 0, count: Int(MAX_ATR_SIZE))
        var atrLength = DWORD(atr.count)
        var state: DWORD = 0
        var proto: DWORD = 0
        var nameLength: DWORD = 0
        try PCSCChannel.check(SCardStatus(handle, nil, &nameLength, &state, &proto, &atr, &atrLength), "SCardStatus")
        return (Array(atr.prefix(Int(atrLength))), UInt32(proto))
    }

    /// One command APDU and its response.
    package func transmit(_ command: [UInt8]) throws(PCSCError) -> [UInt8] {
        var response = [UInt8](repeating: 0, count: 65_538)
        var responseLength = DWORD(response.count)
        var pci = activeProtocol == UInt32(SCARD_PROTOCOL_T0) ? g_rgSCardT0Pci : g_rgSCardT1Pci
        try PCSCChannel.check(
            SCardTransmit(handle, &pci, command, DWORD(command.count), nil, &response, &responseLength), "SCardTransmit")
        return Array(response.prefix(Int(responseLength)))
    }

    /// A reader attribute (`SCardGetAttrib`), or the error the reader gave.
    package func attribute(_ id: UInt32) throws(PCSCError) -> [UInt8] {
        var length = DWORD(0)
        try PCSCChannel.check(SCardGetAttrib(handle, DWORD(id), nil, &length), "SCardGetAttrib")
        var value = [UInt8](repeating: 0, count: Int(length))
        try PCSCChannel.check(SCardGetAttrib(handle, DWORD(id), &value, &length), "SCardGetAttrib")
        return Array(value.prefix(Int(length)))
    }

    /// `SCardControl` with `code` (e.g. ``PCSCCodes/getFeatureRequest``).
    package func control(_ code: UInt32, _ input: [UInt8] = []) throws(PCSCError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 1024)
        var returned = DWORD(0)
        let result = input.withUnsafeBytes { bytes in
            SCardControl(handle, DWORD(code), bytes.baseAddress, DWORD(input.count), &output, DWORD(output.count), &returned)
        }
        try PCSCChannel.check(result, "SCardControl")
        return Array(output.prefix(Int(returned)))
    }

    package func beginTransaction() throws(PCSCError) {
        try PCSCChannel.check(SCardBeginTransaction(handle), "SCardBeginTransaction")
    }

    package func endTransaction(_ disposition: Disposition = .leave) throws(PCSCError) {
        try PCSCChannel.check(SCardEndTransaction(handle, disposition.value), "SCardEndTransaction")
    }

    /// The reader's state now.
    package func state() throws(PCSCError) -> ReaderState {
        try waitForChange(from: nil, milliseconds: 0) ?? ReaderState(eventState: 0, atr: [])
    }

    /// Waits until the reader's state differs from `known` (nil: returns the state at once), or
    /// `milliseconds` pass (then nil).
    package func waitForChange(from known: ReaderState?, milliseconds: Int) throws(PCSCError) -> ReaderState? {
        let name = strdup(self.name)
        defer { free(name) }
        var state = SCARD_READERSTATE()
        state.szReader = UnsafePointer(name)
        state.dwCurrentState = DWORD(known.map { $0.eventState & ~UInt32(SCARD_STATE_CHANGED) } ?? UInt32(SCARD_STATE_UNAWARE))
        let result = SCardGetStatusChange(context, DWORD(max(0, milliseconds)), &state, 1)
        if result == SCARD_E_TIMEOUT { return nil }
        try PCSCChannel.check(result, "SCardGetStatusChange")
        let atr = withUnsafeBytes(of: state.rgbAtr) { Array($0.prefix(Int(state.cbAtr))) }
        return ReaderState(eventState: UInt32(truncatingIfNeeded: state.dwEventState), atr: atr)
    }
}

/// A reader's state as `SCardGetStatusChange` reports it.
package struct ReaderState: Hashable, Sendable {
    /// `dwEventState`: the `SCARD_STATE_*` bits and, in the high 16 bits, pcsc-lite's event counter.
    package var eventState: UInt32
    package var atr: [UInt8]

    package init(eventState: UInt32, atr: [UInt8]) {
        self.eventState = eventState
        self.atr = atr
    }

    package var present: Bool { eventState & UInt32(SCARD_STATE_PRESENT) != 0 }
    package var mute: Bool { eventState & UInt32(SCARD_STATE_MUTE) != 0 }
    /// Card insertions and removals counted by pcsc-lite (0 where the stack does not count).
    package var eventCounter: Int { Int(eventState >> 16) }
    /// The state bits without the counter and the CHANGED bit, for comparing two states.
    package var flags: UInt32 { eventState & 0xFFFF & ~UInt32(SCARD_STATE_CHANGED) }
}

/// PC/SC codes the C headers define as function-like macros (not visible from Swift).
package enum PCSCCodes {
    /// `SCARD_CTL_CODE(3400)`: CM_IOCTL_GET_FEATURE_REQUEST (PC/SC Part 10).
    package static let getFeatureRequest: UInt32 = 0x4200_0000 + 3400
    /// Reader attributes (`SCARD_ATTR_VALUE(class, tag)`, PC/SC Part 3).
    package static let vendorName: UInt32 = 0x0001_0100
    package static let vendorIFDType: UInt32 = 0x0001_0101
    package static let vendorIFDVersion: UInt32 = 0x0001_0102
    package static let vendorIFDSerial: UInt32 = 0x0001_0103
    package static let channelID: UInt32 = 0x0002_0110

    /// Results that mean the card went away.
    package static let removedCard: UInt32 = 0x8010_0069
    package static let noSmartcard: UInt32 = 0x8010_000C

    /// The protocols `SCardConnect` may agree on.
    package static let protocolT0 = UInt32(SCARD_PROTOCOL_T0)
    package static let protocolT1 = UInt32(SCARD_PROTOCOL_T1)
}

extension PCSCError {
    /// The PC/SC result code of a failed call.
    package var code: UInt32? {
        if case .call(_, let code, _) = self { return code }
        return nil
    }
}
