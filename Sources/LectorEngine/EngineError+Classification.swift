import Foundation

extension EngineError {
    /// Classifies an engine's non-2xx answer from its status, `Retry-After` header and body.
    ///
    /// Knows the shapes of vLLM (`{"error": {"param": "input_tokens"}}`, older top-level
    /// `{"object": "error"}`), llama.cpp (`exceed_context_size_error`, `n_prompt_tokens`, `n_ctx`), the
    /// Mistral API (422 with pydantic `detail`) and OpenAI (`context_length_exceeded`).
    public static func classify(status: Int, retryAfter: String?, body: [UInt8]) -> EngineError {
        let json = try? JSONValue.parse(body)
        let error = json?["error"]?.objectValue != nil ? json!["error"]! : (json ?? .null)
        // vLLM puts the kind in `type` and the HTTP status in `code`; OpenAI puts a string in `code`.
        let type = error["type"]?.stringValue
        let codeText = error["code"]?.stringValue
        var parameter = error["param"]?.stringValue
        let message = (error["message"]?.stringValue ?? error["detail"]?.stringValue ?? "").lowercased()
        let engineType = type ?? codeText
        // Mistral's 422 lists the offending fields in message.detail[].loc; the names are safe to keep.
        if parameter == nil, let details = (error["message"]?["detail"] ?? error["detail"])?.arrayValue {
            parameter = details.compactMap { $0["loc"]?.arrayValue?.last?.stringValue }.first
        }
        if parameter == nil, message.contains("reasoning_effort") || message.contains("reasoning effort") {
            parameter = "reasoning_effort"
        }

        let overflowWords = [
            "maximum context length", "exceeds the available context", "context length", "context size",
            "too large for model", "prompt is too long", "context window",
        ]
        let isOverflow =
            type == "exceed_context_size_error" || codeText == "context_length_exceeded"
            || parameter == "input_tokens"
            || ((400...422).contains(status) && overflowWords.contains { message.contains($0) })
        if isOverflow && (400..<500).contains(status) {
            return EngineError(
                .contextOverflow, status: status, engineType: engineType, parameter: parameter,
                promptTokens: error["n_prompt_tokens"]?.intValue,
                contextTokens: error["n_ctx"]?.intValue,
                detail: "the prompt does not fit the engine's context")
        }
        // llama.cpp without a projector: 500 "image input is not supported"; vLLM with a text-only
        // model: 400 "... is not a multimodal model".
        if message.contains("not a multimodal model") {
            return EngineError(
                .unsupported, status: status, engineType: engineType, parameter: "image_url",
                detail: "the engine's model does not take image input")
        }
        if message.contains("not supported") || message.contains("does not support") || message.contains("unsupported") {
            if message.contains("image") || message.contains("multimodal") || message.contains("vision") {
                return EngineError(
                    .unsupported, status: status, engineType: engineType, parameter: "image_url",
                    detail: "the engine's model does not take image input")
            }
        }
        switch status {
        case 401, 403:
            return EngineError(.authentication, status: status, engineType: engineType, detail: "the engine refused the API key")
        case 408:
            return EngineError(.timeout, status: status, engineType: engineType, detail: "the engine timed the request out")
        case 429:
            return EngineError(
                .rateLimited, status: status, engineType: engineType, retryAfter: parseRetryAfter(retryAfter),
                detail: "the engine is rate limiting")
        case 503 where message.contains("loading"):
            return EngineError(
                .unavailable, status: status, engineType: engineType ?? "loading", retryAfter: parseRetryAfter(retryAfter),
                detail: "the engine is loading its model")
        case 500...599:
            return EngineError(
                .unavailable, status: status, engineType: engineType, retryAfter: parseRetryAfter(retryAfter),
                detail: "the engine failed")
        default:
            return EngineError(
                .badRequest, status: status, engineType: engineType, parameter: parameter,
                detail: "the engine rejected the request")
        }
    }

    /// `Retry-After` as seconds: a number of seconds or an HTTP date.
    static func parseRetryAfter(_ value: String?) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSinceNow)
    }
}
