import Foundation

@testable import VirtualReader

/// A scripted card that records what it was asked.
final class TestCard: VPCDCard, @unchecked Sendable {
    private let lock = NSLock()
    private var insertedATR: [UInt8]?
    private var answer: @Sendable ([UInt8]) -> VPCDAnswer
    private(set) var calls: [String] = []

    static let atr: [UInt8] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]

    init(atr: [UInt8]? = TestCard.atr, answer: @escaping @Sendable ([UInt8]) -> VPCDAnswer = { _ in .response([0x90, 0x00]) }) {
        self.insertedATR = atr
        self.answer = answer
    }

    func setATR(_ atr: [UInt8]?) { lock.withLock { insertedATR = atr } }
    func setAnswer(_ answer: @escaping @Sendable ([UInt8]) -> VPCDAnswer) { lock.withLock { self.answer = answer } }
    var recorded: [String] { lock.withLock { calls } }

    private func record(_ call: String) { lock.withLock { calls.append(call) } }

    func powerOn() -> [UInt8]? {
        record("powerOn")
        return atr
    }
    func reset() -> [UInt8]? {
        record("reset")
        return atr
    }
    func powerOff() { record("powerOff") }
    var atr: [UInt8]? { lock.withLock { insertedATR } }
    func transmit(_ apdu: [UInt8]) -> VPCDAnswer {
        record("transmit")
        return lock.withLock { answer }(apdu)
    }
}
