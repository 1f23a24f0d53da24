import Foundation
import PCSC
import VirtualReader

/// `mynasim reader-check`: every check of the catalog against one reader holding a known card
/// (mynasim's virtual card behind any reader path, or a real My Number card), in catalog order.
/// On a real card nothing is sent that could cost a PIN try: the only credential sent is the
/// `--card-pin` the user gives, and only when its counter is full.
package struct ReaderCheckRunner {
    package var options: ReaderCheckOptions
    package var person: any ReaderOperator = ConsoleOperator()
    /// Called as each check finishes (the console view).
    package var onResult: (ReaderCheckResult) -> Void = { _ in }

    package init(options: ReaderCheckOptions) { self.options = options }

    /// Whether `readerName` is one of mynasim's readers with its simulator reachable: then the
    /// card is virtual and the checks drive it. The slot is `--slot`, else the name's last number.
    static func simulatorSlot(readerName: String, options: ReaderCheckOptions) -> Int? {
        guard options.simulatorSocket != nil, readerName.hasPrefix("mynasim ") else { return nil }
        return options.slot ?? readerName.split(separator: " ").last.flatMap { Int($0, radix: 16) }
    }

    package func run() throws -> ReaderCheckRun {
        let reader = try PCSCReader(reader: options.reader)
        var simulator: (any VirtualSlotControl)?
        if let socket = options.simulatorSocket, let slot = Self.simulatorSlot(readerName: reader.name, options: options) {
            simulator = try SimulatorSlotControl(socket: socket, slot: slot)
        }
        let context = ReaderCheckContext(reader: reader, options: options, simulator: simulator, person: person, onResult: onResult)
        let date = ISO8601DateFormatter().string(from: Date())
        if let simulator {
            let status = try simulator.status()
            context.startStatus = status
            context.card.description =
                "mynasim virtual card: \(status.name ?? "?") (\(status.card ?? "empty slot")), timing \(status.profile)"
            if let profile = status.readerProfile { context.card.description += ", behind reader profile \(profile)" }
        }
        guard context.waitForCard() else {
            throw ReaderError.badArgument("no card in \(reader.name): insert a My Number card (or a persona's card) and run again")
        }
        context.identityChecks()
        context.atrChecks()
        context.transportChecks()
        context.timingChecks()
        context.presenceChecks()
        context.robustnessChecks()
        context.restoreVirtualCard()
        reader.disconnect(.reset)
        let order = Dictionary(uniqueKeysWithValues: ReaderCheckCatalog.all.enumerated().map { ($1.id, $0) })
        return ReaderCheckRun(
            tool: "mynasim \(mynasimVersion)", date: date, reader: context.identity, card: context.card,
            mode: simulator.map { "mynasim's virtual reader (simulator slot \($0.slot))" } ?? "a real reader (no simulator control)",
            interactive: options.interactive, results: context.results.sorted { order[$0.id, default: 0] < order[$1.id, default: 0] },
            behaviour: context.observed)
    }
}
