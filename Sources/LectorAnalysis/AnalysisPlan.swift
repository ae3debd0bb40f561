/// How a document is sent to the engine: which pages go in which request, with how many tokens, and
/// which pages go as images. Stored with the analysis (`analyses.plan`).
public struct AnalysisPlan: Sendable, Hashable, Codable {
    /// One request of the plan.
    public struct Request: Sendable, Hashable, Codable {
        /// The first page.
        public var firstPage: Int
        /// The last page.
        public var lastPage: Int
        /// Estimated prompt tokens (system, schema, text, images).
        public var promptTokens: Int
        /// Estimated tokens of the pages' text.
        public var textTokens: Int
        /// Estimated tokens of the images.
        public var imageTokens: Int
        /// Pages sent as images.
        public var imagePages: [Int]

        public init(firstPage: Int, lastPage: Int, promptTokens: Int, textTokens: Int, imageTokens: Int, imagePages: [Int]) {
            self.firstPage = firstPage
            self.lastPage = lastPage
            self.promptTokens = promptTokens
            self.textTokens = textTokens
            self.imageTokens = imageTokens
            self.imagePages = imagePages
        }

        /// The pages of this request.
        public var pages: ClosedRange<Int> { firstPage...lastPage }

        enum CodingKeys: String, CodingKey {
            case firstPage = "first_page"
            case lastPage = "last_page"
            case promptTokens = "prompt_tokens"
            case textTokens = "text_tokens"
            case imageTokens = "image_tokens"
            case imagePages = "image_pages"
        }
    }

    /// The engine's context, as used (the profile may cap it).
    public var contextTokens: Int
    /// `max_tokens` of every request.
    public var outputTokens: Int
    /// Tokens kept free.
    public var marginTokens: Int
    /// Tokens a request may use for its prompt: context − output − margin.
    public var budgetTokens: Int
    /// Tokens every request spends before any page (system prompt, schema, template).
    public var fixedTokens: Int
    /// The requests, in page order.
    public var requests: [Request]
    /// Pages that need vision but went as text only, because the profile's image policy is `none` or
    /// the page could not be rendered.
    public var visionPagesAsText: [Int]
    /// How many times a context overflow from the engine made a chunk split again.
    public var replans: Int
    /// The image policy applied.
    public var imagePolicy: ImagePolicy

    public init(
        contextTokens: Int, outputTokens: Int, marginTokens: Int, budgetTokens: Int, fixedTokens: Int,
        requests: [Request], visionPagesAsText: [Int], replans: Int = 0, imagePolicy: ImagePolicy
    ) {
        self.contextTokens = contextTokens
        self.outputTokens = outputTokens
        self.marginTokens = marginTokens
        self.budgetTokens = budgetTokens
        self.fixedTokens = fixedTokens
        self.requests = requests
        self.visionPagesAsText = visionPagesAsText
        self.replans = replans
        self.imagePolicy = imagePolicy
    }

    /// Pages sent as images, in all requests.
    public var imagePages: [Int] { requests.flatMap(\.imagePages) }

    enum CodingKeys: String, CodingKey {
        case requests, replans
        case contextTokens = "context_tokens"
        case outputTokens = "output_tokens"
        case marginTokens = "margin_tokens"
        case budgetTokens = "budget_tokens"
        case fixedTokens = "fixed_tokens"
        case visionPagesAsText = "vision_pages_as_text"
        case imagePolicy = "image_policy"
    }
}
