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
                promptTokens: error["n_prompt_tokens"]?.countValue,
                contextTokens: error["n_ctx"]?.countValue,
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
        // Too many images: vLLM "At most 8 image(s) may be provided in one prompt." (400, from
        // --limit-mm-per-prompt), the Mistral API "Too many images in request: at most 8 are allowed."
        if (400...422).contains(status), message.contains("image"),
            message.contains("at most") || message.contains("too many") || message.contains("maximum number")
        {
            return EngineError(
                .badRequest, status: status, engineType: engineType, parameter: "image_url",
                imageLimit: firstNumber(in: message).map { min(max(0, $0), 10_000) },
                detail: "the engine refused the number of images in one request")
        }
        // vLLM: 404 NotFoundError "The model `x` does not exist."; OpenAI: code model_not_found; Ollama-style
        // servers: "model 'x' not found".
        let modelMissing =
            codeText == "model_not_found" || type == "NotFoundError"
            || (message.contains("model") && (message.contains("does not exist") || message.contains("not found")))
        if modelMissing && (status == 404 || status == 400) {
            return EngineError(
                .modelNotFound, status: status, engineType: engineType, parameter: "model",
                detail: "the engine does not serve the configured model")
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

    /// The first whole number in `text` (at most 9 digits), if any.
    static func firstNumber(in text: String) -> Int? {
        var digits = ""
        for character in text {
            if character.isASCII, character.isNumber {
                if digits.count < 9 { digits.append(character) }
            } else if !digits.isEmpty {
                break
            }
        }
        return Int(digits)
    }

    /// Whether the engine refused a request for carrying too many images: re-plan with fewer.
    public var isImageLimit: Bool { kind == .badRequest && parameter == "image_url" }

    /// The longest `Retry-After` believed, in seconds; a longer (or infinite) one is read as this.
    public static let maxRetryAfterSeconds: Double = 600

    /// `Retry-After` as seconds: a number of seconds or an HTTP date, clamped to 0 ... 10 minutes.
    ///
    /// Whatever the header says, this never traps: `inf` and `1e999` are 10 minutes, `-1` and a date in
    /// the past are 0, `nan` and `garbage` are nil (the caller's default wait).
    public static func parseRetryAfter(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) {
            guard !seconds.isNaN else { return nil }
            return min(max(0, seconds), maxRetryAfterSeconds)
        }
        // RFC 9110's preferred IMF-fixdate, then the two obsolete forms it still asks recipients to accept.
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: value) {
                let seconds = date.timeIntervalSince(now)
                guard !seconds.isNaN else { return nil }
                return min(max(0, seconds), maxRetryAfterSeconds)
            }
        }
        return nil
    }

    /// Whether this failure says the engine as a whole is down or unusable, rather than that this one
    /// request failed: connection refused or reset before an answer, a DNS failure, 502/503/504, a timeout
    /// before the first byte, 401/403, an unknown model.
    ///
    /// Callers hold such failures against the engine, not against the document: the work waits for the
    /// engine instead of spending its attempts.
    public var indicatesEngineDown: Bool {
        switch kind {
        case .unavailable:
            guard let status else { return beforeResponse }
            return status == 502 || status == 503 || status == 504
        case .timeout: return beforeResponse
        case .authentication, .modelNotFound: return true
        default: return false
        }
    }

    /// Whether this is the operator's mistake (a wrong API key, an unknown model): loud, not transient.
    public var isMisconfiguration: Bool { kind == .authentication || kind == .modelNotFound }
}
