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
    /// Whether the content was empty and the answer was the JSON found in the reasoning channel (a
    /// reasoning parser that does not match the model); the client logged a warning.
    public var answerFromReasoning = false

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
