import Foundation
import MynaPersona
import TestSupport
import Testing

@testable import VirtualReader

/// A card whose state cannot be saved answers `6581`, keeps its counter, and the slot says why in
/// the trace (and on standard error) with the state file's path.
@Suite("Slot: a state write that fails")
struct StateFailureTests {
    @Test func theSlotTracesTheRefusalWithTheFileAndTheReason() throws {
        let url = try Fixtures.copyOfPersona("yamada-taro")
        let tracePath = Fixtures.temporaryDirectory("trace").appendingPathComponent("trace.jsonl").path
        let slot = ReaderSlot(index: 0, profile: .instant, trace: try TraceWriter(path: tracePath))
        try slot.insert(try PersonaCache().load(url))
        #expect(slot.power(reset: false) != nil)
        let select: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]
        #expect(slot.transmit(select) == .response([0x90, 0x00]))
        #expect(slot.transmit([0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18]) == .response([0x90, 0x00]))
        // Even root cannot replace a directory with a file: the write of the temporary file fails.
        let blocker = url.appendingPathComponent("state.json.tmp")
        try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: false)
        let wrongPIN: [UInt8] = [0x00, 0x20, 0x00, 0x80, 0x04] + Array("9999".utf8)
        #expect(slot.transmit(wrongPIN) == .response([0x65, 0x81]))
        #expect(slot.transmit([0x00, 0x20, 0x00, 0x80]) == .response([0x63, 0xC3]))
        #expect(!FileManager.default.fileExists(atPath: url.appendingPathComponent("state.json").path))

        let events = try String(contentsOfFile: tracePath, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(TraceEvent.self, from: Data($0.utf8))
        }
        let faults = events.filter { $0.event == .fault }
        #expect(faults.count == 1)
        let note = try #require(faults.first?.note)
        #expect(note.contains("the card answered 6581 (memory failure) and kept its previous state"))
        #expect(note.contains(url.appendingPathComponent("state.json").path) && note.contains("Is a directory"))
        #expect(faults.first?.command == "0020008004" + "39393939")

        // Once the obstacle is gone the very next command saves again.
        try FileManager.default.removeItem(at: blocker)
        #expect(slot.transmit(wrongPIN) == .response([0x63, 0xC2]))
        try slot.remove()
    }
}
