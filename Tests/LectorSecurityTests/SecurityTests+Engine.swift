import AsyncHTTPClient
import LectorFakeEngine
import LectorTestSupport
import Logging
import Synchronization
import Testing

@testable import LectorEngine

extension SecurityTests {
    /// A DNS server under an attacker's control: the first answer is the private address the guard
    /// approves, every later one a public address (DNS rebinding). It counts the lookups.
    final class RebindingResolver: HostResolver {
        let first: String
        let later: String
        let lookups = Mutex(0)

        init(first: String, later: String) {
            self.first = first
            self.later = later
        }

        func resolve(_ host: String) async throws -> [IPAddress] {
            if let literal = IPAddress(host) { return [literal] }
            let count = lookups.withLock { count in
                count += 1
                return count
            }
            return [IPAddress(count == 1 ? first : later)!]
        }
    }

    /// The attack: the engine's name resolves to loopback for the guard, then to a public address.
    /// The connection goes to the address the guard vetted and makes no lookup of its own: the requests
    /// reach the (loopback) engine with the name in the Host header, although the name does not resolve
    /// in the system's DNS (`.invalid`) and the resolver now answers public. The guard itself, asked
    /// afresh, refuses the name.
    @Test func dnsRebindingAfterTheGuardsLookupCannotRedirectTheConnection() async throws {
        let script = FakeScript(dialect: .vllm, otherwise: FakeResponses.completion(dialect: .vllm, answer: "{\"answer\": \"yes\"}"))
        try await FakeEngine.withRunning(handler: script.handler) { engine in
            let host = "engine.rebind.invalid"
            let resolver = RebindingResolver(first: "127.0.0.1", later: "203.0.113.7")
            let configuration = EngineConfiguration(
                url: "http://\(host):\(engine.port)/v1", model: "m", dialect: .vllm, maxInFlight: 2,
                requestTimeout: .seconds(60), idleTimeout: .seconds(30),
                retry: RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1), maxRetryAfter: .seconds(1)))
            var logger = Logger(label: "lector.security.tests")
            logger.logLevel = .critical
            try await EngineClient.withClient(configuration: configuration, resolver: resolver, logger: logger) { client in
                let request = ChatRequest(
                    system: "s", user: [.text("--- page 1 ---\nx")], schema: nil, maxTokens: 8, temperature: 0, seed: 1,
                    reasoningEffort: nil, stream: false)
                _ = try await client.complete(request)
                _ = try await client.complete(request)
                #expect(client.connections.pinnedAddress == "127.0.0.1")
            }
            #expect(resolver.lookups.withLock { $0 } == 1)
            #expect(engine.chatRequests.count == 2)
            #expect(engine.chatRequests.allSatisfy { $0.headers["host"] == "\(host):\(engine.port)" })
            // The name is public now: a new verdict refuses it.
            #expect(await SovereigntyGuard(resolver: resolver).evaluate(host: host).reason == .external)
        }
    }

    /// A verdict that refuses a host never moves the pin to it, and an address literal needs none.
    @Test func refusedVerdictNeverMovesThePinToThePublicAddress() async throws {
        let pinned = PinnedHTTPClient(host: "engine.example", configuration: .init())
        #expect(pinned.pinnedAddress == nil)
        pinned.pin(SovereigntyVerdict(host: "engine.example", addresses: [IPAddress("10.0.0.5")!], reason: .privateNetwork))
        #expect(pinned.pinnedAddress == "10.0.0.5")
        pinned.pin(SovereigntyVerdict(host: "engine.example", addresses: [IPAddress("203.0.113.7")!], reason: .external))
        #expect(pinned.pinnedAddress == "10.0.0.5")
        let literal = PinnedHTTPClient(host: "10.0.0.9", configuration: .init())
        literal.pin(SovereigntyVerdict(host: "10.0.0.9", addresses: [IPAddress("10.0.0.9")!], reason: .privateNetwork))
        #expect(literal.pinnedAddress == nil)
        try await pinned.shutdown()
        try await literal.shutdown()
    }
}
