extension ChatRequest {
    /// The `/v1/chat/completions` body for `dialect`.
    ///
    /// Only what every dialect documents is sent: never `guided_json` (vLLM ignores it silently since
    /// 0.12), never `chat_template_kwargs` (Mistral's tokenizer rejects it; `reasoning_effort` is the
    /// portable switch), `max_tokens` always, the seed under the dialect's name.
    ///
    /// - Parameter reasoningEffort: the value to send (after degradation), or nil to omit it.
    public func body(model: String?, dialect: EngineDialect, reasoningEffort: ReasoningEffort?) -> JSONValue {
        var userContent: [JSONValue] = []
        userContent.reserveCapacity(user.count)
        for part in user {
            switch part {
            case .text(let text): userContent.append(["type": "text", "text": .string(text)])
            case .image(let image):
                userContent.append(["type": "image_url", "image_url": ["url": .string(image.url)]])
            }
        }
        var body: [String: JSONValue] = [
            "messages": [
                ["role": "system", "content": .string(system)],
                ["role": "user", "content": .array(userContent)],
            ],
            "max_tokens": .number(Double(maxTokens)),
            "stream": .bool(stream),
        ]
        if let model { body["model"] = .string(model) }
        if let temperature { body["temperature"] = .number(temperature) }
        if let seed { body[dialect.seedField] = .number(Double(seed)) }
        if let reasoningEffort { body["reasoning_effort"] = .string(reasoningEffort.rawValue) }
        if stream && dialect.sendsStreamOptions { body["stream_options"] = ["include_usage": true] }
        if let schema {
            body["response_format"] = [
                "type": "json_schema",
                "json_schema": ["name": .string(schema.name), "schema": schema.schema, "strict": .bool(schema.strict)],
            ]
        }
        return .object(body)
    }
}
