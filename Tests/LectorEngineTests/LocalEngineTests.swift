import LectorCore
import LectorEngine
import Testing

/// Against the real llama.cpp server that `deploy/local/test` starts (`LECTOR_TEST_ENGINE_URL`, default
/// the local engine's `http://127.0.0.1:8088/v1`). When it is unreachable these tests fail; they never
/// skip. The model is tiny (Gemma 3 270M): answers are kept to a few tokens.
@Suite("The real local engine (llama.cpp)", .serialized)
struct LocalEngineTests {
    static var url: String {
        let value = Environment.value("LECTOR_TEST_ENGINE_URL") ?? ""
        return value.isEmpty ? EngineConfiguration.defaultURL : value
    }

    func withLocalEngine<T: Sendable>(maxInFlight: Int = 4, _ body: (EngineClient) async throws -> T) async throws -> T {
        let configuration = EngineConfiguration(
            url: Self.url, maxInFlight: maxInFlight, requestTimeout: .seconds(300), idleTimeout: .seconds(120),
            retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(200)))
        return try await EngineClient.withClient(configuration: configuration, logger: testLogger, body)
    }

    static func question(stream: Bool) -> ChatRequest {
        ChatRequest(
            system: "You read contracts and answer in JSON.",
            user: [
                .text("--- page 1 ---\nThis Agreement renews automatically for successive one-year terms."),
                // Showing the exact shape keeps this small model from spending its tokens on whitespace.
                .text(#"Does the agreement renew automatically? Reply {"answer": "yes"} or {"answer": "no"}."#),
            ],
            schema: verdictSchema, maxTokens: 40, temperature: 0, seed: 1, reasoningEffort: .high, stream: stream)
    }

    @Test("discovery: llama.cpp dialect, healthy, context length and slots")
    func discovery() async throws {
        try await withLocalEngine { client in
            let info = try await client.discover()
            #expect(info.healthy)
            #expect(info.dialect == .llamacpp)
            #expect(info.dialectDetected)
            #expect(info.model != nil)
            #expect((info.contextLength ?? 0) > 0)
            #expect((info.slots ?? 0) >= 1)
            #expect(await client.sovereignty().reason == .loopback)
        }
    }

    @Test("a schema-constrained answer parses and validates, with usage", arguments: [false, true])
    func schemaAnswer(stream: Bool) async throws {
        try await withLocalEngine { client in
            let response = try await client.complete(Self.question(stream: stream))
            let answer = try #require(response.json?["answer"]?.stringValue)
            #expect(["yes", "no"].contains(answer))
            let usage = try #require(response.usage)
            #expect(usage.promptTokens > 0)
            #expect(usage.completionTokens > 0)
            #expect(response.finishReason == .stop)
        }
    }

    @Test("a prompt longer than the context is a classified context overflow")
    func contextOverflow() async throws {
        try await withLocalEngine { client in
            let info = try await client.discover()
            let context = try #require(info.contextLength)
            // About 1.3 tokens a word: comfortably past the context.
            let long = String(repeating: "clause ", count: context * 2)
            let request = ChatRequest(system: "Summarise.", user: [.text(long)], maxTokens: 8, temperature: 0)
            let error = await #expect(throws: EngineError.self) { try await client.complete(request) }
            #expect(error?.kind == .contextOverflow)
            #expect(error?.isRetryable == false)
            #expect(error?.engineType == "exceed_context_size_error")
            #expect((error?.promptTokens ?? 0) > (error?.contextTokens ?? .max))
            #expect(error?.contextTokens == context)
        }
    }

    @Test("as many concurrent requests as the engine has slots all succeed")
    func concurrentUpToSlots() async throws {
        let slots = try await withLocalEngine { client in try await client.discover().slots ?? 1 }
        try await withLocalEngine(maxInFlight: slots) { client in
            let answers = try await withThrowingTaskGroup(of: ChatResponse.self) { group in
                for i in 0..<slots { group.addTask { try await client.complete(Self.question(stream: i % 2 == 0)) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == slots)
            for answer in answers {
                #expect(answer.json?["answer"] != nil)
                #expect((answer.usage?.promptTokens ?? 0) > 0)
            }
        }
    }

    @Test("image input to a text-only model is classified unsupported, not retried as an outage")
    func imageOnTextModel() async throws {
        try await withLocalEngine { client in
            let request = ChatRequest(
                system: "Describe.", user: [.text("What is this?"), .image(ImageInput(bytes: tinyPNG, mimeType: "image/png"))],
                maxTokens: 4)
            let error = await #expect(throws: EngineError.self) { try await client.complete(request) }
            #expect(error?.kind == .unsupported)
            #expect(error?.isRetryable == false)
        }
    }

    @Test("token counts come from the engine's /tokenize")
    func tokenize() async throws {
        try await withLocalEngine { client in
            let text = "hello world, this is a test"
            let count = await client.countTokens(text)
            #expect(count > 0)
            #expect(count <= TokenEstimate.textTokens(text))
        }
    }

    @Test("the engine's counts of a prompt's parts add up to the prompt_tokens it reports, within its chat template")
    func countsMatchUsage() async throws {
        try await withLocalEngine { client in
            let system = "You read contracts and answer in JSON."
            let page = """
                --- page 1 ---
                This Agreement renews automatically for successive one-year terms unless either party gives ninety (90) \
                days' written notice of non-renewal before the end of the then-current term. Neither party may assign \
                this Agreement without the prior written consent of the other party.
                """
            let question = #"Does the agreement renew automatically? Reply {"answer": "yes"} or {"answer": "no"}."#
            let counts = try #require(await client.exactTokens([system, page, question]))
            let counted = counts.reduce(0, +)
            var request = ChatRequest(
                system: system, user: [.text(page), .text(question)], schema: verdictSchema, maxTokens: 40, temperature: 0,
                seed: 1, stream: false)
            request.countedPromptTokens = counted
            let response = try await client.complete(request)
            let reported = try #require(response.usage?.promptTokens)
            // The template adds role markers and turn tokens; the parts' own tokens are all there.
            #expect(reported >= counted - 3, "reported \(reported), counted \(counted)")
            #expect(reported <= counted + 40, "reported \(reported), counted \(counted)")
            // The estimate (3 bytes a token) is not what the engine counts.
            #expect(counted != [system, page, question].map(TokenEstimate.textTokens).reduce(0, +))
        }
    }
}
