/// Accumulates a chat completion from a whole body or from stream chunks, across dialects.
struct CompletionAccumulator {
    var answer = ""
    var reasoning = ""
    var finishReason: String?
    var usage: TokenUsage?
    var model: String?
    var sawChoice = false

    /// Adds a non-streamed completion body.
    mutating func add(completion body: JSONValue) throws(EngineError) {
        if body["error"] != nil { throw EngineError.classify(status: 500, retryAfter: nil, body: body.serialized()) }
        guard let choice = body["choices"]?.arrayValue?.first, let message = choice["message"] else {
            throw EngineError(.malformedResponse, detail: "the completion has no choices[0].message", transient: true)
        }
        sawChoice = true
        add(message: message)
        finishReason = choice["finish_reason"]?.stringValue ?? finishReason
        addMeta(body)
    }

    /// Adds one streamed chunk (`data:` payload already parsed).
    mutating func add(chunk: JSONValue) throws(EngineError) {
        if let error = chunk["error"] {
            // vLLM and llama.cpp report mid-stream failures as a data event with an error object.
            let status = error["code"]?.intValue ?? 500
            throw EngineError.classify(status: status, retryAfter: nil, body: chunk.serialized())
        }
        if let choice = chunk["choices"]?.arrayValue?.first {
            sawChoice = true
            if let delta = choice["delta"] { add(message: delta) }
            if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        }
        addMeta(chunk)
    }

    private mutating func add(message: JSONValue) {
        switch message["content"] {
        case .string(let text): answer += text
        case .array(let chunks):
            for chunk in chunks {
                switch chunk["type"]?.stringValue {
                case "thinking":
                    // Mistral: {"type": "thinking", "thinking": [{"type": "text", "text": "..."}]}
                    for inner in chunk["thinking"]?.arrayValue ?? [] { reasoning += inner["text"]?.stringValue ?? "" }
                    if let text = chunk["thinking"]?.stringValue { reasoning += text }
                case "text", nil: answer += chunk["text"]?.stringValue ?? ""
                default: break
                }
            }
        default: break
        }
        if let text = message["reasoning"]?.stringValue { reasoning += text }
        if let text = message["reasoning_content"]?.stringValue { reasoning += text }
    }

    private mutating func addMeta(_ body: JSONValue) {
        if let name = body["model"]?.stringValue { model = name }
        if let u = body["usage"], u != .null {
            let details = u["prompt_tokens_details"] ?? u["prompt_token_details"]
            var cached = details?["cached_tokens"]?.countValue ?? u["num_cached_tokens"]?.countValue
            // llama.cpp also reports its cache hits in timings.cache_n.
            if cached == nil { cached = body["timings"]?["cache_n"]?.countValue }
            usage = TokenUsage(
                promptTokens: u["prompt_tokens"]?.countValue ?? 0, completionTokens: u["completion_tokens"]?.countValue ?? 0,
                cachedPromptTokens: cached)
        }
    }
}
