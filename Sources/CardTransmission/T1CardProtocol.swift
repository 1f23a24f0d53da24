/// The card side of the ISO/IEC 7816-3 §11 T=1 block protocol, sans I/O: feed it each block the
/// interface device sends, act on the ``T1Outcome``; the caller owns time (BWT, when to ask for
/// a waiting time extension) and the wire.
///
/// ```swift
/// var t1 = try T1CardProtocol(parameters: T1Parameters(atr: atr))   // at every power-on
/// switch t1.receive(blockBytes) {
/// case .process(let apdu): send(try t1.respond(card.process(apdu)).bytes)
/// case let outcome: if let block = outcome.block { send(block.bytes) }
/// }
/// ```
///
/// Decisions the standard leaves open are listed in docs/fidelity.md.
public struct T1CardProtocol: Sendable {
    /// The parameters of the ATR this instance serves.
    public let parameters: T1Parameters
    /// N(S) of the card's next new I-block.
    public private(set) var sendSequence = 0
    /// N(S) the card expects on the interface device's next I-block (the card's N(R)).
    public private(set) var receiveSequence = 0
    /// IFSC: the most INF bytes the card accepts per block (the ATR's, or its last S(IFS request)).
    public private(set) var ifsc: Int
    /// IFSD: the most INF bytes the interface device accepts per block; 32 until S(IFS request).
    public private(set) var ifsd = 32
    /// Where the exchange is.
    public private(set) var phase = T1Phase.idle
    /// The last block the card sent, if any.
    public private(set) var lastSent: T1Block?

    /// The card's last I-block until the interface device acknowledges it.
    private var unacknowledged: T1Block?
    /// The command chain received so far.
    private var command: [UInt8] = []
    /// The part of the response not sent yet.
    private var pendingResponse: ArraySlice<UInt8> = []
    /// The S(… request) the card waits an answer to.
    private var outstandingRequest: T1Block?

    /// The IFSD in force after power-on and after a resynchronisation.
    public static let initialIFSD = 32

    /// A card fresh from its ATR. Throws for a CRC epilogue or an IFSC outside 1…254.
    public init(parameters: T1Parameters = .defaults) throws(T1CardProtocolError) {
        guard parameters.edc == .lrc else { throw .crcNotSupported }
        guard (1...T1Block.maximumInformationFieldSize).contains(parameters.ifsc) else { throw .invalidIFSC(parameters.ifsc) }
        self.parameters = parameters
        self.ifsc = parameters.ifsc
    }

    // MARK: Blocks from the interface device

    /// Handles the bytes of one block from the interface device.
    public mutating func receive(_ bytes: [UInt8]) -> T1Outcome {
        if phase == .processing { return .silent }
        do {
            return receive(try T1Block(bytes: bytes))
        } catch {
            return invalid(.malformed(error))
        }
    }

    /// Handles one parsed block from the interface device.
    public mutating func receive(_ block: T1Block) -> T1Outcome {
        if phase == .processing { return .silent }
        guard block.nad == 0 else { return invalid(.nodeAddress(block.nad)) }
        if let request = outstandingRequest { return answerWhileAwaiting(block, request: request) }
        switch block.content {
        case .information(let sequence, let more, let data):
            return receiveInformation(block, sequence: sequence, more: more, data: data)
        case .receiveReady(let sequence, _):
            return receiveReady(block, sequence: sequence)
        case .supervisory(let type, .request):
            return receiveRequest(block, type: type)
        case .supervisory(_, .response):
            return reject(.unexpected(block))
        }
    }

    private mutating func receiveInformation(_ block: T1Block, sequence: Int, more: Bool, data: [UInt8]) -> T1Outcome {
        if case .sendingChain = phase { return reject(.unexpected(block)) }
        guard sequence == receiveSequence else { return reject(.sequence(expected: receiveSequence, received: sequence)) }
        guard data.count <= ifsc else { return reject(.informationFieldTooLong(length: data.count, ifsc: ifsc)) }
        receiveSequence ^= 1
        unacknowledged = nil  // the interface device's next I-block acknowledges the card's last one
        command += data
        if more {
            phase = .receivingChain(received: command.count)
            return send(.receiveReady(sequence: receiveSequence))
        }
        let apdu = command
        command = []
        phase = .processing
        return .process(apdu)
    }

    private mutating func receiveReady(_ block: T1Block, sequence: Int) -> T1Outcome {
        switch phase {
        case .sendingChain:
            guard let last = unacknowledged else { return reject(.unexpected(block)) }
            return sequence == last.sequence ? retransmit(last) : send(nextResponseBlock())
        case .receivingChain, .idle:
            if let last = unacknowledged {
                // A final I-block not acknowledged yet: an R-block naming it asks for it again.
                return sequence == last.sequence ? retransmit(last) : reject(.unexpected(block))
            }
            // Rule 7.2 seen from the card: the interface device missed the card's R-block.
            // (A missed S(… response) is recovered by the interface device repeating its request.)
            guard let last = lastSent, case .receiveReady = last.content else { return reject(.unexpected(block)) }
            return retransmit(last)
        case .processing, .awaitingResponse:
            return reject(.unexpected(block))  // not reached: handled before
        }
    }

    private mutating func receiveRequest(_ block: T1Block, type: T1Supervisory) -> T1Outcome {
        switch type {
        case .resynch:
            return resynchronize()
        case .informationFieldSize(let size):
            ifsd = Int(size)
            return send(.response(.informationFieldSize(size)))
        case .abort:
            command = []
            pendingResponse = []
            unacknowledged = nil
            phase = .idle
            return send(.response(.abort))
        case .waitingTimeExtension:
            return reject(.unexpected(block))  // only the card asks for more time
        }
    }

    /// Rule 7.3: while an S(… request) is outstanding, anything but its response makes the card
    /// send the request again, except S(RESYNCH request), which is honoured.
    private mutating func answerWhileAwaiting(_ block: T1Block, request: T1Block) -> T1Outcome {
        guard case .supervisory(let type, let direction) = block.content else { return retransmit(request) }
        if direction == .request && type == .resynch { return resynchronize() }
        guard direction == .response, case .supervisory(type, .request) = request.content else { return retransmit(request) }
        outstandingRequest = nil
        phase = .processing
        switch type {
        case .informationFieldSize(let size):
            ifsc = Int(size)
            return .informationFieldSizeAccepted(Int(size))
        case .waitingTimeExtension(let multiplier):
            return .waitingTimeExtensionGranted(multiplier: multiplier)
        case .resynch, .abort:
            return retransmit(request)  // the card never requests these
        }
    }

    private mutating func resynchronize() -> T1Outcome {
        sendSequence = 0
        receiveSequence = 0
        ifsd = Self.initialIFSD
        command = []
        pendingResponse = []
        unacknowledged = nil
        outstandingRequest = nil
        phase = .idle
        let block = T1Block.response(.resynch)
        lastSent = block
        return .resynchronized(block)
    }

    // MARK: The card's turn

    /// The first block of the response to the APDU in progress (the rest follows as the
    /// interface device acknowledges each chained block). Only in the phase `processing`.
    public mutating func respond(_ response: [UInt8]) throws(T1CardProtocolError) -> T1Block {
        guard phase == .processing else { throw .notProcessing(phase) }
        pendingResponse = response[...]
        return nextResponseBlock()
    }

    /// S(WTX request): asks the interface device for `multiplier` × BWT for the APDU in progress.
    /// Only in the phase `processing`; the answer arrives as ``T1Outcome/waitingTimeExtensionGranted(multiplier:)``.
    public mutating func requestWaitingTimeExtension(multiplier: Int) throws(T1CardProtocolError) -> T1Block {
        guard (1...255).contains(multiplier) else { throw .invalidMultiplier(multiplier) }
        return try request(.waitingTimeExtension(UInt8(multiplier)))
    }

    /// S(IFS request): announces a new IFSC. Only in the phase `processing`; the answer arrives as
    /// ``T1Outcome/informationFieldSizeAccepted(_:)`` and the new IFSC applies from then on.
    public mutating func requestInformationFieldSize(_ size: Int) throws(T1CardProtocolError) -> T1Block {
        guard (1...T1Block.maximumInformationFieldSize).contains(size) else { throw .invalidIFSC(size) }
        return try request(.informationFieldSize(UInt8(size)))
    }

    private mutating func request(_ type: T1Supervisory) throws(T1CardProtocolError) -> T1Block {
        guard phase == .processing else { throw .notProcessing(phase) }
        let block = T1Block.request(type)
        outstandingRequest = block
        phase = .awaitingResponse(type)
        lastSent = block
        return block
    }

    // MARK: Sending

    private mutating func nextResponseBlock() -> T1Block {
        let chunk = pendingResponse.prefix(ifsd)
        pendingResponse = pendingResponse.dropFirst(chunk.count)
        let more = !pendingResponse.isEmpty
        let block = T1Block.information(sequence: sendSequence, more: more, data: Array(chunk))
        sendSequence ^= 1
        unacknowledged = block
        lastSent = block
        phase = more ? .sendingChain(remaining: pendingResponse.count) : .idle
        return block
    }

    private mutating func send(_ block: T1Block) -> T1Outcome {
        lastSent = block
        return .send(block)
    }

    private mutating func retransmit(_ block: T1Block) -> T1Outcome {
        lastSent = block
        return .retransmit(block)
    }

    /// An invalid block: rule 7.3 while an S(… request) is outstanding, else an R-block.
    private mutating func invalid(_ why: T1Rejection) -> T1Outcome {
        if let request = outstandingRequest { return retransmit(request) }
        return reject(why)
    }

    private mutating func reject(_ why: T1Rejection) -> T1Outcome {
        let block = T1Block.receiveReady(sequence: receiveSequence, error: why.isEDCError ? .edc : .other)
        lastSent = block
        return .reject(block, why)
    }
}

extension T1Block {
    /// N(S) of an I-block, N(R) of an R-block, 0 for an S-block.
    public var sequence: Int {
        switch content {
        case .information(let sequence, _, _), .receiveReady(let sequence, _): return sequence
        case .supervisory: return 0
        }
    }
}
