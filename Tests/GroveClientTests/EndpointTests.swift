// EndpointTests: address parsing and client configuration errors.

import GroveClient
import GroveWire
import Testing

@Suite struct EndpointTests {
    @Test func parsesHostPortForms() {
        #expect(Endpoint("127.0.0.1:7070") == Endpoint(host: "127.0.0.1", port: 7070))
        #expect(Endpoint("localhost:1") == Endpoint(host: "localhost", port: 1))
        #expect(Endpoint("[::1]:7070") == Endpoint(host: "::1", port: 7070))
        #expect(Endpoint("7070") == Endpoint(host: "127.0.0.1", port: 7070))
        #expect(Endpoint("[::1]:7070")?.description == "[::1]:7070")
    }

    @Test func refusesBadForms() {
        for bad in ["", "host", "host:", ":7070", "host:70000", "host:-1", "host:port"] {
            #expect(Endpoint(bad) == nil, "\(bad)")
        }
    }

    @Test func aClientNeedsAnEndpoint() {
        #expect(throws: GroveClientError.invalidArgument("no endpoints given")) {
            try GroveClient(configuration: .init(endpoints: []))
        }
        #expect(throws: GroveClientError.self) { try GroveClient("nonsense") }
    }

    @Test func modelSelectorParsing() {
        #expect(ModelSelector(parsing: "m") == ModelSelector(name: "m"))
        #expect(ModelSelector(parsing: "m@3") == ModelSelector(name: "m", version: 3))
        #expect(ModelSelector(parsing: "m:stable") == ModelSelector(name: "m", label: "stable"))
        for bad in ["", "@3", "m@0", "m@x", "m:", ":stable"] { #expect(ModelSelector(parsing: bad) == nil, "\(bad)") }
    }

    @Test func connectingToAClosedPortIsUnavailable() {
        // Port 1 on loopback: nothing listens there.
        #expect(throws: GroveClientError.self) {
            _ = try GroveConnection(endpoint: Endpoint(host: "127.0.0.1", port: 1), timeoutSeconds: 1)
        }
        do {
            _ = try GroveClient("127.0.0.1:1", timeoutSeconds: 1).health()
            Issue.record("health on a closed port succeeded")
        } catch {
            #expect(error.code == .unavailable)
        }
    }
}
