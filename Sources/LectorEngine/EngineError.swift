import LectorCore

/// A failed engine request, classified so callers know whether to retry, re-plan or give up.
///
/// The description names the class, the HTTP status and the engine's error type; it never contains the
/// prompt, the answer or the API key.
public struct EngineError: LectorError, Equatable {
    /// What kind of failure this is.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The prompt (plus `max_tokens`) does not fit the context: re-plan with smaller chunks, never retry.
        case contextOverflow = "context_overflow"
        /// 429: retry after ``EngineError/retryAfter``.
        case rateLimited = "rate_limited"
        /// 5xx, 503 while loading, connection refused or reset: retry with backoff.
        case unavailable
        /// The total or idle deadline passed: retry with backoff.
        case timeout
        /// 401 or 403: fix the API key.
        case authentication
        /// The engine does not serve the model asked for (404 "model does not exist"): fix the model name.
        case modelNotFound = "model_not_found"
        /// 4xx the engine will give again (an unknown field, a value it rejects, too many images).
        case badRequest = "bad_request"
        /// The engine cannot take this input (for example images on a text-only model).
        case unsupported
        /// The body was not the expected JSON, or the answer does not match the schema.
        case malformedResponse = "malformed_response"
        /// The answer was cut at `max_tokens` (`finish_reason: length`) before its JSON ended: ask for
        /// less in one request (fewer categories), never the same again.
        case outputTruncated = "output_truncated"
        /// The engine reported far fewer prompt tokens than the prompt has: it cut the prompt silently
        /// (Ollama's `num_ctx`). Like a context overflow: re-plan with smaller chunks, never accept the answer.
        case promptTruncated = "prompt_truncated"
        /// The sovereignty guard refused to send documents to this engine.
        case refused
    }

    /// The class of failure.
    public var kind: Kind
    /// The HTTP status, when the engine answered.
    public var status: Int?
    /// The engine's own error type or code (`exceed_context_size_error`, `BadRequestError`), when given.
    public var engineType: String?
    /// The request parameter the engine blamed (`input_tokens`, `reasoning_effort`), when given.
    public var parameter: String?
    /// How long the engine asked us to wait (`Retry-After`), in seconds.
    public var retryAfter: Double?
    /// Prompt tokens and context size, when the engine reported them with a context overflow.
    public var promptTokens: Int?
    /// The context size in tokens, when the engine reported it with a context overflow.
    public var contextTokens: Int?
    /// The most images per request the engine said it takes, when it refused a request for carrying more.
    public var imageLimit: Int?
    /// Tokens the failed request used, when the engine reported them (an answer cut at `max_tokens`).
    public var usage: TokenUsage?
    /// A short, safe explanation (never the prompt, the answer or a secret).
    public var detail: String
    /// Whether the failure came from the transport envelope (retryable) rather than the model's answer.
    public var transient: Bool
    /// Whether the request failed before any byte of an answer arrived (refused, reset or silent before
    /// the response head): the engine, not this request, is the likely cause.
    public var beforeResponse: Bool

    /// An error of `kind`; `detail` must not contain prompts, answers or secrets.
    public init(
        _ kind: Kind, status: Int? = nil, engineType: String? = nil, parameter: String? = nil,
        retryAfter: Double? = nil, promptTokens: Int? = nil, contextTokens: Int? = nil, usage: TokenUsage? = nil,
        imageLimit: Int? = nil, detail: String, transient: Bool = false, beforeResponse: Bool = false
    ) {
        self.usage = usage
        self.imageLimit = imageLimit
        self.kind = kind
        self.status = status
        self.engineType = engineType
        self.parameter = parameter
        self.retryAfter = retryAfter
        self.promptTokens = promptTokens
        self.contextTokens = contextTokens
        self.detail = detail
        self.transient = transient
        self.beforeResponse = beforeResponse
    }

    public var code: String { "engine.\(kind.rawValue)" }

    /// Whether sending the same request again may succeed.
    public var isRetryable: Bool {
        switch kind {
        case .rateLimited, .unavailable, .timeout: true
        case .malformedResponse: transient
        case .contextOverflow, .outputTruncated, .promptTruncated, .authentication, .modelNotFound, .badRequest, .unsupported, .refused: false
        }
    }

    public var description: String {
        var parts = [detail]
        if let status { parts.append("HTTP \(status)") }
        if let engineType { parts.append("type \(engineType)") }
        if let parameter { parts.append("parameter \(parameter)") }
        if let promptTokens, let contextTokens { parts.append("\(promptTokens) prompt tokens > \(contextTokens) context") }
        if let retryAfter { parts.append("retry after \(retryAfter) s") }
        if let imageLimit { parts.append("at most \(imageLimit) images per request") }
        return parts.joined(separator: ", ")
    }
}
