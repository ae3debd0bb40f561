import LectorEngine
import LectorFakeEngine
import Testing

/// Answers at the engine's limits: cut at `max_tokens`, found in the reasoning channel, refused for
/// carrying too many images.
@Suite("Answer limits")
struct AnswerLimitsTests {
    @Test("an answer cut mid-JSON at max_tokens is output_truncated, with its usage, and never sent again")
    func truncated() async throws {
        let limits = FakeLimits(dialect: .vllm)
        let answer = #"{"answer": "yes"}"#
        // 61 tokens of reasoning (4 bytes each) leave 3 of max_tokens 64 for the answer: it stops mid-JSON.
        let reasoning = String(repeating: "abcd", count: 61)
        let script = FakeScript(dialect: .vllm)
        try await FakeEngine.withRunning(handler: { request in
            request.path.hasSuffix("/chat/completions")
                ? limits.reply(to: request, answer: answer, reasoning: reasoning) : await script.handler(request)
        }) { engine in
            let configuration = EngineConfiguration(url: engine.baseURL, dialect: .vllm, retry: fastRetry)
            try await EngineClient.withClient(configuration: configuration, logger: testLogger) { client in
                for stream in [false, true] {
                    let error = try await #require(throws: EngineError.self) {
                        try await client.complete(sampleRequest(images: 0, stream: stream))
                    }
                    #expect(error.kind == .outputTruncated)
                    #expect(error.code == "engine.output_truncated")
                    #expect(!error.isRetryable)
                    #expect(error.usage?.completionTokens == 64)
                    #expect(error.description.contains("max_tokens (64)"))
                }
                #expect(engine.chatRequests.count == 2)
            }
        }
    }

    @Test("the fake engine cuts the answer where max_tokens runs out, reasoning counted, and says length")
    func fakeEnforcesMaxTokens() async throws {
        let limits = FakeLimits(dialect: .llamacpp)
        let request = FakeRequest(
            method: "POST", path: "/v1/chat/completions", headers: [:],
            body: Array(#"{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 10, "stream": false}"#.utf8))
        guard case .respond(200, _, let body) = limits.reply(to: request, answer: String(repeating: "x", count: 80), reasoning: "abcdefgh")
        else {
            Issue.record("not a 200")
            return
        }
        let json = try JSONValue.parse(body)
        let choice = try #require(json["choices"]?.arrayValue?.first)
        #expect(choice["finish_reason"]?.stringValue == "length")
        // 2 tokens of reasoning, then 8 tokens (32 bytes) of the answer.
        #expect(choice["message"]?["content"]?.stringValue?.count == 32)
        #expect(json["usage"]?["completion_tokens"]?.intValue == 10)
    }

    @Test("empty content with the JSON in the reasoning channel is used, flagged", arguments: [EngineDialect.vllm, .llamacpp, .mistral])
    func reasoningFallback(dialect: EngineDialect) async throws {
        let reasoning = """
            The clause renews {automatically, so the answer is yes. Final answer:
            {"answer": "no"} no wait, it is
            {"answer": "yes"}
            """
        let script = FakeScript(
            dialect: dialect,
            replies: [
                FakeResponses.streamed(dialect: dialect, answer: "", reasoning: reasoning),
                FakeResponses.completion(dialect: dialect, answer: "  ", reasoning: "I think {yes}. {\"answer\": \"maybe\"}"),
            ])
        try await withFakeEngine(script, dialect: dialect, retry: RetryPolicy(maxAttempts: 1)) { _, client in
            let response = try await client.complete(sampleRequest(images: 0, effort: nil, stream: true))
            #expect(response.json?["answer"]?.stringValue == "yes")
            #expect(response.answerFromReasoning)
            #expect(response.reasoning == reasoning)
            // Nothing in the reasoning matches the schema: the empty answer is malformed, as before.
            let error = try await #require(throws: EngineError.self) {
                try await client.complete(sampleRequest(images: 0, effort: nil, stream: false))
            }
            #expect(error.kind == .malformedResponse)
        }
    }

    @Test("a normal answer is not taken from the reasoning")
    func contentWins() async throws {
        let script = FakeScript(
            dialect: .vllm, replies: [FakeResponses.completion(dialect: .vllm, answer: #"{"answer": "no"}"#, reasoning: #"{"answer": "yes"}"#)])
        try await withFakeEngine(script, dialect: .vllm) { _, client in
            let response = try await client.complete(sampleRequest(images: 0, effort: nil))
            #expect(response.json?["answer"]?.stringValue == "no")
            #expect(!response.answerFromReasoning)
        }
    }

    @Test("too many images: vLLM's and the Mistral API's refusals are classified with the limit", arguments: [EngineDialect.vllm, .mistral])
    func imageRefusal(dialect: EngineDialect) throws {
        guard case .respond(let status, _, let body) = FakeLimits(dialect: dialect).tooManyImages(8) else {
            Issue.record("not a response")
            return
        }
        let error = EngineError.classify(status: status, retryAfter: nil, body: Array(body.utf8))
        #expect(error.kind == .badRequest)
        #expect(error.isImageLimit)
        #expect(error.imageLimit == 8)
        #expect(!error.isRetryable)
    }

    @Test("the client learns an engine's image limit from its refusal and checks it before sending")
    func learnsImageLimit() async throws {
        let limits = FakeLimits(dialect: .vllm, maxImagesPerRequest: 2)
        let script = FakeScript(dialect: .vllm)
        try await FakeEngine.withRunning(handler: { request in
            request.path.hasSuffix("/chat/completions")
                ? limits.reply(to: request, answer: #"{"answer": "yes"}"#) : await script.handler(request)
        }) { engine in
            let configuration = EngineConfiguration(url: engine.baseURL, dialect: .vllm, retry: fastRetry)
            try await EngineClient.withClient(configuration: configuration, logger: testLogger) { client in
                let before = try await client.maxImagesPerRequest()
                #expect(before == nil)
                await #expect(throws: EngineError.self) { try await client.complete(sampleRequest(images: 3)) }
                let learned = try await client.maxImagesPerRequest()
                #expect(learned == 2)
                let error = try await #require(throws: EngineError.self) { try await client.complete(sampleRequest(images: 3)) }
                #expect(error.imageLimit == 2)
                #expect(engine.chatRequests.count == 1)  // the second was refused before sending
                _ = try await client.complete(sampleRequest(images: 2))
                #expect(engine.chatRequests.count == 2)
            }
        }
    }

    @Test("configured and dialect limits: the lowest applies")
    func configuredLimit() async throws {
        try await withFakeEngine(FakeScript(dialect: .mistral), dialect: .mistral, model: "m") { _, client in
            let limit = try await client.maxImagesPerRequest()
            #expect(limit == 8)
        }
        let script = FakeScript(dialect: .vllm)
        try await FakeEngine.withRunning(handler: script.handler) { engine in
            let configuration = EngineConfiguration(url: engine.baseURL, dialect: .vllm, maxImagesPerRequest: 5)
            try await EngineClient.withClient(configuration: configuration, logger: testLogger) { client in
                let limit = try await client.maxImagesPerRequest()
                #expect(limit == 5)
            }
        }
    }
}

/// The wait for the first token has its own allowance: a saturated engine queues requests before
/// answering, which is not the silence of a stalled answer.
@Suite("First-token allowance")
struct FirstTokenTests {
    @Test("a wait before the first byte longer than the idle timeout is allowed up to the first-token timeout")
    func queuedBeforeFirstToken() async throws {
        let ok = FakeResponses.streamed(dialect: .vllm, answer: #"{"answer":"yes"}"#)
        // Queued for 20 s; the idle timeout is 10 s, the first-token allowance 600 s. The idle timeout is
        // far above any gap of the answer that follows, which a loaded 2-core machine running the suite
        // in parallel has stretched past 4 s.
        let queued = FakeScript(dialect: .vllm, otherwise: .delayed(.seconds(20), ok))
        try await withFakeEngine(
            queued, dialect: .vllm, retry: RetryPolicy(maxAttempts: 1), idleTimeout: .seconds(10),
            firstTokenTimeout: .seconds(600), requestTimeout: .seconds(900)
        ) { _, client in
            let response = try await client.complete(sampleRequest(stream: true))
            #expect(response.json?["answer"]?.stringValue == "yes")
        }
        // The same idle timeout still ends an answer that started and then went silent.
        let stalled = FakeScript(
            dialect: .vllm, otherwise: FakeResponses.streamed(dialect: .vllm, answer: #"{"answer":"yes"}"#, ending: .stall))
        try await withFakeEngine(
            stalled, dialect: .vllm, retry: RetryPolicy(maxAttempts: 1), idleTimeout: .seconds(10),
            firstTokenTimeout: .seconds(600)
        ) { _, client in
            let error = try await #require(throws: EngineError.self) { try await client.complete(sampleRequest(stream: true)) }
            #expect(error.kind == .timeout)
            #expect(error.description.contains("idle timeout"))
        }
        // And a first byte that never comes ends at the first-token timeout.
        try await withFakeEngine(
            FakeScript(dialect: .vllm, otherwise: .stall), dialect: .vllm, retry: RetryPolicy(maxAttempts: 1),
            idleTimeout: .seconds(30), firstTokenTimeout: .seconds(1)
        ) { _, client in
            let error = try await #require(throws: EngineError.self) { try await client.complete(sampleRequest(stream: true)) }
            #expect(error.kind == .timeout)
            #expect(error.indicatesEngineDown)  // nothing came back: held against the engine, not the document
        }
    }
}

/// A server that cuts the prompt silently (Ollama's `num_ctx`) is caught by its own usage report.
@Suite("Silently truncated prompts")
struct PromptTruncationTests {
    static func request(bytes: Int) -> ChatRequest {
        ChatRequest(
            system: "You analyse contracts.", user: [.text(String(repeating: "The Supplier shall deliver. ", count: bytes / 28))],
            schema: verdictSchema, maxTokens: 64, temperature: 0)
    }

    @Test("far fewer prompt tokens than the text can be is prompt_truncated, on the generic dialect only", arguments: [EngineDialect.openai, .vllm])
    func truncated(dialect: EngineDialect) async throws {
        let cut = FakeResponses.completion(
            dialect: dialect, answer: #"{"answer": "yes"}"#, usage: TokenUsage(promptTokens: 2048, completionTokens: 5))
        try await withFakeEngine(FakeScript(dialect: dialect, otherwise: cut), dialect: dialect, model: "m") { engine, client in
            // 60 kB of prose is at least 6,600 tokens; the server says 2,048.
            if dialect == .openai {
                let error = try await #require(throws: EngineError.self) { try await client.complete(Self.request(bytes: 60_000)) }
                #expect(error.kind == .promptTruncated)
                #expect(error.code == "engine.prompt_truncated")
                #expect(!error.isRetryable)
                #expect(error.promptTokens == 2048)
                #expect(engine.chatRequests.count == 1)
            } else {
                // Without a count of its own, vLLM's usage is believed: it refuses an overflow with a 400.
                _ = try await client.complete(Self.request(bytes: 60_000))
            }
            // A prompt that fits what was reported is fine everywhere.
            _ = try await client.complete(Self.request(bytes: 6_000))
        }
    }

    @Test(
        "with the engine's own count of the prompt, a cut is prompt_truncated on every dialect that reports usage; a report that matches the count is believed",
        arguments: EngineDialect.allCases)
    func truncatedAgainstCount(dialect: EngineDialect) async throws {
        let cut = FakeResponses.completion(
            dialect: dialect, answer: #"{"answer": "yes"}"#, usage: TokenUsage(promptTokens: 4000, completionTokens: 5))
        try await withFakeEngine(FakeScript(dialect: dialect, otherwise: cut), dialect: dialect, model: "m") { engine, client in
            // 40 kB: the 9-bytes-a-token floor (4,444) is within 1,024 of the 4,000 reported, so only the
            // count (10,000 at the fake's 4 bytes a token) shows the cut.
            var request = Self.request(bytes: 40_000)
            _ = try await client.complete(request)
            request.countedPromptTokens = 10_000
            let error = try await #require(throws: EngineError.self) { try await client.complete(request) }
            #expect(error.kind == .promptTruncated)
            #expect(error.description.contains("10000"))
            request.countedPromptTokens = 4_100
            _ = try await client.complete(request)
        }
    }
}
