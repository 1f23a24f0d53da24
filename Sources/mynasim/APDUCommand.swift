import ArgumentParser
import Foundation
import ISO7816
import MynaApplications
import MynaCard
import MynaPersona

/// `mynasim apdu`: power a persona's card in-process and send APDUs in one card session.
struct APDUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apdu",
        abstract: "Send APDUs to a persona's card in one session and print each response.",
        discussion: HelpText.paragraphs(
            """
            Each response is printed on its own line as uppercase hex ending in the status word.
            Card state (retry counters, changed PINs) persists between invocations, as on a real card.

            Example (select the JPKI AP and EF 000A, read 4 bytes):
              mynasim apdu --card DIR \\
                \(Hex.encode(CommandAPDU.select(application: JPKIApplication.aid).bytes)) \
            \(Hex.encode(CommandAPDU.select(file: JPKIApplication.File.authCertificate).bytes)) 00B0000004
            """)
    )

    @Option(name: .long, help: "Persona directory whose card to use.") var card: String
    @Flag(name: .long, help: "Print the ATR first.") var atr = false
    @Flag(name: .long, help: "Print JSON for machines.") var json = false
    @Argument(help: "Command APDUs in hex (spaces inside one argument are allowed).") var apdus: [String] = []

    func run() throws {
        // Check every argument before the card is touched: a typo must not half-run a session.
        let commands = try apdus.enumerated().map { index, text in
            do {
                let bytes = try Hex.decode(text)
                guard bytes.count >= 4 else { throw CLIError("APDU \(index + 1) '\(text)': a command APDU needs at least 4 bytes") }
                return bytes
            } catch let error as HexError {
                throw CLIError("APDU \(index + 1) '\(text)': \(error)")
            }
        }
        let directory = try PersonaDirectory(url: URL(fileURLWithPath: card))
        let lock = try directory.lock()
        defer { withExtendedLifetime(lock) {} }
        var virtualCard = try directory.makeCard()
        let atrBytes = virtualCard.powerOn()
        var exchanges: [Exchange] = []
        if atr && !json { print(Hex.encode(atrBytes)) }
        for command in commands {
            let response = virtualCard.process(command)
            if json {
                exchanges.append(Exchange(command: command, response: response))
            } else {
                print(Hex.encode(response))
            }
        }
        virtualCard.powerOff()
        if json {
            struct Output: Encodable {
                var atr: String?
                var exchanges: [Exchange]
            }
            try JSONOutput.print(Output(atr: Hex.encode(atrBytes), exchanges: exchanges))
        }
    }

    /// One command and its response, for `--json`.
    struct Exchange: Encodable {
        var command: String
        var response: String
        var data: String
        var sw: String
        var meaning: String
        init(command: [UInt8], response: [UInt8]) {
            self.command = Hex.encode(command)
            self.response = Hex.encode(response)
            self.data = Hex.encode(response.dropLast(2))
            let status = StatusWord(response[response.count - 2], response[response.count - 1])
            self.sw = status.description
            self.meaning = status.meaning
        }
    }
}
