import Testing

@testable import VirtualReader

@Suite("vpcd endpoint and backoff")
struct EndpointTests {
    @Test("loopback addresses are accepted in every spelling")
    func loopback() throws {
        #expect(try VPCDEndpoint(parsing: "127.0.0.1:35963").port == 35963)
        #expect(try VPCDEndpoint(parsing: "35963").addresses == [.v4([127, 0, 0, 1])])
        #expect(try VPCDEndpoint(parsing: "127.0.0.1:0x8C7B").port == 35963)
        #expect(try VPCDEndpoint(parsing: "[::1]:35963").addresses == [.v6([UInt8](repeating: 0, count: 15) + [1])])
        #expect(try VPCDEndpoint(parsing: "localhost:40000").addresses.allSatisfy(\.isLoopback))
        #expect(try VPCDEndpoint(parsing: "127.9.9.9:1").description == "127.9.9.9:1")
    }

    @Test("a remote host is refused unless allowed")
    func remote() throws {
        #expect(throws: VPCDEndpointError.remoteNotAllowed(host: "192.0.2.7", address: "192.0.2.7")) {
            try VPCDEndpoint(parsing: "192.0.2.7:35963")
        }
        let allowed = try VPCDEndpoint(parsing: "192.0.2.7:35963", allowRemote: true)
        #expect(allowed.addresses == [.v4([192, 0, 2, 7])])
        #expect(VPCDEndpointError.remoteNotAllowed(host: "h", address: "h").description.contains("PINs"))
    }

    @Test(
        "bad addresses are typed errors",
        arguments: ["", ":35963", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "::1:35963", "[::1]35963"])
    func bad(text: String) {
        #expect(throws: VPCDEndpointError.self) { try VPCDEndpoint(parsing: text) }
    }

    @Test("slot N is port + N, within the TCP port range")
    func slots() throws {
        let endpoint = try VPCDEndpoint(parsing: "127.0.0.1:35963")
        #expect(try endpoint.slot(1).port == 35964)
        #expect(throws: VPCDEndpointError.slotPortOutOfRange(port: 65535, slot: 1)) {
            try VPCDEndpoint(parsing: "127.0.0.1:65535").slot(1)
        }
    }

    @Test("backoff doubles from 50 ms to 2 s and starts over after a success")
    func backoff() {
        var backoff = ReconnectBackoff()
        let delays = (0..<8).map { _ in backoff.nextDelay() }
        #expect(delays == [50, 100, 200, 400, 800, 1600, 2000, 2000].map { Duration.milliseconds($0) })
        backoff.reset()
        #expect(backoff.nextDelay() == .milliseconds(50))
    }

    @Test("status lines read as the simulator shows them")
    func statusText() {
        let connecting = VPCDLinkStatus(
            endpoint: "127.0.0.1:35963",
            state: .connecting(attempt: 5, retryIn: .milliseconds(800), lastError: .refused("127.0.0.1:35963")))
        #expect(connecting.description.hasPrefix("connecting to vpcd at 127.0.0.1:35963 (attempt 5, next in 800 ms): nothing listens"))
        #expect(!connecting.description.contains("ECONN"))
        let empty = VPCDLinkStatus(endpoint: "127.0.0.1:35963", state: .waitingForCard)
        #expect(empty.description.contains("shows the reader empty"))
    }
}
