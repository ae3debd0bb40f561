import LectorCore
import LectorEngine
import LectorFakeEngine
import Testing

@Suite("What each dialect is sent")
struct RequestShapeTests {
    @Test("documented fields only, max_tokens always, images as image_url objects", arguments: EngineDialect.allCases)
    func bodyShape(dialect: EngineDialect) async throws {
        let script = FakeScript(dialect: dialect, otherwise: FakeResponses.completion(dialect: dialect, answer: #"{"answer":"yes"}"#))
        try await withFakeEngine(script, dialect: dialect) { engine, client in
            _ = try await client.complete(sampleRequest(images: 2))
            let sent = try #require(engine.chatRequests.last?.json)
            #expect(sent["guided_json"] == nil)
            #expect(sent["chat_template_kwargs"] == nil)
            #expect(sent["max_tokens"]?.intValue == 64)
            #expect(sent["temperature"]?.doubleValue == 0)
            #expect(sent["reasoning_effort"]?.stringValue == "high")
            #expect(sent["model"]?.stringValue == FakeResponses.modelName(dialect))
            if dialect == .mistral {
                #expect(sent["random_seed"]?.intValue == 7)
                #expect(sent["seed"] == nil)
            } else {
                #expect(sent["seed"]?.intValue == 7)
                #expect(sent["random_seed"] == nil)
            }
            let messages = try #require(sent["messages"]?.arrayValue)
            #expect(messages.count == 2)
            #expect(messages[0]["role"]?.stringValue == "system")
            #expect(messages[0]["content"]?.stringValue == "You analyse contracts. Answer in JSON.")
            let parts = try #require(messages[1]["content"]?.arrayValue)
            #expect(parts.map { $0["type"]?.stringValue } == ["text", "image_url", "image_url"])
            let url = try #require(parts[1]["image_url"]?["url"]?.stringValue)
            #expect(url.hasPrefix("data:image/png;base64,iVBORw0KGgo"))
            let format = try #require(sent["response_format"])
            #expect(format["type"]?.stringValue == "json_schema")
            #expect(format["json_schema"]?["strict"]?.boolValue == true)
            #expect(format["json_schema"]?["name"]?.stringValue == "verdict")
            #expect(format["json_schema"]?["schema"] == verdictSchema.schema)
        }
    }

    @Test("streaming asks for usage, except from the Mistral API, which rejects unknown fields", arguments: EngineDialect.allCases)
    func streamOptions(dialect: EngineDialect) {
        let body = sampleRequest(stream: true).body(model: "m", dialect: dialect, reasoningEffort: .high)
        #expect(body["stream"]?.boolValue == true)
        if dialect == .mistral {
            #expect(body["stream_options"] == nil)
        } else {
            #expect(body["stream_options"]?["include_usage"]?.boolValue == true)
        }
    }

    @Test("the system prompt is the same bytes every time (prefix caching)")
    func byteIdentical() {
        let a = sampleRequest().body(model: "m", dialect: .vllm, reasoningEffort: .high).serialized()
        let b = sampleRequest().body(model: "m", dialect: .vllm, reasoningEffort: .high).serialized()
        #expect(a == b)
        let text = String(decoding: a, as: UTF8.self)
        #expect(text.hasPrefix(#"{"max_tokens":64,"messages":[{"content":"You analyse contracts. Answer in JSON.","role":"system"}"#))
    }

    @Test("no reasoning_effort field when the request has none")
    func noEffort() {
        let body = sampleRequest(effort: nil).body(model: "m", dialect: .vllm, reasoningEffort: nil)
        #expect(body["reasoning_effort"] == nil)
        let off = sampleRequest(effort: .off).body(model: "m", dialect: .vllm, reasoningEffort: .off)
        #expect(off["reasoning_effort"]?.stringValue == "none")
    }

    @Test("the Mistral API gets at most 8 images per request; more fail before anything is sent")
    func mistralImageLimit() async throws {
        let script = FakeScript(dialect: .mistral, otherwise: FakeResponses.completion(dialect: .mistral, answer: #"{"answer":"no"}"#))
        try await withFakeEngine(script, dialect: .mistral) { engine, client in
            _ = try await client.complete(sampleRequest(images: 8))
            #expect(engine.chatRequests.count == 1)
            let error = await #expect(throws: EngineError.self) { try await client.complete(sampleRequest(images: 9)) }
            #expect(error?.kind == .badRequest)
            #expect(error?.parameter == "image_url")
            #expect(engine.chatRequests.count == 1)
        }
        // Other dialects have no such limit.
        let vllm = FakeScript(dialect: .vllm, otherwise: FakeResponses.completion(dialect: .vllm, answer: #"{"answer":"no"}"#))
        try await withFakeEngine(vllm, dialect: .vllm) { engine, client in
            _ = try await client.complete(sampleRequest(images: 9))
            #expect(engine.chatRequests.count == 1)
        }
    }

    @Test("the API key goes only into the Authorization header")
    func apiKey() async throws {
        let script = FakeScript(dialect: .vllm, otherwise: FakeResponses.completion(dialect: .vllm, answer: #"{"answer":"no"}"#))
        try await FakeEngine.withRunning(handler: script.handler) { engine in
            let configuration = EngineConfiguration(url: engine.baseURL, apiKey: Secret("sk-test-123"), dialect: .vllm)
            #expect(!"\(configuration)".contains("sk-test-123"))
            try await EngineClient.withClient(configuration: configuration, logger: testLogger) { client in
                _ = try await client.complete(sampleRequest())
            }
            #expect(engine.requests.allSatisfy { $0.headers["authorization"] == "Bearer sk-test-123" })
            #expect(engine.chatRequests.allSatisfy { !String(decoding: $0.body, as: UTF8.self).contains("sk-test") })
        }
    }

    @Test("token counts use /tokenize where the dialect has one, the estimate elsewhere", arguments: EngineDialect.allCases)
    func tokenize(dialect: EngineDialect) async throws {
        let text = String(repeating: "a", count: 400)
        try await withFakeEngine(FakeScript(dialect: dialect, tokenize: true), dialect: dialect) { engine, client in
            let count = await client.countTokens(text)
            let asked = engine.requests.contains { $0.path == "/tokenize" }
            switch dialect {
            case .vllm, .llamacpp:
                #expect(asked)
                #expect(count == 100)  // the fake engine's tokenizer: 4 bytes a token
                // Counted once per client: the second time comes from the cache.
                #expect(await client.countTokens(text) == 100)
                #expect(engine.requests.count { $0.path == "/tokenize" } == 1)
            default:
                #expect(!asked)
                #expect(count == TokenEstimate.textTokens(text))
            }
        }
    }

    @Test("dialects are detected from the engine's model list", arguments: [EngineDialect.vllm, .nim, .llamacpp, .openai])
    func detection(dialect: EngineDialect) async throws {
        let script = FakeScript(dialect: dialect)
        try await withFakeEngine(script) { _, client in
            let info = try await client.discover()
            #expect(info.dialect == dialect)
            #expect(info.dialectDetected)
            #expect(info.healthy)
            #expect(info.model == FakeResponses.modelName(dialect))
            switch dialect {
            case .vllm, .nim: #expect(info.contextLength == 262_144)
            case .llamacpp:
                #expect(info.contextLength == 4096)
                #expect(info.slots == 4)
                #expect(info.imageInputAdvertised == false)
            default: #expect(info.contextLength == nil)
            }
        }
    }
}
