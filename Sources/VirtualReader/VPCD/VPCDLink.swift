import Dispatch
import Foundation

/// The card side of vsmartcard's vpcd: connects out to vpcd's TCP port, answers its requests through a
/// ``VPCDCard``, and reconnects with backoff when vpcd goes away (pcscd stopped or restarted).
///
/// An empty slot is shown to vpcd by closing the connection (the protocol has no other way); the link
/// connects again when a card is inserted. One thread per link, blocking I/O: a slot's requests are
/// strictly one at a time anyway.
public final class VPCDLink: @unchecked Sendable {
    public let configuration: VPCDLinkConfiguration
    private let session: VPCDSession
    private let wake: VPCDWakePipe
    private let onStatusChange: (@Sendable (VPCDLinkStatus) -> Void)?
    private let lock = NSLock()
    private var current: VPCDLinkStatus
    private var started = false
    private var stopRequested = false
    private var cardChangePending = false
    private let finished = DispatchSemaphore(value: 0)

    /// - Parameter onStatusChange: called on the link's thread at every change of state (not for every request).
    public init(
        card: any VPCDCard, configuration: VPCDLinkConfiguration,
        onStatusChange: (@Sendable (VPCDLinkStatus) -> Void)? = nil
    ) throws(VPCDLinkError) {
        self.configuration = configuration
        self.session = VPCDSession(card: card)
        self.wake = try VPCDWakePipe()
        self.onStatusChange = onStatusChange
        self.current = VPCDLinkStatus(endpoint: configuration.endpoint.description, state: .stopped)
    }

    /// The current state, safe to read from any thread.
    public var status: VPCDLinkStatus { lock.withLock { current } }

    /// Starts the link's thread. Calling it twice does nothing.
    public func start() {
        let first = lock.withLock { () -> Bool in
            guard !started else { return false }
            started = true
            return true
        }
        guard first else { return }
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "vpcd-link-\(configuration.endpoint.port)"
        thread.start()
    }

    /// Closes the connection (vpcd sees the card removed) and ends the thread. Waits until it has ended,
    /// which takes as long as the card needs to finish a command in progress.
    public func stop() {
        let wasStarted = lock.withLock { () -> Bool in
            stopRequested = true
            return started
        }
        guard wasStarted else { return }
        wake.wake()
        finished.wait()
        finished.signal()  // a second stop() returns too
    }

    /// Tells the link that the card was inserted, removed or replaced. A connected link drops the
    /// connection so that vpcd sees a removal, and connects again at once if a card is in the slot.
    public func cardChanged() {
        lock.withLock { cardChangePending = true }
        wake.wake()
    }

    // MARK: the thread

    private enum SessionEnd {
        case stopped
        case cardChanged
        case ended(VPCDLinkError, answered: Int)
    }

    private func run() {
        var backoff = configuration.backoff
        var attempt = 0
        var lastError: VPCDLinkError?
        while true {
            let (stop, _) = takeFlags()
            if stop { break }
            guard let atr = session.card.atr, !atr.isEmpty else {
                attempt = 0
                lastError = nil
                backoff.reset()
                setState(.waitingForCard)
                _ = wake.wait(timeout: configuration.cardPollInterval)
                continue
            }
            attempt += 1
            // Announced once; later attempts show up with their retry delay after they fail.
            setState(.connecting(attempt: attempt, retryIn: nil, lastError: lastError), notify: attempt == 1)
            let end: SessionEnd
            do {
                guard
                    let connection = try VPCDConnection.connect(
                        to: configuration.endpoint, timeout: configuration.connectTimeout, wake: wake)
                else { continue }  // woken: look at the flags again
                setState(.connected(since: Date(), requests: 0))
                end = serve(
                    connection,
                    onFirstRequest: {
                        backoff.reset()
                        attempt = 0
                    })
            } catch {
                lastError = error
                let delay = backoff.nextDelay()
                setState(.connecting(attempt: attempt, retryIn: delay, lastError: error))
                _ = wake.wait(timeout: delay)
                continue
            }
            switch end {
            case .stopped:
                setState(.stopped)
                return
            case .cardChanged:
                lastError = nil
            case .ended(let error, let answered):
                lastError = error
                setLastDisconnect(error)
                // A connection that ended before vpcd asked anything is a failed attempt, and so is one
                // that broke the protocol: back off, so that nothing is hammered in a loop.
                if answered == 0 || needsBackoff(error) {
                    let delay = backoff.nextDelay()
                    setState(.connecting(attempt: attempt, retryIn: delay, lastError: error))
                    _ = wake.wait(timeout: delay)
                }
            }
        }
        setState(.stopped)
    }

    private func needsBackoff(_ error: VPCDLinkError) -> Bool {
        switch error {
        case .protocolViolation, .hungUp(.badReply): return true
        default: return false
        }
    }

    /// Serves one connection until it ends.
    private func serve(_ connection: VPCDConnection, onFirstRequest: () -> Void) -> SessionEnd {
        var decoder = VPCDFrameDecoder()
        var buffer = [UInt8](repeating: 0, count: 65_537)
        var answered = 0
        while true {
            if configuration.quickACK { connection.armQuickACK() }
            switch connection.waitReadable(wake: wake, timeout: nil) {
            case .woken, .timedOut:
                wake.drain()
                if let end = honourFlags(connection) { return end }
                continue
            case .readable:
                break
            }
            let count: Int
            do {
                count = try connection.receive(into: &buffer)
            } catch {
                connection.close()
                return .ended(error, answered: answered)
            }
            guard count > 0 else {
                connection.close()
                return .ended(.closedByDriver(connection.endpoint), answered: answered)
            }
            decoder.append(buffer[0..<count])
            while true {
                let request: VPCDRequest?
                do {
                    request = try decoder.nextRequest()
                } catch {
                    connection.abort()
                    return .ended(.protocolViolation(error), answered: answered)
                }
                guard let request else { break }
                if answered == 0 { onFirstRequest() }
                answered += 1
                countRequest(answered)
                switch session.respond(to: request) {
                case .nothing:
                    break
                case .send(let frame):
                    do {
                        try connection.send(frame)
                    } catch {
                        connection.close()
                        return .ended(error, answered: answered)
                    }
                case .hangUp(let reason):
                    connection.abort()
                    return .ended(.hungUp(reason), answered: answered)
                case .stayMute:
                    if let end = holdMute(connection, answered: answered) { return end }
                }
            }
        }
    }

    /// Leaves a request unanswered until the mute timeout, a card change, a stop, or vpcd closing.
    /// Returns nil if vpcd sent something meanwhile (serving then goes on).
    private func holdMute(_ connection: VPCDConnection, answered: Int) -> SessionEnd? {
        setState(.mute(since: Date()))
        let deadline = configuration.muteTimeout.map { ContinuousClock.now + $0 }
        while true {
            let remaining = deadline.map { $0 - ContinuousClock.now }
            if let remaining, remaining <= .zero, let limit = configuration.muteTimeout {
                connection.abort()
                return .ended(.muteTimeout(limit), answered: answered)
            }
            switch connection.waitReadable(wake: wake, timeout: remaining) {
            case .woken:
                wake.drain()
                if let end = honourFlags(connection) { return end }
            case .timedOut:
                continue
            case .readable:
                setState(.connected(since: Date(), requests: answered))
                return nil
            }
        }
    }

    /// Acts on stop() and cardChanged(): nil when neither was asked for.
    private func honourFlags(_ connection: VPCDConnection) -> SessionEnd? {
        let (stop, changed) = takeFlags()
        if stop {
            connection.close()
            return .stopped
        }
        if changed {
            // No request is waiting here, and a response just sent must still reach vpcd: an orderly
            // close (FIN) rather than a reset. vpcd notices at its next poll either way.
            connection.close()
            return .cardChanged
        }
        return nil
    }

    private func takeFlags() -> (stop: Bool, cardChanged: Bool) {
        lock.withLock {
            defer { cardChangePending = false }
            return (stopRequested, cardChangePending)
        }
    }

    // MARK: status

    private func setState(_ state: VPCDLinkState, notify: Bool = true) {
        let snapshot: VPCDLinkStatus? = lock.withLock {
            guard current.state != state else { return nil }
            current.state = state
            return notify ? current : nil
        }
        if let snapshot { onStatusChange?(snapshot) }
    }

    private func setLastDisconnect(_ error: VPCDLinkError) {
        lock.withLock { current.lastDisconnect = error }
    }

    private func countRequest(_ answered: Int) {
        let snapshot: VPCDLinkStatus? = lock.withLock {
            guard case .connected(let since, _) = current.state else { return nil }
            current.state = .connected(since: since, requests: answered)
            return answered == 1 ? current : nil
        }
        if let snapshot { onStatusChange?(snapshot) }
    }
}
