import CPCSCLite
import Glibc
import ISO7816

/// A card in a PC/SC reader (a real one or ours), reached through pcscd with libpcsclite.
/// `PCSCLITE_CSOCK_NAME` selects a private pcscd, as `mynasim sandbox` sets it.
package final class PCSCChannel: CardChannel {
    private var context: SCARDCONTEXT = 0
    private var card: SCARDHANDLE = 0
    private var activeProtocol: DWORD = 0
    package let readerName: String

    /// Connects to the reader whose name is `reader`, contains it, or has that index.
    package init(reader: String) throws(PCSCError) {
        (context, readerName) = try Self.open(reader: reader)
    }

    /// A new PC/SC context and the name of the reader that is `reader`, contains it, or has that
    /// index; the context is released again when no reader fits.
    static func open(reader: String) throws(PCSCError) -> (SCARDCONTEXT, String) {
        var context: SCARDCONTEXT = 0
        try check(SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context), "SCardEstablishContext")
        let names: [String]
        do {
            names = try readers(context: context)
        } catch {
            SCardReleaseContext(context)
            throw error
        }
        if let index = Int(reader), names.indices.contains(index) { return (context, names[index]) }
        if let match = names.first(where: { $0 == reader }) ?? names.first(where: { $0.contains(reader) }) { return (context, match) }
        SCardReleaseContext(context)
        throw .noSuchReader(reader, available: names)
    }

    deinit {
        if card != 0 { SCardDisconnect(card, DWORD(SCARD_LEAVE_CARD)) }
        if context != 0 { SCardReleaseContext(context) }
    }

    /// Waits until a card is in the reader (SCardGetStatusChange, no polling); false after
    /// `milliseconds` without one.
    package func waitForCard(milliseconds: Int) throws(PCSCError) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        let name = strdup(readerName)
        defer { free(name) }
        var state = SCARD_READERSTATE()
        state.szReader = UnsafePointer(name)
        state.dwCurrentState = DWORD(SCARD_STATE_UNAWARE)
        while true {
            let left = deadline - ContinuousClock.now
            let wait = max(0, Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            let result = SCardGetStatusChange(context, DWORD(wait), &state, 1)
            if result == SCARD_E_TIMEOUT { return false }
            try check(result, "SCardGetStatusChange")
            if state.dwEventState & DWORD(SCARD_STATE_PRESENT) != 0, state.dwEventState & DWORD(SCARD_STATE_MUTE) == 0 { return true }
            if wait == 0 { return false }
            state.dwCurrentState = state.dwEventState & ~DWORD(SCARD_STATE_CHANGED)
        }
    }

    /// The names of the readers pcscd knows.
    package static func listReaders() throws(PCSCError) -> [String] {
        var context: SCARDCONTEXT = 0
        try check(SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context), "SCardEstablishContext")
        defer { SCardReleaseContext(context) }
        return try readers(context: context)
    }

    static func readers(context: SCARDCONTEXT) throws(PCSCError) -> [String] {
        var length: DWORD = 0
        let first = SCardListReaders(context, nil, nil, &length)
        if first == SCARD_E_NO_READERS_AVAILABLE { return [] }
        try check(first, "SCardListReaders")
        var buffer = [CChar](repeating: 0, count: Int(length))
        try check(SCardListReaders(context, nil, &buffer, &length), "SCardListReaders")
        return buffer.split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    package func powerOn() throws -> [UInt8] {
        if card != 0 { return try reset() }
        var handle: SCARDHANDLE = 0
        try check(
            SCardConnect(
                context, readerName, DWORD(SCARD_SHARE_SHARED), DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1), &handle, &activeProtocol),
            "SCardConnect")
        card = handle
        return try atr()
    }

    package func reset() throws -> [UInt8] {
        guard card != 0 else { return try powerOn() }
        try check(
            SCardReconnect(
                card, DWORD(SCARD_SHARE_SHARED), DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1), DWORD(SCARD_RESET_CARD), &activeProtocol),
            "SCardReconnect")
        return try atr()
    }

    package func powerOff() throws {
        guard card != 0 else { return }
        try Self.check(SCardDisconnect(card, DWORD(SCARD_UNPOWER_CARD)), "SCardDisconnect")
        card = 0
    }

    /// Disconnects leaving the card powered (the normal end of a session).
    package func disconnect(reset: Bool = true) {
        guard card != 0 else { return }
        SCardDisconnect(card, DWORD(reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD))
        card = 0
    }

    private func atr() throws(PCSCError) -> [UInt8] {
        var atr = [UInt8](repeating: 0, count: Int(MAX_ATR_SIZE))
        var atrLength = DWORD(atr.count)
        var state: DWORD = 0
        var proto: DWORD = 0
        var nameLength: DWORD = 0
        try check(SCardStatus(card, nil, &nameLength, &state, &proto, &atr, &atrLength), "SCardStatus")
        return Array(atr.prefix(Int(atrLength)))
    }

    package func transmit(_ command: [UInt8]) throws -> [UInt8] {
        if card == 0 { _ = try powerOn() }
        var response = [UInt8](repeating: 0, count: 65_538)
        var responseLength = DWORD(response.count)
        var pci = activeProtocol == DWORD(SCARD_PROTOCOL_T0) ? g_rgSCardT0Pci : g_rgSCardT1Pci
        try check(SCardTransmit(card, &pci, command, DWORD(command.count), nil, &response, &responseLength), "SCardTransmit")
        return Array(response.prefix(Int(responseLength)))
    }

    private func check(_ result: LONG, _ function: String) throws(PCSCError) { try Self.check(result, function) }

    static func check(_ result: LONG, _ function: String) throws(PCSCError) {
        guard result == SCARD_S_SUCCESS else {
            throw .call(function, code: UInt32(truncatingIfNeeded: result), message: String(cString: pcsc_stringify_error(result)))
        }
    }
}

/// PC/SC failures, with pcsc-lite's own text.
package enum PCSCError: Error, Hashable, Sendable, CustomStringConvertible {
    case call(String, code: UInt32, message: String)
    case noSuchReader(String, available: [String])

    package var description: String {
        switch self {
        case .call(let function, let code, let message):
            return "\(function) failed: \(message) (0x\(String(code, radix: 16, uppercase: true)))"
        case .noSuchReader(let name, let available):
            return "no reader matches '\(name)'; readers: "
                + (available.isEmpty ? "none" : available.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: ", "))
        }
    }
}
