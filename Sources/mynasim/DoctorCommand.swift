import ArgumentParser
import Foundation
import VirtualReader

/// `mynasim doctor`: what this installation found, what is missing, and how to fix it.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show where mynasim finds its data, handler and tools, what is missing, and the fix for each.",
        discussion: HelpText.paragraphs(
            """
            Shipped data (personas, test PKI, suites, client-check profiles and scenarios) is looked for in
            $MYNASIM_DATA, <prefix>/share/mynasim beside this binary, then the source tree it was built in;
            the IFD handler in $MYNASIM_HANDLER, <prefix>/lib/mynasim, the source tree, then
            /usr/lib/pcsc/drivers/serial. An explicit option (--personas, --handler, …) overrides both.

            Exit status: 0 when everything required is there, 1 when something is missing.
            """)
    )
    @Flag(name: .long, help: "Print JSON for machines.") var json = false

    func run() throws {
        let installation = Installation.current
        let findings = Doctor(installation: installation).findings()
        if json {
            try JSONOutput.print(findings)
        } else {
            let binary = installation.binary?.path ?? "(unknown: /proc/self/exe unreadable)"
            print("mynasim \(mynasimVersion) at \(binary)")
            let width = findings.map(\.name.count).max() ?? 0
            for finding in findings {
                let mark: String
                switch (finding.found, finding.need) {
                case (true, .notNeeded): mark = "n/a    "
                case (true, _): mark = "ok     "
                case (false, .required): mark = "MISSING"
                case (false, _): mark = "absent "
                }
                let padded = finding.name.padding(toLength: width, withPad: " ", startingAt: 0)
                print("\(mark) \(padded)  \(finding.detail)")
                if !finding.found {
                    print(
                        "        \(String(repeating: " ", count: width))  \(finding.need == .required ? "needed" : "used") by \(finding.usedBy)"
                    )
                    if let fix = finding.fix { print("        \(String(repeating: " ", count: width))  fix: \(fix)") }
                }
            }
            let missing = findings.filter(\.isProblem)
            print(missing.isEmpty ? "everything required is there" : "missing: \(missing.map(\.name).joined(separator: ", "))")
        }
        if findings.contains(where: \.isProblem) { throw ExitCode(1) }
    }
}
