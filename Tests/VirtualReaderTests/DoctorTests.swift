import Foundation
import MynaPersona
import TestSupport
import Testing

@testable import VirtualReader

/// A machine described by a list: the files that exist, the programs on PATH, what they answer.
struct FakeMachine: SystemProbe {
    var files: Set<String> = []
    var programs: [String: String] = [:]
    var answers: [String: (status: Int32, output: String)] = [:]
    var isRoot = true
    var environment: [String: String] = [:]

    func executable(_ name: String) -> String? { programs[name] }
    func exists(_ path: String) -> Bool { files.contains(path) || programs.values.contains(path) }
    func run(_ arguments: [String]) -> (status: Int32, output: String)? { answers[arguments.joined(separator: " ")] }
}

@Suite("mynasim doctor")
struct DoctorTests {
    /// A complete machine, with the shipped data and handler under /opt/m (the binary in /opt/m/bin).
    func complete() -> (FakeMachine, Installation) {
        var machine = FakeMachine()
        let installation = Installation(binary: URL(fileURLWithPath: "/opt/m/bin/mynasim"), environment: [:], sourceTree: nil)
        for item in ShippedItem.allCases {
            if let first = installation.candidates(for: item).first { machine.files.insert(first.url.path) }
        }
        machine.programs = [
            "pcscd": "/usr/sbin/pcscd", "setpriv": "/usr/bin/setpriv", "convert": "/usr/bin/convert",
            "opensc-tool": "/usr/bin/opensc-tool", "pcsc_scan": "/usr/bin/pcsc_scan",
        ]
        machine.files.formUnion([
            ImageMagickRenderer.fontCandidates[0], SystemDrivers.ccidSerial, SystemDrivers.vpcd,
            "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
        ])
        machine.answers["/usr/sbin/pcscd --version"] = (0, "pcsc-lite version 1.9.9.\n")
        machine.answers["/usr/bin/convert -list format"] = (
            0, "   Format  Mode  Description\n      JP2* rw-   JPEG-2000 File Format Syntax\n"
        )
        return (machine, installation)
    }

    @Test func aCompleteMachineHasNoProblem() {
        let (machine, installation) = complete()
        let findings = Doctor(probe: machine, installation: installation).findings()
        #expect(!findings.contains { $0.isProblem }, "\(findings.filter(\.isProblem))")
        let handler = findings.first { $0.name == ShippedItem.handler.label }
        #expect(handler?.detail == "/opt/m/lib/mynasim/libifd-mynasim.so (the install prefix of this binary)")
        #expect(findings.first { $0.name == "pcscd" }?.detail == "/usr/sbin/pcscd: pcsc-lite version 1.9.9.")
    }

    @Test func missingRequiredThingsAreProblemsWithTheirFix() {
        var (machine, installation) = complete()
        machine.programs["pcscd"] = nil
        machine.answers["/usr/bin/convert -list format"] = (0, "      PNG* rw-   Portable Network Graphics\n")
        machine.files.remove(SystemDrivers.vpcd)
        let findings = Doctor(probe: machine, installation: installation).findings()
        let problems = Dictionary(uniqueKeysWithValues: findings.filter(\.isProblem).map { ($0.name, $0) })
        #expect(Set(problems.keys) == ["pcscd", "ImageMagick"])
        #expect(problems["pcscd"]?.fix == "sudo apt-get install pcscd")
        #expect(problems["ImageMagick"]?.detail.contains("no JPEG 2000") == true)
        // An optional driver that is missing is reported with its fix but fails nothing.
        let vpcd = findings.first { $0.name == "vsmartcard-vpcd" }
        #expect(vpcd?.found == false && vpcd?.need == .optional && vpcd?.fix == "sudo apt-get install vsmartcard-vpcd")
    }

    @Test func aMissingHandlerSaysWhereItLookedAndHowToGetIt() {
        var (machine, installation) = complete()
        machine.files.remove("/opt/m/lib/mynasim/libifd-mynasim.so")
        let handler = Doctor(probe: machine, installation: installation).findings().first { $0.name == ShippedItem.handler.label }
        #expect(handler?.isProblem == true)
        #expect(handler?.detail.contains("/opt/m/lib/pcsc/drivers/serial/libifd-mynasim.so") == true)
        #expect(handler?.fix?.contains("MYNASIM_HANDLER") == true)
    }

    @Test func aUserNeedsRunPCSCDOrUserNamespaces() {
        var (machine, installation) = complete()
        machine.isRoot = false
        #expect(Doctor(probe: machine, installation: installation).runDirectory().need == .required)
        #expect(Doctor(probe: machine, installation: installation).runDirectory().isProblem)
        machine.answers["unshare --user --map-root-user --mount true"] = (0, "")
        #expect(!Doctor(probe: machine, installation: installation).runDirectory().isProblem)
        machine.files.insert("/run/pcscd")
        #expect(Doctor(probe: machine, installation: installation).runDirectory().need == .notNeeded)
    }
}
