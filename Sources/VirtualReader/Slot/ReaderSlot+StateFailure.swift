import Foundation
import MynaCard

extension ReaderSlot {
    /// A command the card refused with `6581` because its state could not be saved (a full disk,
    /// a read-only persona directory): one line on standard error and a fault in the trace, naming
    /// the state file and the reason, so the operator can see why counters stopped moving.
    func reportStateFailureLocked(_ failure: CardStateError, command: [UInt8]) {
        let message =
            "slot \(index): the card answered 6581 (memory failure) and kept its previous state: \(failure) "
            + "(make room on that disk or make the persona directory writable; the next command tries again)"
        trace?.record(slot: index, .fault, command: command, note: message)
        FileHandle.standardError.write(Data(("mynasim: " + message + "\n").utf8))
    }
}
