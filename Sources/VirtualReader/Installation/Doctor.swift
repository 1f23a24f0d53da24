import Foundation
import MynaPersona

/// What `mynasim doctor` reports: for each thing mynasim uses, where it was found, or what is
/// missing, what needs it, and how to get it.
public struct DoctorFinding: Codable, Hashable, Sendable {
    /// Needed (the exit status depends on it) or only used by some options.
    public enum Need: String, Codable, Sendable {
        case required, optional
        case notNeeded = "not-needed"
    }

    public var name: String
    public var need: Need
    public var found: Bool
    /// Where it is, or why it is missing.
    public var detail: String
    /// What uses it.
    public var usedBy: String
    /// The command that fixes a missing item.
    public var fix: String?

    public init(name: String, need: Need, found: Bool, detail: String, usedBy: String, fix: String? = nil) {
        self.name = name
        self.need = need
        self.found = found
        self.detail = detail
        self.usedBy = usedBy
        self.fix = found ? nil : fix
    }

    /// Whether this finding makes the doctor fail.
    public var isProblem: Bool { need == .required && !found }
}

/// Checks the machine for what mynasim's commands need, through a `SystemProbe`.
public struct Doctor: Sendable {
    public var probe: any SystemProbe
    public var installation: Installation

    public init(probe: any SystemProbe = LiveSystemProbe(), installation: Installation = .current) {
        self.probe = probe
        self.installation = installation
    }

    static func apt(_ packages: String) -> String { "sudo apt-get install \(packages)" }

    /// Every check, in the order they are printed.
    public func findings() -> [DoctorFinding] {
        shipped() + [pcscd(), setpriv(), runDirectory(), socketActivation()] + imaging() + drivers() + clients()
    }

    /// Shipped data and the handler, and where each was found.
    func shipped() -> [DoctorFinding] {
        let reinstall = "reinstall mynasim (make install, or the Debian package), or point MYNASIM_DATA at a copy of vectors/"
        let uses: [ShippedItem: String] = [
            .personas: "client-check, qualification-service", .testPKI: "read --reader", .suites: "suite NAME",
            .clientProfiles: "client-check --profile NAME", .clientScenarios: "client-check",
            .handler: "sandbox, up, client-check (--reader handler)",
        ]
        return ShippedItem.allCases.map { item in
            let places = installation.candidates(for: item)
            let found = places.first { probe.exists($0.url.path) }
            let fix = item == .handler ? "make handler (in the source tree), reinstall, or set MYNASIM_HANDLER" : reinstall
            return DoctorFinding(
                name: item.label, need: .required, found: found != nil,
                detail: found.map(\.description)
                    ?? "not in: " + places.map(\.url.path).joined(separator: ", "),
                usedBy: uses[item] ?? "", fix: fix)
        }
    }

    func pcscd() -> DoctorFinding {
        let path = probe.executable("pcscd")
        let version = path.flatMap { probe.run([$0, "--version"])?.output }.flatMap { text in
            text.split(separator: "\n").first { $0.contains("version") }.map(String.init)
        }
        return DoctorFinding(
            name: "pcscd", need: .required, found: path != nil,
            detail: path.map { [$0, version].compactMap { $0 }.joined(separator: ": ") } ?? "not installed",
            usedBy: "sandbox, up, client-check", fix: Self.apt("pcscd"))
    }

    func setpriv() -> DoctorFinding {
        let path = probe.executable("setpriv")
        return DoctorFinding(
            name: "setpriv", need: .optional, found: path != nil,
            detail: path ?? "not installed: a killed mynasim would leave pcscd and the sandboxed command running",
            usedBy: "sandbox, up, client-check (stops children when mynasim dies)", fix: Self.apt("util-linux"))
    }

    /// pcscd creates /run/pcscd (or fails): root can, another user needs it to exist or a user
    /// namespace with a private /run.
    func runDirectory() -> DoctorFinding {
        let name = "/run/pcscd or user namespaces"
        let uses = "sandbox, up, client-check as a user other than root"
        if probe.isRoot { return DoctorFinding(name: name, need: .notNeeded, found: true, detail: "running as root", usedBy: uses) }
        if probe.exists("/run/pcscd") {
            return DoctorFinding(
                name: name, need: .notNeeded, found: true, detail: "/run/pcscd exists (the system pcscd made it)", usedBy: uses)
        }
        let works = probe.run(["unshare", "--user", "--map-root-user", "--mount", "true"])?.status == 0
        return DoctorFinding(
            name: name, need: .required, found: works,
            detail: works ? "unprivileged user namespaces work (pcscd gets a private /run)" : "no /run/pcscd, and `unshare -rm` fails",
            usedBy: uses,
            fix: "start the system pcscd once (sudo systemctl start pcscd.socket creates /run/pcscd), or allow user namespaces "
                + "(sudo sysctl -w kernel.unprivileged_userns_clone=1 on Debian, user.max_user_namespaces > 0)")
    }

    func socketActivation() -> DoctorFinding {
        DoctorFinding(
            name: "systemd-socket-activate", need: .notNeeded, found: true,
            detail: "mynasim hands pcscd its listening socket itself (LISTEN_FDS)", usedBy: "nothing any more")
    }

    /// ImageMagick with JPEG 2000, and a Japanese font, for `persona new`.
    func imaging() -> [DoctorFinding] {
        let uses = "persona new, persona reissue (the card-face images)"
        let environment = probe.environment
        // The order ImageMagickRenderer.locate uses.
        let convert = [environment["MYNASIM_CONVERT"], "/usr/bin/convert", probe.executable("convert")].compactMap { $0 }.first {
            probe.exists($0)
        }
        let formats = convert.flatMap { probe.run([$0, "-list", "format"]) }
        let isMagick = formats?.status == 0
        let jp2 = formats?.output.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("JP2") } ?? false
        let font = ([environment["MYNASIM_FONT"]].compactMap { $0 } + ImageMagickRenderer.fontCandidates).first { probe.exists($0) }
        let magickDetail: String
        switch (convert, isMagick, jp2) {
        case (nil, _, _): magickDetail = "`convert` not found (MYNASIM_CONVERT names another)"
        case (let path?, false, _): magickDetail = "\(path) does not answer `-list format` as ImageMagick does"
        case (let path?, true, false): magickDetail = "\(path) has no JPEG 2000 (JP2) coder"
        case (let path?, true, true): magickDetail = "\(path), with JPEG 2000"
        }
        return [
            DoctorFinding(
                name: "ImageMagick", need: .required, found: isMagick && jp2, detail: magickDetail, usedBy: uses,
                fix: Self.apt("imagemagick")),
            DoctorFinding(
                name: "Japanese font", need: .required, found: font != nil,
                detail: font ?? "none of \(ImageMagickRenderer.fontCandidates.joined(separator: ", ")) (MYNASIM_FONT names another)",
                usedBy: uses, fix: Self.apt("fonts-ipafont-gothic")),
        ]
    }

    /// The other reader drivers a world can put in front of the slots.
    func drivers() -> [DoctorFinding] {
        func driver(_ name: String, _ path: String, usedBy: String, package: String) -> DoctorFinding {
            let present = probe.exists(path)
            return DoctorFinding(
                name: name, need: .optional, found: present, detail: present ? path : "\(path) not installed", usedBy: usedBy,
                fix: Self.apt(package))
        }
        return [
            driver("libccid (serial CCID driver)", SystemDrivers.ccidSerial, usedBy: "--reader ccid:MODEL", package: "libccid"),
            driver("vsmartcard-vpcd", SystemDrivers.vpcd, usedBy: "--reader vpcd, serve --vpcd", package: "vsmartcard-vpcd"),
        ]
    }

    /// The PC/SC clients the README and docs/recipes.md use.
    func clients() -> [DoctorFinding] {
        let module = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
        let tool = probe.executable("opensc-tool")
        let scan = probe.executable("pcsc_scan")
        let openSC = tool.flatMap { probe.exists(module) ? "\($0), \(module)" : nil }
        return [
            DoctorFinding(
                name: "OpenSC", need: .optional, found: openSC != nil, detail: openSC ?? "opensc-tool or \(module) missing",
                usedBy: "the README's examples, docs/recipes.md (PKCS#11)", fix: Self.apt("opensc opensc-pkcs11")),
            DoctorFinding(
                name: "pcsc-tools", need: .optional, found: scan != nil, detail: scan ?? "pcsc_scan not installed",
                usedBy: "docs/recipes.md (scriptor, pcsc_scan)", fix: Self.apt("pcsc-tools")),
        ]
    }
}
