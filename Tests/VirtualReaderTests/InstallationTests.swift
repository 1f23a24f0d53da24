import Foundation
import TestSupport
import Testing

@testable import VirtualReader

/// Where shipped data and the handler are found: an explicit path, the environment, the install
/// prefix beside the binary, the source tree, and for the handler the system driver directory.
@Suite("Installation lookup")
struct InstallationTests {
    /// A fake installed prefix and a fake source tree, each with what `items` names.
    func layout(prefix items: [String], source sourceItems: [String]) throws -> (root: URL, installation: Installation) {
        let root = Fixtures.temporaryDirectory("installation")
        let manager = FileManager.default
        for item in items {
            try manager.createDirectory(at: root.appendingPathComponent("prefix/\(item)"), withIntermediateDirectories: true)
        }
        for item in sourceItems {
            try manager.createDirectory(at: root.appendingPathComponent("source/\(item)"), withIntermediateDirectories: true)
        }
        try manager.createDirectory(at: root.appendingPathComponent("prefix/bin"), withIntermediateDirectories: true)
        var installation = Installation(
            binary: root.appendingPathComponent("prefix/bin/mynasim"), environment: [:], sourceTree: root.appendingPathComponent("source"))
        installation.systemDriverDirectory = root.appendingPathComponent("system")
        return (root, installation)
    }

    @Test func theInstallPrefixComesBeforeTheSourceTree() throws {
        let (root, installation) = try layout(prefix: ["share/mynasim/personas"], source: ["vectors/personas", "vectors/suites"])
        #expect(try installation.locate(.personas).path == root.appendingPathComponent("prefix/share/mynasim/personas").path)
        // What the prefix lacks comes from the source tree the binary was built in.
        #expect(try installation.locate(.suites).path == root.appendingPathComponent("source/vectors/suites").path)
        #expect(installation.find(.suites)?.origin == .sourceTree)
    }

    @Test func theEnvironmentComesBeforeThePrefixAndAnExplicitPathBeforeBoth() throws {
        var (root, installation) = try layout(prefix: ["share/mynasim/personas"], source: [])
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data.appendingPathComponent("personas/test-pki"), withIntermediateDirectories: true)
        installation.environment["MYNASIM_DATA"] = data.path
        #expect(try installation.locate(.personas).path == data.appendingPathComponent("personas").path)
        #expect(try installation.locate(.testPKI).path == data.appendingPathComponent("personas/test-pki").path)
        #expect(installation.find(.personas)?.origin == .environment("MYNASIM_DATA"))
        let mine = root.appendingPathComponent("prefix/share/mynasim/personas").path
        #expect(try installation.locate(.personas, explicit: mine).path == mine)
    }

    @Test func theHandlerIsLookedForInEveryPlaceInOrder() throws {
        let (root, installation) = try layout(prefix: [], source: [])
        let places = installation.candidates(for: .handler).map(\.url.path)
        #expect(
            places == [
                root.appendingPathComponent("prefix/lib/mynasim/libifd-mynasim.so").path,
                root.appendingPathComponent("prefix/lib/pcsc/drivers/serial/libifd-mynasim.so").path,
                root.appendingPathComponent("source/ifd-handler/libifd-mynasim.so").path,
                root.appendingPathComponent("system/libifd-mynasim.so").path,
            ])
        // The Debian package's place (the pcsc-lite driver directory under the prefix) is found.
        let debian = root.appendingPathComponent("prefix/lib/pcsc/drivers/serial")
        try FileManager.default.createDirectory(at: debian, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: debian.appendingPathComponent("libifd-mynasim.so").path, contents: Data())
        #expect(try installation.locate(.handler).path == debian.appendingPathComponent("libifd-mynasim.so").path)
    }

    @Test func notFoundListsEveryPlaceAndWhatOverridesThem() throws {
        let (root, installation) = try layout(prefix: [], source: [])
        let error = #expect(throws: LookupError.self) { try installation.locate(.clientScenarios, option: "--scenarios FILE") }
        let message = error?.description ?? ""
        #expect(message.contains(root.appendingPathComponent("prefix/share/mynasim/client-scenarios").path))
        #expect(message.contains(root.appendingPathComponent("source/vectors/client-scenarios").path))
        #expect(message.contains("pass --scenarios FILE or set MYNASIM_DATA"))
        let handler = #expect(throws: LookupError.self) { try installation.locate(.handler, option: "--handler FILE") }
        #expect(handler?.description.contains("set MYNASIM_HANDLER, or build it with `make handler`") == true)
        let explicit = #expect(throws: LookupError.self) {
            try installation.locate(.personas, explicit: "/nonexistent/p", option: "--personas DIR")
        }
        #expect(explicit?.description == "--personas DIR /nonexistent/p: no such file or directory (expected the shipped personas)")
    }

    @Test func thisBinaryFindsTheRepositoryItWasBuiltIn() throws {
        let found = try #require(Installation.current.find(.personas))
        #expect(found.url.path == Fixtures.repositoryRoot.appendingPathComponent("vectors/personas").path)
        #expect(found.origin == .sourceTree)
    }
}
