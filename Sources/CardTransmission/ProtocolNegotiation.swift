import ISO7816

/// The card's side of protocol selection after an ATR (ISO/IEC 7816-3 §9): it answers a PPS
/// request sent right after the ATR and tells the reader which protocol handles every later
/// transmission. Make a new one at every power-on, next to the protocol engines.
///
/// ```swift
/// var negotiation = ProtocolNegotiation(atr: atr)
/// switch negotiation.receive(xfrBlockData) {
/// case .pps(.accept(let response)): reply(response.bytes)
/// case .pps(.mute): replyCardMute()                 // the card stays silent
/// case .transmission(.t1): … t1.receive(xfrBlockData)
/// case .transmission(.t0): … t0.exchange(xfrBlockData) { card.process($0) }
/// case .unsupportedProtocol: replyCardMute()
/// }
/// ```
public struct ProtocolNegotiation: Hashable, Sendable {
    /// What the ATR offers.
    public let offer: ATRProtocolOffer
    /// The protocol number in force: the ATR's default until a PPS exchange selects another.
    public private(set) var activeProtocol: Int
    /// F and D in force: Fd/Dd after the ATR (TA1 in specific mode), PPS1 after an accepted PPS1.
    public private(set) var factors: TransmissionFactors
    /// Whether a PPS request is still possible: only as the first transmission after the ATR.
    public private(set) var isPPSAllowed = true

    public init(atr: ATR) {
        let offer = ATRProtocolOffer(atr: atr)
        self.offer = offer
        self.activeProtocol = offer.defaultProtocol
        self.factors = offer.isSpecificMode && !offer.usesImplicitParameters ? (offer.ta1 ?? .default) : .default
    }

    /// Where the bytes of one transmission (one CCID XfrBlock) go.
    public enum Route: Hashable, Sendable {
        /// A PPS request, answered here.
        case pps(PPSAnswer)
        /// Bytes for the engine of this protocol (a T=1 block, or a T=0 TPDU).
        case transmission(TransmissionProtocol)
        /// The protocol in force is one this package does not implement.
        case unsupportedProtocol(Int)
    }

    /// Routes one transmission from the reader: the first one after the ATR is a PPS request when
    /// it starts with `FF` (PPSS); every later one belongs to the protocol in force.
    public mutating func receive(_ bytes: [UInt8]) -> Route {
        if isPPSAllowed && bytes.first == PPSMessage.ppss {
            return .pps(answerPPS(bytes))
        }
        isPPSAllowed = false
        guard let engine = TransmissionProtocol(rawValue: activeProtocol) else { return .unsupportedProtocol(activeProtocol) }
        return .transmission(engine)
    }

    /// The card's answer to a PPS request (§9.3). A malformed request, a card in specific mode, or
    /// a protocol the ATR does not offer get no answer. Otherwise the response confirms the
    /// protocol; it echoes PPS1 when the card accepts those Fi/Di (TA1's, the default `11`, or
    /// TA1's F with a smaller D), else leaves it out (Fd/Dd apply); it echoes PPS2 only when it is
    /// `00` (no SPU) and never PPS3 (reserved).
    public mutating func answerPPS(_ bytes: [UInt8]) -> PPSAnswer {
        isPPSAllowed = false
        let request: PPSMessage
        do {
            request = try PPSMessage(bytes: bytes)
        } catch {
            return .mute(.malformed(error))
        }
        if offer.isSpecificMode { return .mute(.specificMode) }
        guard offer.offered.contains(request.protocolType), TransmissionProtocol(rawValue: request.protocolType) != nil else {
            return .mute(.protocolNotOffered(request.protocolType))
        }
        var response = PPSMessage(protocolType: request.protocolType)
        if let pps1 = request.pps1, accepts(TransmissionFactors(pps1)) {
            response.pps1 = pps1
        }
        if request.pps2 == 0x00 { response.pps2 = 0x00 }
        activeProtocol = request.protocolType
        factors = response.pps1.map(TransmissionFactors.init) ?? .default
        return .accept(response)
    }

    private func accepts(_ proposed: TransmissionFactors) -> Bool {
        guard proposed.isValid else { return false }
        if proposed == .default { return true }
        guard let ta1 = offer.ta1, let offeredD = ta1.d, let proposedD = proposed.d else { return false }
        return proposed.fIndex == ta1.fIndex && proposedD <= offeredD
    }
}

/// The card's answer to a PPS request.
public enum PPSAnswer: Hashable, Sendable, CustomStringConvertible {
    /// Send this PPS response.
    case accept(PPSMessage)
    /// Send nothing (ISO/IEC 7816-3 §9.3: the card does not answer a request it cannot accept;
    /// the interface device times out and deactivates). A CCID reader reports the card mute.
    case mute(PPSRefusal)

    public var description: String {
        switch self {
        case .accept(let response): return "accept: \(response)"
        case .mute(let why): return "no answer: \(why)"
        }
    }
}

/// Why the card does not answer a PPS request.
public enum PPSRefusal: Hashable, Sendable, CustomStringConvertible {
    case malformed(PPSError)
    /// TA2 is present: the card works only in its specific mode.
    case specificMode
    /// The ATR does not offer this protocol (or this package does not implement it).
    case protocolNotOffered(Int)

    public var description: String {
        switch self {
        case .malformed(let error): return "\(error)"
        case .specificMode: return "the card is in specific mode (TA2) and takes no PPS"
        case .protocolNotOffered(let t): return "the ATR does not offer T=\(t)"
        }
    }
}
