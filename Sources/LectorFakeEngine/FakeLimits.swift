import LectorEngine

/// What a real engine enforces on every chat completion, so tests meet it without a GPU: the context
/// (`max_model_len`: prompt plus `max_tokens`), `max_tokens` with reasoning counted (the answer stops
/// mid-JSON with `finish_reason: length`), and the images one request may carry (vLLM's
/// `--limit-mm-per-prompt`, the Mistral API's 8), each refused in the dialect's own shape.
public struct FakeLimits: Sendable {
    /// The dialect whose error and answer shapes are used.
    public var dialect: EngineDialect
    /// Prompt tokens plus `max_tokens` allowed (nil: no limit).
    public var maxModelLen: Int?
    /// Images allowed in one request (nil: no limit).
    public var maxImagesPerRequest: Int?
    /// UTF-8 bytes per token when counting text (prompt, reasoning and answer).
    public var bytesPerToken: Int

    /// Limits in `dialect`'s shapes.
    public init(dialect: EngineDialect, maxModelLen: Int? = nil, maxImagesPerRequest: Int? = nil, bytesPerToken: Int = 4) {
        self.dialect = dialect
        self.maxModelLen = maxModelLen
        self.maxImagesPerRequest = maxImagesPerRequest
        self.bytesPerToken = max(1, bytesPerToken)
    }

    /// What a request costs and asks for, read from its body.
    public struct Measure: Sendable, Hashable {
        /// Estimated prompt tokens (text at ``FakeLimits/bytesPerToken``, images by their size).
        public var promptTokens: Int
        /// Images in the user message.
        public var images: Int
        /// `max_tokens` (nil when the request has none).
        public var maxTokens: Int?
        /// Whether the request asked for a stream.
        public var stream: Bool
    }

    /// Measures `request` (a chat completion).
    public func measure(_ request: FakeRequest) -> Measure {
        let body = request.json
        var text = 0
        var imageTokens = 0
        var images = 0
        for message in body?["messages"]?.arrayValue ?? [] {
            if let content = message["content"]?.stringValue { text += content.utf8.count }
            for part in message["content"]?.arrayValue ?? [] {
                if let value = part["text"]?.stringValue { text += value.utf8.count }
                if let url = part["image_url"]?["url"]?.stringValue {
                    images += 1
                    imageTokens += TokenEstimate.imageTokens(ImageInput(url: url))
                }
            }
        }
        return Measure(
            promptTokens: (text + bytesPerToken - 1) / bytesPerToken + imageTokens, images: images,
            maxTokens: body?["max_tokens"]?.intValue, stream: body?["stream"]?.boolValue ?? false)
    }

    /// Tokens of `text` as counted here.
    public func tokens(_ text: String) -> Int { (text.utf8.count + bytesPerToken - 1) / bytesPerToken }

    /// The reply of a model that would think `reasoning` and then answer `answer`, under these limits:
    /// a refusal when the request breaks one, else the answer, cut where `max_tokens` runs out.
    public func reply(to request: FakeRequest, answer: String, reasoning: String? = nil) -> FakeReply {
        let measure = measure(request)
        if let limit = maxImagesPerRequest, measure.images > limit { return tooManyImages(limit) }
        let maxTokens = measure.maxTokens ?? Int.max / 4
        if let context = maxModelLen, measure.promptTokens + min(maxTokens, context) > context {
            return dialect == .llamacpp
                ? FakeResponses.llamacppContextOverflow(promptTokens: measure.promptTokens, contextTokens: context)
                : FakeResponses.vllmContextOverflow(promptTokens: measure.promptTokens + maxTokens, maxModelLen: context)
        }
        var thought = reasoning ?? ""
        var said = answer
        var finish = "stop"
        let thinking = tokens(thought)
        if thinking >= maxTokens {
            thought = prefix(thought, tokens: maxTokens)
            said = ""
            finish = "length"
        } else if thinking + tokens(said) > maxTokens {
            said = prefix(said, tokens: maxTokens - thinking)
            finish = "length"
        }
        let usage = TokenUsage(
            promptTokens: measure.promptTokens, completionTokens: min(maxTokens, tokens(thought) + tokens(said)))
        let shownReasoning = thought.isEmpty ? nil : thought
        return measure.stream
            ? FakeResponses.streamed(dialect: dialect, answer: said, reasoning: shownReasoning, finishReason: finish, usage: usage)
            : FakeResponses.completion(dialect: dialect, answer: said, reasoning: shownReasoning, finishReason: finish, usage: usage)
    }

    /// The first `tokens` tokens of `text` (whole characters).
    func prefix(_ text: String, tokens: Int) -> String {
        let bytes = max(0, tokens) * bytesPerToken
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let size = text[index].utf8.count
            guard used + size <= bytes else { break }
            used += size
            end = text.index(after: index)
        }
        return String(text[..<end])
    }

    /// The refusal of a request with more than `limit` images: vLLM's `--limit-mm-per-prompt` message,
    /// or the Mistral API's.
    public func tooManyImages(_ limit: Int) -> FakeReply {
        switch dialect {
        case .mistral:
            .json(400, [
                "object": "error", "message": .string("Too many images in request: at most \(limit) images are allowed."),
                "type": "invalid_request_error", "param": .null, "code": "3051",
            ])
        default:
            .json(400, [
                "error": [
                    "message": .string("At most \(limit) image(s) may be provided in one prompt."),
                    "type": "BadRequestError", "param": .null, "code": 400,
                ]
            ])
        }
    }
}
