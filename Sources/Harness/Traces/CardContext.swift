import ISO7816
import MynaApplications

/// What a host has selected on the card: the application and the current EF, worked out from the
/// commands sent and the card's answers. Command names need it: `READ BINARY` reads the current EF.
package struct CardContext: Hashable, Sendable {
    package var application: CardApplicationID?
    package var file: FileID?

    package init(application: CardApplicationID? = nil, file: FileID? = nil) {
        self.application = application
        self.file = file
    }

    /// The context after `command` was answered with `response` (a failed SELECT changes nothing).
    package mutating func update(command: [UInt8], response: [UInt8]) {
        guard let apdu = try? CommandAPDU(bytes: command), apdu.ins == Instruction.select, response.suffix(2) == [0x90, 0x00] else {
            return
        }
        switch apdu.p1 {
        case 0x04:
            application = CardApplicationID.selected(by: apdu.data)?.application
            file = nil
        case 0x02 where apdu.data.count == 2:
            file = FileID(apdu.data[0]) << 8 | FileID(apdu.data[1])
        case 0x00:
            application = nil
            file = nil
        default:
            break
        }
    }

    /// The EF a VERIFY or CHANGE command's P2 names: `80|SFI`, or the current EF with `80`.
    package func credentialFile(p2: UInt8) -> FileID? { p2 & 0x1F != 0 ? FileID(p2 & 0x1F) : file }

    /// A power event: nothing is selected any more.
    package mutating func reset() { self = CardContext() }
}
