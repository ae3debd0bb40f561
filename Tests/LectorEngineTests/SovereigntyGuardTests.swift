import LectorEngine
import LectorFakeEngine
import Testing

/// Public addresses appear here only as inputs to the decision; no test connects to one.
@Suite("The sovereignty guard")
struct SovereigntyGuardTests {
    @Test("loopback and private addresses are allowed", arguments: [
        ("127.0.0.1", SovereigntyVerdict.Reason.loopback), ("::1", .loopback), ("10.1.2.3", .privateNetwork),
        ("172.16.0.9", .privateNetwork), ("172.31.255.1", .privateNetwork), ("192.168.1.20", .privateNetwork),
        ("fd12:3456::1", .privateNetwork), ("::ffff:10.0.0.1", .privateNetwork),
    ])
    func allowed(address: String, reason: SovereigntyVerdict.Reason) async {
        let verdict = await SovereigntyGuard(resolver: StubResolver(answers: [:])).evaluate(host: address)
        #expect(verdict.allowed)
        #expect(verdict.reason == reason)
    }

    @Test("a public address is refused without the opt-in, allowed and marked external with it", arguments: [
        "8.8.8.8", "172.32.0.1", "2001:4860:4860::8888", "::ffff:1.1.1.1", "169.254.169.254",
    ])
    func publicAddress(address: String) async {
        let refused = await SovereigntyGuard(resolver: StubResolver(answers: [:])).evaluate(host: address)
        #expect(!refused.allowed)
        #expect(refused.reason == .external)
        let optIn = await SovereigntyGuard(allowExternal: true, resolver: StubResolver(answers: [:])).evaluate(host: address)
        #expect(optIn.allowed)
        #expect(optIn.isExternal)
        #expect(optIn.reason == .externalOptIn)
    }

    @Test("a name is judged by what it resolves to")
    func names() async {
        let resolver = StubResolver(answers: [
            "vllm.ml.svc.cluster.local": ["10.96.0.12"],
            "engine": ["192.168.10.5"],
            "gpu-box.corp.example": ["10.20.30.40"],
            "internal-looking.example.com": ["203.0.113.7"],
            "split.example.com": ["10.0.0.5", "198.51.100.9"],
            "localhost": ["127.0.0.1", "::1"],
        ])
        let guardian = SovereigntyGuard(resolver: resolver)
        #expect(await guardian.evaluate(host: "vllm.ml.svc.cluster.local").reason == .clusterInternal)
        #expect(await guardian.evaluate(host: "engine").reason == .clusterInternal)
        #expect(await guardian.evaluate(host: "gpu-box.corp.example").reason == .privateNetwork)
        #expect(await guardian.evaluate(host: "localhost").reason == .loopback)
        // A name that resolves to a public address is refused, whatever it looks like.
        let publicName = await guardian.evaluate(host: "internal-looking.example.com")
        #expect(!publicName.allowed)
        #expect(publicName.addresses.map(\.description) == ["203.0.113.7"])
        // One public address among private ones is enough to refuse.
        #expect(await guardian.evaluate(host: "split.example.com").reason == .external)
        #expect(await guardian.evaluate(host: "nowhere.invalid").reason == .unresolvable)
    }

    @Test("hosts in LECTOR_ENGINE_ALLOWED_HOSTS are allowed, exactly or by domain")
    func allowList() async {
        let resolver = StubResolver(answers: ["inference.partner.example": ["203.0.113.50"], "gpu1.hpc.example": ["198.51.100.1"]])
        let guardian = SovereigntyGuard(allowedHosts: ["inference.partner.example", ".hpc.example"], resolver: resolver)
        #expect(await guardian.evaluate(host: "inference.partner.example").reason == .allowListed)
        #expect(await guardian.evaluate(host: "gpu1.hpc.example").reason == .allowListed)
        #expect(await guardian.evaluate(host: "evil-hpc.example").reason == .unresolvable)
    }

    @Test("the client refuses to send a request to a refused host, before connecting")
    func clientRefuses() async throws {
        let resolver = StubResolver(answers: ["api.mistral.ai": ["203.0.113.80"]])
        let configuration = EngineConfiguration(url: "https://api.mistral.ai/v1", model: "mistral-small-2603", dialect: .mistral)
        try await EngineClient.withClient(configuration: configuration, resolver: resolver, logger: testLogger) { client in
            let error = await #expect(throws: EngineError.self) { try await client.complete(sampleRequest()) }
            #expect(error?.kind == .refused)
            #expect(error?.code == "engine.refused")
            #expect(error?.description.contains("--allow-external-engine") == true)
            let discovery = await #expect(throws: EngineError.self) { try await client.discover() }
            #expect(discovery?.kind == .refused)
            let verdict = await client.sovereignty()
            #expect(verdict.reason == .external)
        }
    }

    @Test("a redirect is not followed: the document would go to a host the guard never checked")
    func noRedirects() async throws {
        // The target stays on loopback (tests never reach out); were it followed, the status would not be 307.
        let script = FakeScript(
            dialect: .vllm, otherwise: .respond(status: 307, headers: ["Location": "http://127.0.0.1:1/v1/chat/completions"], body: ""))
        try await withFakeEngine(script, dialect: .vllm, retry: RetryPolicy(maxAttempts: 1)) { engine, client in
            let error = await #expect(throws: EngineError.self) { try await client.complete(sampleRequest()) }
            #expect(error?.status == 307)
            #expect(engine.chatRequests.count == 1)
        }
    }

    @Test("the system resolver checks addresses, not names (localhost resolves to loopback)")
    func systemResolver() async throws {
        let addresses = try await SystemResolver().resolve("localhost")
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { $0.scope == .loopback })
    }

    @Test("address literals parse and print")
    func literals() {
        #expect(IPAddress("10.0.0.1")?.description == "10.0.0.1")
        #expect(IPAddress("[::1]")?.scope == .loopback)
        #expect(IPAddress("fe80::1%eth0")?.scope == .linkLocal)
        #expect(IPAddress("example.com") == nil)
        #expect(IPAddress("300.1.1.1") == nil)
    }
}
