import LectorEngine

/// Responses shaped exactly as each dialect shapes them (from their documentation and source).
public enum FakeResponses {
    /// The model each fake dialect serves.
    public static func modelName(_ dialect: EngineDialect) -> String {
        switch dialect {
        case .llamacpp: "gemma-3-270m"
        case .mistral: "mistral-small-2603"
        case .vllm, .nim, .openai: "mistralai/Mistral-Small-4-119B-2603"
        }
    }

    /// The discovery endpoints: `/v1/models`, `/health`, `/v1/health/ready`, `/props`, `/tokenize`.
    public static func discovery(dialect: EngineDialect, path: String, request: FakeRequest) -> FakeReply {
        let model = modelName(dialect)
        switch (dialect, path) {
        case (_, "/v1/models"):
            let entry: JSONValue =
                switch dialect {
                case .llamacpp:
                    [
                        "id": .string(model), "object": "model", "owned_by": "llamacpp", "created": 1,
                        "meta": ["n_ctx": 4096, "n_ctx_train": 32768, "n_vocab": 262144],
                    ]
                case .vllm: ["id": .string(model), "object": "model", "owned_by": "vllm", "max_model_len": 262144, "root": .string(model)]
                case .nim: ["id": .string(model), "object": "model", "owned_by": "system", "max_model_len": 262144]
                case .mistral:
                    [
                        "id": .string(model), "object": "model", "owned_by": "mistralai", "max_context_length": 262144,
                        "capabilities": ["completion_chat": true, "vision": true],
                    ]
                case .openai: ["id": .string(model), "object": "model", "owned_by": "organization-owner"]
                }
            return .json(200, ["object": "list", "data": [entry]])
        case (.vllm, "/health"), (.llamacpp, "/health"), (.nim, "/health"):
            return dialect == .llamacpp ? .json(200, ["status": "ok"]) : .respond(status: 200, headers: [:], body: "")
        case (.nim, "/v1/health/ready"):
            return .json(200, ["object": "health.response", "message": "Service is ready."])
        case (.llamacpp, "/props"):
            return .json(200, [
                "default_generation_settings": ["n_ctx": 4096], "total_slots": 4, "model_alias": .string(model),
                "modalities": ["vision": false, "audio": false],
            ])
        case (.llamacpp, "/tokenize"):
            let text = request.json?["content"]?.stringValue ?? ""
            return .json(200, ["tokens": .array((0..<((text.utf8.count + 3) / 4)).map { .number(Double($0)) })])
        case (.vllm, "/tokenize"):
            let text = request.json?["prompt"]?.stringValue ?? ""
            let count = (text.utf8.count + 3) / 4
            return .json(200, ["count": .number(Double(count)), "max_model_len": 262144, "tokens": []])
        default:
            return .json(404, ["error": ["code": 404, "message": "File Not Found", "type": "not_found_error"]])
        }
    }

    static func usageJSON(_ usage: TokenUsage, dialect: EngineDialect) -> JSONValue {
        var object: [String: JSONValue] = [
            "prompt_tokens": .number(Double(usage.promptTokens)),
            "completion_tokens": .number(Double(usage.completionTokens)),
            "total_tokens": .number(Double(usage.promptTokens + usage.completionTokens)),
        ]
        if let cached = usage.cachedPromptTokens, dialect != .mistral {
            object["prompt_tokens_details"] = ["cached_tokens": .number(Double(cached))]
        }
        return .object(object)
    }

    /// A non-streamed completion in `dialect`'s shape: reasoning as `message.reasoning` (vLLM),
    /// `reasoning_content` (llama.cpp, NIM) or a `thinking` chunk (Mistral API).
    public static func completion(
        dialect: EngineDialect, answer: String, reasoning: String? = nil, finishReason: String = "stop",
        usage: TokenUsage = TokenUsage(promptTokens: 120, completionTokens: 30, cachedPromptTokens: 100)
    ) -> FakeReply {
        var message: [String: JSONValue] = ["role": "assistant"]
        switch dialect {
        case .mistral:
            if let reasoning {
                message["content"] = [
                    ["type": "thinking", "thinking": [["type": "text", "text": .string(reasoning)]]],
                    ["type": "text", "text": .string(answer)],
                ]
            } else {
                message["content"] = .string(answer)
            }
        case .vllm:
            message["content"] = .string(answer)
            if let reasoning { message["reasoning"] = .string(reasoning) }
        case .llamacpp, .nim, .openai:
            message["content"] = .string(answer)
            if let reasoning { message["reasoning_content"] = .string(reasoning) }
        }
        var body: [String: JSONValue] = [
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 1, "model": .string(modelName(dialect)),
            "choices": [["index": 0, "message": .object(message), "finish_reason": .string(finishReason)]],
            "usage": usageJSON(usage, dialect: dialect),
        ]
        if dialect == .llamacpp, let cached = usage.cachedPromptTokens {
            body["timings"] = ["cache_n": .number(Double(cached)), "prompt_n": .number(Double(usage.promptTokens - cached))]
        }
        return .json(200, .object(body))
    }

    /// The same completion streamed: role chunk, reasoning deltas, answer deltas, finish, usage chunk.
    public static func streamed(
        dialect: EngineDialect, answer: String, reasoning: String? = nil, finishReason: String = "stop",
        usage: TokenUsage = TokenUsage(promptTokens: 120, completionTokens: 30, cachedPromptTokens: 100),
        interval: Duration = .zero, ending: StreamEnding = .done, pieces: Int = 3
    ) -> FakeReply {
        func chunk(_ delta: JSONValue, finish: String? = nil) -> String {
            let choice: JSONValue = ["index": 0, "delta": delta, "finish_reason": finish.map(JSONValue.string) ?? .null]
            let body: JSONValue = [
                "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1,
                "model": .string(modelName(dialect)), "choices": [choice],
            ]
            return body.jsonText
        }
        func split(_ text: String) -> [String] {
            let characters = Array(text)
            let size = max(1, (characters.count + pieces - 1) / pieces)
            return stride(from: 0, to: characters.count, by: size).map { String(characters[$0..<min($0 + size, characters.count)]) }
        }
        var events = [chunk(["role": "assistant", "content": ""])]
        for piece in split(reasoning ?? "") {
            switch dialect {
            case .mistral:
                events.append(chunk(["content": [["type": "thinking", "thinking": [["type": "text", "text": .string(piece)]]]]]))
            case .vllm: events.append(chunk(["reasoning": .string(piece)]))
            case .llamacpp, .nim, .openai: events.append(chunk(["reasoning_content": .string(piece)]))
            }
        }
        for piece in split(answer) {
            let content: JSONValue = dialect == .mistral && reasoning != nil ? [["type": "text", "text": .string(piece)]] : .string(piece)
            events.append(chunk(["content": content]))
        }
        events.append(chunk([:], finish: finishReason))
        if ending == .done {
            // vLLM, NIM and llama.cpp send usage in a last chunk with empty choices (stream_options);
            // the Mistral API puts it on the final chunk.
            let usageBody: JSONValue = [
                "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1,
                "model": .string(modelName(dialect)), "choices": [], "usage": usageJSON(usage, dialect: dialect),
            ]
            events.append(usageBody.jsonText)
        }
        return .stream(events: events, interval: interval, ending: ending)
    }

    /// vLLM's context overflow: 400, `{"error": {"type": "BadRequestError", "param": "input_tokens"}}`.
    public static func vllmContextOverflow(promptTokens: Int = 300_000, maxModelLen: Int = 262_144) -> FakeReply {
        .json(400, [
            "error": [
                "message": .string(
                    "This model's maximum context length is \(maxModelLen) tokens. However, your request has \(promptTokens) input tokens. Please reduce the length of the input messages."
                ),
                "type": "BadRequestError", "param": "input_tokens", "code": 400,
            ]
        ])
    }

    /// llama.cpp's context overflow: 400, `exceed_context_size_error` with `n_prompt_tokens` and `n_ctx`.
    public static func llamacppContextOverflow(promptTokens: Int = 5024, contextTokens: Int = 4096) -> FakeReply {
        .json(400, [
            "error": [
                "code": 400,
                "message": .string(
                    "request (\(promptTokens) tokens) exceeds the available context size (\(contextTokens) tokens), try increasing it"),
                "type": "exceed_context_size_error", "n_prompt_tokens": .number(Double(promptTokens)),
                "n_ctx": .number(Double(contextTokens)),
            ]
        ])
    }

    /// 429 with `Retry-After` (seconds).
    public static func rateLimited(retryAfter: Int) -> FakeReply {
        .json(
            429, ["error": ["message": "Rate limit exceeded", "type": "rate_limit_error", "code": 429]],
            headers: ["Retry-After": "\(retryAfter)"])
    }

    /// 503 while llama.cpp loads its model.
    public static let loading: FakeReply = .json(
        503, ["error": ["code": 503, "message": "Loading model", "type": "unavailable_error"]])

    /// 500 from an engine that failed.
    public static let internalError: FakeReply = .json(
        500, ["error": ["code": 500, "message": "EngineCore encountered an issue", "type": "InternalServerError"]])

    /// 200 with a body that is not JSON.
    public static let malformedBody: FakeReply = .respond(
        status: 200, headers: ["Content-Type": "application/json"], body: "{\"choices\": [{\"message\": ")

    /// 401 for a wrong API key.
    public static let unauthorized: FakeReply = .json(
        401, ["error": ["message": "Unauthorized", "type": "authentication_error", "code": 401]])

    /// A 400 rejecting a `reasoning_effort` value, as vLLM serving Mistral Small 4 answers `low`.
    public static func reasoningEffortRejected(_ value: String) -> FakeReply {
        .json(400, [
            "error": [
                "message": .string("reasoning_effort '\(value)' is not supported for this model; use 'none' or 'high'"),
                "type": "BadRequestError", "param": "reasoning_effort", "code": 400,
            ]
        ])
    }

    /// The Mistral API's 422 for a field it does not know.
    public static func mistralUnknownField(_ field: String) -> FakeReply {
        .json(422, [
            "object": "error",
            "message": [
                "detail": [
                    ["type": "extra_forbidden", "loc": ["body", .string(field)], "msg": "Extra inputs are not permitted"]
                ]
            ],
            "type": "invalid_request_error", "param": .null, "code": .null,
        ])
    }
}
