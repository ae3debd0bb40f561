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
        /// The categories asked for, when the answer is split over several requests on the same pages
        /// (nil: all of the profile's).
        public var categories: [String]?
        /// Whether this request asks for the document facts (of the requests on one page range, the
        /// first category group does).
        public var asksDocument: Bool

        public init(
            firstPage: Int, lastPage: Int, promptTokens: Int, textTokens: Int, imageTokens: Int, imagePages: [Int],
            categories: [String]? = nil, asksDocument: Bool = true
        ) {
            self.firstPage = firstPage
            self.lastPage = lastPage
            self.promptTokens = promptTokens
            self.textTokens = textTokens
            self.imageTokens = imageTokens
            self.imagePages = imagePages
            self.categories = categories
            self.asksDocument = asksDocument
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            firstPage = try container.decode(Int.self, forKey: .firstPage)
            lastPage = try container.decode(Int.self, forKey: .lastPage)
            promptTokens = try container.decode(Int.self, forKey: .promptTokens)
            textTokens = try container.decode(Int.self, forKey: .textTokens)
            imageTokens = try container.decode(Int.self, forKey: .imageTokens)
            imagePages = try container.decode([Int].self, forKey: .imagePages)
            categories = try container.decodeIfPresent([String].self, forKey: .categories)
            asksDocument = try container.decodeIfPresent(Bool.self, forKey: .asksDocument) ?? true
        }

        /// The pages of this request.
        public var pages: ClosedRange<Int> { firstPage...lastPage }

        /// Names this request among its plan's (`analysis_chunks.request_key`): its pages, its categories
        /// and whether it asks for the document facts.
        public var storageKey: String {
            "\(firstPage)-\(lastPage)|\(categories?.joined(separator: ",") ?? "*")|\(asksDocument ? "document" : "-")"
        }

        enum CodingKeys: String, CodingKey {
            case firstPage = "first_page"
            case lastPage = "last_page"
            case promptTokens = "prompt_tokens"
            case textTokens = "text_tokens"
            case imageTokens = "image_tokens"
            case imagePages = "image_pages"
            case categories
            case asksDocument = "asks_document"
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
    /// How many times an answer cut at `max_tokens` made a request's categories split again.
    public var categorySplits: Int
    /// The most images one request carried under the limit planned with (nil: no limit known).
    public var maxImagesPerRequest: Int?
    /// How many times the engine refused a request's images and the pages were planned again.
    public var imageReplans: Int
    /// The image policy applied.
    public var imagePolicy: ImagePolicy
    /// Tokens every request keeps for the document digest (0: one page range, no digest).
    public var digestTokens: Int = 0
    /// Pages each page range repeats from the one before (0: one page range, or no overlap).
    public var overlapPages: Int = 0
    /// How page tokens were counted: `engine` (its `/tokenize`), `engine_partial`, or `estimate`.
    public var tokenCounts: String = "estimate"
    /// Identifies this plan under this profile and model: chunk results stored under another key
    /// (`analysis_chunks.plan_key`) are never reused.
    public var key: String?
    /// Requests whose results came from an earlier attempt of the same job (stored chunks).
    public var reusedRequests: Int = 0
    /// The digest sent with every page range after the first (nil: none).
    public var digest: DocumentDigest?

    public init(
        contextTokens: Int, outputTokens: Int, marginTokens: Int, budgetTokens: Int, fixedTokens: Int,
        requests: [Request], visionPagesAsText: [Int], replans: Int = 0, imagePolicy: ImagePolicy,
        categorySplits: Int = 0, maxImagesPerRequest: Int? = nil, imageReplans: Int = 0
    ) {
        self.categorySplits = categorySplits
        self.maxImagesPerRequest = maxImagesPerRequest
        self.imageReplans = imageReplans
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

    /// Pages sent as images, in all requests (once each, whatever the category groups).
    public var imagePages: [Int] { requests.filter(\.asksDocument).flatMap(\.imagePages) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        contextTokens = try container.decode(Int.self, forKey: .contextTokens)
        outputTokens = try container.decode(Int.self, forKey: .outputTokens)
        marginTokens = try container.decode(Int.self, forKey: .marginTokens)
        budgetTokens = try container.decode(Int.self, forKey: .budgetTokens)
        fixedTokens = try container.decode(Int.self, forKey: .fixedTokens)
        requests = try container.decode([Request].self, forKey: .requests)
        visionPagesAsText = try container.decode([Int].self, forKey: .visionPagesAsText)
        replans = try container.decodeIfPresent(Int.self, forKey: .replans) ?? 0
        imagePolicy = try container.decode(ImagePolicy.self, forKey: .imagePolicy)
        categorySplits = try container.decodeIfPresent(Int.self, forKey: .categorySplits) ?? 0
        maxImagesPerRequest = try container.decodeIfPresent(Int.self, forKey: .maxImagesPerRequest)
        imageReplans = try container.decodeIfPresent(Int.self, forKey: .imageReplans) ?? 0
        digestTokens = try container.decodeIfPresent(Int.self, forKey: .digestTokens) ?? 0
        overlapPages = try container.decodeIfPresent(Int.self, forKey: .overlapPages) ?? 0
        tokenCounts = try container.decodeIfPresent(String.self, forKey: .tokenCounts) ?? "estimate"
        key = try container.decodeIfPresent(String.self, forKey: .key)
        reusedRequests = try container.decodeIfPresent(Int.self, forKey: .reusedRequests) ?? 0
        digest = try container.decodeIfPresent(DocumentDigest.self, forKey: .digest)
    }

    /// The distinct page ranges, in page order (each asked once per category group).
    public var pageRanges: [ClosedRange<Int>] {
        var seen = Set<[Int]>()
        return requests.map(\.pages).filter { seen.insert([$0.lowerBound, $0.upperBound]).inserted }
    }

    enum CodingKeys: String, CodingKey {
        case requests, replans, key, digest
        case digestTokens = "digest_tokens"
        case overlapPages = "overlap_pages"
        case tokenCounts = "token_counts"
        case reusedRequests = "reused_requests"
        case contextTokens = "context_tokens"
        case outputTokens = "output_tokens"
        case marginTokens = "margin_tokens"
        case budgetTokens = "budget_tokens"
        case fixedTokens = "fixed_tokens"
        case visionPagesAsText = "vision_pages_as_text"
        case imagePolicy = "image_policy"
        case categorySplits = "category_splits"
        case maxImagesPerRequest = "max_images_per_request"
        case imageReplans = "image_replans"
    }
}
