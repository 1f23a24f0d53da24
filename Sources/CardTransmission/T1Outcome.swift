import ISO7816

/// What the card does after a block from the interface device (``T1CardProtocol/receive(_:)-([UInt8])``).
public enum T1Outcome: Hashable, Sendable, CustomStringConvertible {
    /// Send this block now: an R-block acknowledging a chained I-block, the next I-block of a
    /// chained response, or an S(… response).
    case send(T1Block)
    /// Send this block again: the card's last block, which the interface device asked for (an
    /// R-block naming it) or which an invalid answer to an S(… request) calls for (rule 7.3).
    case retransmit(T1Block)
    /// The received block was invalid or out of turn: send this R-block (N(R) = the N(S) the
    /// card expects; error "EDC" for a bad LRC, "other" for everything else).
    case reject(T1Block, T1Rejection)
    /// A command APDU is complete. Run it, then call ``T1CardProtocol/respond(_:)`` (or first
    /// ``T1CardProtocol/requestWaitingTimeExtension(multiplier:)`` when it will take long).
    case process([UInt8])
    /// The interface device answered the card's S(WTX request): keep working, then respond.
    case waitingTimeExtensionGranted(multiplier: UInt8)
    /// The interface device answered the card's S(IFS request): it now sends at most this many
    /// INF bytes per block. Continue with the APDU in progress, then respond.
    case informationFieldSizeAccepted(Int)
    /// S(RESYNCH request) was honoured: send this S(RESYNCH response). Sequence numbers, IFSD and
    /// every chain or command in progress were dropped; the interface device sends its APDU again.
    case resynchronized(T1Block)
    /// Send nothing: the card is processing an APDU and does not listen (half duplex).
    case silent

    /// The block to send, if any.
    public var block: T1Block? {
        switch self {
        case .send(let block), .retransmit(let block), .reject(let block, _), .resynchronized(let block): return block
        case .process, .waitingTimeExtensionGranted, .informationFieldSizeAccepted, .silent: return nil
        }
    }

    public var description: String {
        switch self {
        case .send(let block): return "send \(block)"
        case .retransmit(let block): return "resend \(block)"
        case .reject(let block, let why): return "reject (\(why)): send \(block)"
        case .process(let apdu):
            let more = apdu.count > 8 ? " … (\(apdu.count) bytes)" : ""
            return "process APDU \(Hex.encode(apdu.prefix(8), separator: " "))\(more)"
        case .waitingTimeExtensionGranted(let m): return "WTX ×\(m) granted"
        case .informationFieldSizeAccepted(let size): return "IFSC \(size) accepted"
        case .resynchronized(let block): return "resynchronised: send \(block)"
        case .silent: return "silent (processing)"
        }
    }
}

/// Why the card rejected a block with an R-block.
public enum T1Rejection: Hashable, Sendable, CustomStringConvertible {
    /// The bytes are not a T=1 block.
    case malformed(T1BlockError)
    /// NAD is not `00` (the card has one node and uses no addressing).
    case nodeAddress(UInt8)
    /// An I-block whose N(S) is not the one the card expects.
    case sequence(expected: Int, received: Int)
    /// An I-block with more INF bytes than the card's IFSC.
    case informationFieldTooLong(length: Int, ifsc: Int)
    /// A well-formed block that the protocol does not allow at this point.
    case unexpected(T1Block)

    /// Whether the R-block says "EDC error" (bad LRC) rather than "other error".
    public var isEDCError: Bool {
        if case .malformed(let error) = self { return error.isEDCError }
        return false
    }

    public var description: String {
        switch self {
        case .malformed(let error): return "\(error)"
        case .nodeAddress(let nad): return "NAD \(Hex.encode([nad])) instead of 00"
        case .sequence(let expected, let received): return "I-block N(S)=\(received), expected \(expected)"
        case .informationFieldTooLong(let length, let ifsc): return "\(length) INF bytes exceed IFSC \(ifsc)"
        case .unexpected(let block): return "\(block) is not allowed here"
        }
    }
}

/// Where the card is in the T=1 exchange.
public enum T1Phase: Hashable, Sendable, CustomStringConvertible {
    /// The interface device has the turn; no chain in progress.
    case idle
    /// The interface device is sending a chained command; the card has this many bytes of it.
    case receivingChain(received: Int)
    /// An APDU was handed out with ``T1Outcome/process(_:)``; the card has the turn.
    case processing
    /// The card sent an I-block with M = 1 and waits for the R-block that acknowledges it.
    case sendingChain(remaining: Int)
    /// The card sent this S(… request) and waits for the matching response.
    case awaitingResponse(T1Supervisory)

    public var description: String {
        switch self {
        case .idle: return "idle"
        case .receivingChain(let n): return "receiving a chain (\(n) bytes so far)"
        case .processing: return "processing"
        case .sendingChain(let n): return "sending a chain (\(n) bytes to go)"
        case .awaitingResponse(let type): return "awaiting the response to \(T1Block.request(type))"
        }
    }
}

/// A call the card protocol cannot honour in its current phase, or a bad argument.
public enum T1CardProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The ATR announces CRC; this implementation has LRC only.
    case crcNotSupported
    /// IFSC must be 1…254.
    case invalidIFSC(Int)
    /// ``T1CardProtocol/respond(_:)`` and the card's S-requests need the phase `processing`.
    case notProcessing(T1Phase)
    /// A WTX multiplier must be 1…255.
    case invalidMultiplier(Int)

    public var description: String {
        switch self {
        case .crcNotSupported: return "the ATR asks for a CRC epilogue (TC3 bit 1); only LRC is implemented"
        case .invalidIFSC(let n): return "an information field size must be 1…254, got \(n)"
        case .notProcessing(let phase):
            return "the card can only answer or send an S(… request) while processing an APDU; it is \(phase)"
        case .invalidMultiplier(let m): return "a WTX multiplier must be 1…255, got \(m)"
        }
    }
}
