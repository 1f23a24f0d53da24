import Foundation

/// Which reader driver a private pcscd puts in front of the simulator's slots.
public enum ReaderPath: Hashable, Sendable, CustomStringConvertible {
    /// Our IFD handler (the default): APDUs over the wire protocol, insertion seen at once.
    case ifdHandler
    /// pcsc-lite's own CCID driver for serial readers (`libccidtwin.so`) in front of an emulated
    /// reader of this model: ATR parsing, PPS, T=1 run by the driver, 400 ms presence polls.
    case ccid(ReaderModel)
    /// vsmartcard's vpcd driver (`libifdvpcd.so`), which the slots' cards connect out to.
    case vpcd

    /// `handler`, `ccid:MODEL` or `vpcd`.
    public init?(argument: String) {
        switch argument.lowercased() {
        case "handler", "ifd-handler": self = .ifdHandler
        case "vpcd": self = .vpcd
        default:
            guard argument.lowercased().hasPrefix("ccid:"), let model = ReaderModel.named(String(argument.dropFirst(5))) else { return nil }
            self = .ccid(model)
        }
    }

    public static let argumentForms = ["handler", "vpcd"] + ReaderModel.all.map { "ccid:\($0.name)" }

    public var description: String {
        switch self {
        case .ifdHandler: return "handler"
        case .ccid(let model): return "ccid:\(model.name)"
        case .vpcd: return "vpcd"
        }
    }

    /// How many slots the path can serve (pcscd's readers behind one reader.conf entry).
    public func maximumSlots(_ requested: Int) -> Int {
        switch self {
        case .ifdHandler: return requested
        case .ccid(let model): return model.slotCount
        case .vpcd: return 2  // vpcd serves port and port+1 per reader.conf entry
        }
    }

    /// The reader name's stem pcscd shows ("<stem> 00 0N").
    var friendlyName: String {
        switch self {
        case .ifdHandler: return "mynasim Virtual Reader"
        case .ccid(let model): return "mynasim \(model.name)"
        case .vpcd: return "mynasim vpcd"
        }
    }
}

/// Where Debian installs the reader drivers mynasim can put in front of its slots.
public enum SystemDrivers {
    /// pcsc-lite's CCID driver for serial readers (package libccid).
    public static let ccidSerial = "/usr/lib/pcsc/drivers/serial/libccidtwin.so"
    /// vsmartcard's virtual reader driver (package vsmartcard-vpcd).
    public static let vpcd = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"

    /// The driver a path needs, and the package that has it.
    static func required(for path: ReaderPath) -> (path: String, package: String)? {
        switch path {
        case .ifdHandler: return nil
        case .ccid: return (ccidSerial, "libccid")
        case .vpcd: return (vpcd, "vsmartcard-vpcd")
        }
    }
}
