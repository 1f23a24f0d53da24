import Foundation
import Testing
import VirtualReader

#if canImport(Glibc)
    import Glibc
#endif

/// Talks to a running host through the pty slave, as the driver does.
struct SlaveEnd {
    let fd: Int32

    init(path: String) throws {
        fd = open(path, O_RDWR | O_NOCTTY)
        guard fd >= 0 else { throw POSIXError(.ENOENT) }
        var settings = termios()
        tcgetattr(fd, &settings)
        cfmakeraw(&settings)
        tcsetattr(fd, TCSANOW, &settings)
    }

    func send(_ message: [UInt8]) {
        let frame = SerialFraming.frame(message)
        _ = frame.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Reads what arrives within `window`.
    func read(for window: Duration) -> [UInt8] {
        var out: [UInt8] = []
        let end = ContinuousClock.now + window
        var buffer = [UInt8](repeating: 0, count: 1024)
        while ContinuousClock.now < end {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(
                max(
                    1,
                    ContinuousClock.now.duration(to: end).components.seconds * 1000
                        + ContinuousClock.now.duration(to: end).components.attoseconds / 1_000_000_000_000_000))
            guard poll(&pfd, 1, ms) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 { out += buffer[0..<n] } else { break }
        }
        return out
    }

    func close() { Glibc.close(fd) }
}

@Suite("PTY reader host", .serialized)
struct PTYReaderHostTests {
    @Test("answers the driver's first Escape 02 on the pty with echo and firmware text; the symlink names the slave")
    func firstEscape() throws {
        let name = "ccid-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let linkPath = directory.appendingPathComponent("reader").path
        let session = ReaderSession(firmware: ReaderFirmware(model: .gemPCTwin, cards: [MockCard()]))
        let host = try PTYReaderHost(session: session, linkPath: linkPath)
        try host.start()
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: linkPath) == host.terminal.slavePath)
        let slave = try SlaveEnd(path: linkPath)
        defer { slave.close() }
        slave.send(hex("6B 01 00 00 00 00 00 00 00 00 02"))
        let received = slave.read(for: .milliseconds(300))
        let echo = SerialFraming.frame(hex("6B 00 00 00 00 00 00 00 00 00"))
        #expect(received.starts(with: echo))
        let answer = try CCIDResponse(parsing: Array(received.dropFirst(echo.count + 2).dropLast()))
        #expect(String(decoding: answer.data, as: UTF8.self) == ReaderModel.gemPCTwin.firmwareVersion)
        host.stop()
        #expect(host.terminationReason == .stopped)
        #expect(!FileManager.default.fileExists(atPath: linkPath))
    }

    @Test("bytes with the values of ^C, XON, XOFF, CR and LF cross the pty unchanged (raw mode)")
    func rawBytes() throws {
        let card = MockCard()
        let host = try PTYReaderHost(session: ReaderSession(firmware: ReaderFirmware(model: .gemPCTwin, cards: [card])))
        try host.start()
        defer { host.stop() }
        let slave = try SlaveEnd(path: host.terminal.slavePath)
        defer { slave.close() }
        slave.send(CCIDCommand(sequence: 1, .iccPowerOn(.fiveVolts)).encoded)
        _ = slave.read(for: .milliseconds(200))
        slave.send(CCIDCommand(sequence: 2, .setParameters(protocolNumber: 1, data: hex("11 10 FF 45 00 FE 00"))).encoded)
        _ = slave.read(for: .milliseconds(200))
        let awkward = hex("00 00 08 03 11 13 0D 0A 7F 1C 04 00")
        slave.send(CCIDCommand(sequence: 3, .xfrBlock(block: awkward, bwi: 0, levelParameter: 0)).encoded)
        let received = slave.read(for: .milliseconds(300))
        #expect(card.exchanges.last?.block == awkward)
        #expect(received.suffix(awkward.count + 1).dropLast() == awkward[...])
    }

    @Test("an answer ready after the host's deadline is not sent, and the line stays in sync")
    func lateAnswerSuppressed() throws {
        let card = MockCard()
        let trace = MemoryTrace()
        let host = try PTYReaderHost(session: ReaderSession(firmware: ReaderFirmware(model: .gemPCTwin, cards: [card])), trace: trace)
        try host.start()
        defer { host.stop() }
        let slave = try SlaveEnd(path: host.terminal.slavePath)
        defer { slave.close() }
        slave.send(CCIDCommand(sequence: 1, .iccPowerOn(.fiveVolts)).encoded)
        _ = slave.read(for: .milliseconds(150))
        slave.send(CCIDCommand(sequence: 2, .setParameters(protocolNumber: 1, data: hex("11 10 FF 05 00 FE 00"))).encoded)
        _ = slave.read(for: .milliseconds(150))
        card.exchangeDelay = .milliseconds(700)  // BWT 90 ms + 500 ms margin: past the host's deadline
        slave.send(CCIDCommand(sequence: 3, .xfrBlock(block: [0, 0, 0, 0], bwi: 0, levelParameter: 0)).encoded)
        #expect(slave.read(for: .milliseconds(1000)).isEmpty)
        #expect(
            trace.events.contains {
                if case .lateAnswerSuppressed = $0 { return true }
                return false
            })
        card.exchangeDelay = .zero
        slave.send(CCIDCommand(sequence: 4, .getSlotStatus).encoded)
        let next = slave.read(for: .milliseconds(200))
        #expect(next.count == 26 && next[21] == 0x04 && next[22] == 0x00)
    }

    @Test("when no slave descriptor is left open, the host reports the pty vanished")
    func vanished() throws {
        let ended = DispatchSemaphore(value: 0)
        let host = try PTYReaderHost(
            session: ReaderSession(firmware: ReaderFirmware(model: .gemPCTwin, cards: [MockCard()])), keepSlaveOpen: false
        ) { _ in ended.signal() }
        let slave = try SlaveEnd(path: host.terminal.slavePath)
        try host.start()
        slave.send(CCIDCommand(.getSlotStatus).encoded)
        #expect(!slave.read(for: .milliseconds(200)).isEmpty)
        slave.close()
        #expect(ended.wait(timeout: .now() + 3) == .success)
        if case .vanished = host.terminationReason {
        } else {
            Issue.record("expected vanished, got \(String(describing: host.terminationReason))")
        }
        host.stop()
        #expect(throws: PTYError.alreadyStarted) { try host.start() }
    }
}
