import Foundation

/// Why the engine stopped generating.
public enum FinishReason: Sendable, Hashable, CustomStringConvertible {
    /// The answer is complete.
    case stop
    /// `max_tokens` cut the answer.
    case length
    /// The engine's filter stopped it.
    case contentFilter
    /// Anything else the engine said.
    case other(String)

    init(_ raw: String?) {
        switch raw {
        case "stop", "eos", "end_turn", nil: self = .stop
        case "length", "model_length": self = .length
        case "content_filter": self = .contentFilter
        case let value?: self = .other(value)
        }
    }

    public var description: String {
        switch self {
        case .stop: "stop"
        case .length: "length"
        case .contentFilter: "content_filter"
        case .other(let s): s
        }
    }
}

/// Tokens one request used, as the engine reported them.
public struct TokenUsage: Sendable, Hashable {
    /// Tokens in the prompt (text and images).
    public var promptTokens: Int
    /// Tokens generated (reasoning included).
    public var completionTokens: Int
    /// Prompt tokens served from the engine's prefix cache, when reported.
    public var cachedPromptTokens: Int?

    /// Usage as reported.
    public init(promptTokens: Int, completionTokens: Int, cachedPromptTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedPromptTokens = cachedPromptTokens
    }
}

/// An engine's answer, the same whichever dialect produced it.
public struct ChatResponse: Sendable {
    /// The answer text (for a schema request: the JSON text).
    public var answer: String
    /// The reasoning text (`message.reasoning`, `reasoning_content` or Mistral `thinking` chunks), if any.
    public var reasoning: String?
    /// Why generation stopped.
    public var finishReason: FinishReason
    /// Token usage, when the engine reported it.
    public var usage: TokenUsage?
    /// The model that answered.
    public var model: String?
    /// The answer parsed as JSON and checked against the schema (schema requests only).
    public var json: JSONValue?
    /// The `reasoning_effort` actually sent, after any degradation.
    public var reasoningEffort: ReasoningEffort?
    /// Attempts used (1 when the first succeeded).
    public var attempts: Int
    /// The engine host that answered, for the analysis record.
    public var engineHost: String = ""
    /// Whether that host is outside the organisation's networks (allowed only by the external opt-in);
    /// analyses record it.
    public var externalEngine = false

    /// Decodes the JSON answer into `T`.
    ///
    /// - Throws: ``EngineError`` (`malformed_response`) when there is no JSON answer or it does not decode.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(answer.utf8))
        } catch {
            throw EngineError(.malformedResponse, detail: "the answer does not decode as \(T.self)")
        }
    }
}

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
            var cached = details?["cached_tokens"]?.intValue ?? u["num_cached_tokens"]?.intValue
            // llama.cpp also reports its cache hits in timings.cache_n.
            if cached == nil { cached = body["timings"]?["cache_n"]?.intValue }
            usage = TokenUsage(
                promptTokens: u["prompt_tokens"]?.intValue ?? 0, completionTokens: u["completion_tokens"]?.intValue ?? 0,
                cachedPromptTokens: cached)
        }
    }
}

/// Splits a `text/event-stream` body into `data:` payloads.
struct ServerSentEventParser {
    private var buffer: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false

    /// Feeds bytes; returns the complete event payloads they finish.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [[UInt8]] {
        var events: [[UInt8]] = []
        for byte in bytes {
            if byte == 0x0A {
                var line = buffer
                buffer.removeAll(keepingCapacity: true)
                if line.last == 0x0D { line.removeLast() }
                if line.isEmpty {
                    if hasData { events.append(data) }
                    data.removeAll(keepingCapacity: true)
                    hasData = false
                } else if line.starts(with: Array("data:".utf8)) {
                    var payload = line.dropFirst(5)
                    if payload.first == 0x20 { payload = payload.dropFirst() }
                    if hasData { data.append(0x0A) }
                    data.append(contentsOf: payload)
                    hasData = true
                }
                // Comments (":") and other fields (event:, id:, retry:) carry nothing for us.
            } else {
                buffer.append(byte)
            }
        }
        return events
    }

    /// The last event when the stream ended without a blank line.
    mutating func finish() -> [[UInt8]] {
        var events = feed([0x0A])
        if hasData { events.append(data) }
        hasData = false
        return events
    }
}
