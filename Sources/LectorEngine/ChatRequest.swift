/// How hard the model should think before answering (`reasoning_effort`).
///
/// The Swift case for the wire value `none` is ``off``, so that it cannot be confused with
/// `Optional.none` (which omits the field).
public enum ReasoningEffort: String, Sendable, CaseIterable, Codable {
    /// `none`: no reasoning.
    case off = "none"
    /// `low`: some reasoning (Mistral Small 4 rejects it; the client degrades to `high`).
    case low
    /// `high`: full reasoning.
    case high

    /// The value to try when an engine rejects this one, in order (Mistral Small 4 accepts `none` and
    /// `high` only). A request for some reasoning (`low`) keeps reasoning on rather than dropping it.
    var fallbacks: [ReasoningEffort] {
        switch self {
        case .off: []
        case .low: [.high, .off]
        case .high: [.off]
        }
    }
}

/// One part of a user message: text, or an image.
public enum ContentPart: Sendable, Hashable {
    /// Plain text, sent as a `text` part.
    case text(String)
    /// An image, sent as an `image_url` part with a `data:` URI.
    case image(ImageInput)
}

/// An image for the engine, as a `data:` URI, with its size in pixels when known.
public struct ImageInput: Sendable, Hashable {
    /// `data:image/jpeg;base64,...` (or any URL the engine may fetch; Lector sends data URIs only).
    public var url: String
    /// Width and height in pixels, for token estimates; read from the PNG or JPEG header when nil.
    public var width: Int?
    /// Height in pixels; see ``width``.
    public var height: Int?

    /// An image from a data URI or URL.
    public init(url: String, width: Int? = nil, height: Int? = nil) {
        self.url = url
        self.width = width
        self.height = height
    }

    /// An image from encoded bytes (JPEG or PNG), sized from its header.
    public init(bytes: [UInt8], mimeType: String) {
        let size = ImageSize.read(bytes)
        self.init(
            url: "data:\(mimeType);base64,\(Base64.encode(bytes))", width: size?.width, height: size?.height)
    }
}

/// A JSON schema the answer must match, sent as `response_format: json_schema` with `strict: true`.
public struct ResponseSchema: Sendable, Hashable {
    /// The schema's name (letters, digits, `_`, `-`).
    public var name: String
    /// The JSON schema itself.
    public var schema: JSONValue
    /// Whether the engine must follow the schema exactly (`strict`); Lector always asks for it.
    public var strict: Bool

    /// A schema named `name`; strict unless told otherwise.
    public init(name: String, schema: JSONValue, strict: Bool = true) {
        self.name = name
        self.schema = schema
        self.strict = strict
    }
}

/// One chat completion request: a system prompt and one user message of text and image parts.
///
/// Keep `system` byte-identical across requests of one profile: engines cache the prompt prefix.
public struct ChatRequest: Sendable, Hashable {
    /// The system prompt.
    public var system: String
    /// The user message, in order (pages as text, page images after their text).
    public var user: [ContentPart]
    /// The answer's schema; nil for free text.
    public var schema: ResponseSchema?
    /// The most tokens the engine may generate (always sent).
    public var maxTokens: Int
    /// Sampling temperature; nil leaves the engine's default.
    public var temperature: Double?
    /// Sampling seed (`seed`, or `random_seed` for the Mistral API); nil for none.
    public var seed: Int?
    /// `reasoning_effort`; nil omits the field.
    public var reasoningEffort: ReasoningEffort?
    /// Whether to stream the answer (the default: long reasoning is then not cut by idle timeouts).
    public var stream: Bool
    /// The engine's own token count (`/tokenize`) of this request's text parts, system prompt
    /// included, when the caller has it: a reported `prompt_tokens` far below it means the engine cut
    /// the prompt (``EngineError/Kind/promptTruncated``). Not sent.
    public var countedPromptTokens: Int?

    /// A request; `maxTokens` is required because every engine must be told the output budget.
    public init(
        system: String, user: [ContentPart], schema: ResponseSchema? = nil, maxTokens: Int,
        temperature: Double? = nil, seed: Int? = nil, reasoningEffort: ReasoningEffort? = nil, stream: Bool = true
    ) {
        self.system = system
        self.user = user
        self.schema = schema
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.seed = seed
        self.reasoningEffort = reasoningEffort
        self.stream = stream
    }

    /// The number of image parts.
    public var imageCount: Int {
        user.reduce(0) { count, part in
            if case .image = part { return count + 1 }
            return count
        }
    }
}
