import Foundation
import LectorEngine

/// How a document is analysed: what is asked, how hard the model thinks, which pages go as images and
/// how long the answer may be. Loaded from `jobs/profiles/NAME.json`.
public struct AnalysisProfile: Sendable, Hashable {
    /// The profile's name (the file name without `.json`).
    public var name: String
    /// A version of the prompt and schema, stored with each analysis; bump it when either changes.
    public var promptVersion: String
    /// The categories asked for, in table order.
    public var categories: [FindingCategory]
    /// `reasoning_effort` for every request.
    public var reasoningEffort: ReasoningEffort
    /// Which pages go as images.
    public var imagePolicy: ImagePolicy
    /// `max_tokens` for every request (reasoning included).
    public var maxOutputTokens: Int
    /// Tokens kept free besides the output cap (template overhead, estimate error).
    public var marginTokens: Int
    /// Of `maxOutputTokens`, the share kept for reasoning when planning the answer's size (nil: a share
    /// that follows `reasoningEffort`; see ``OutputBudget``).
    public var reasoningTokens: Int?
    /// A cap on the context used, below what the engine offers (nil: the engine's context).
    public var contextTokens: Int?
    /// Most images per request (nil: no limit; the hosted Mistral API allows 8).
    public var maxImagesPerRequest: Int?
    /// Size limits written into the schema.
    public var limits: FindingsSchema.OutputLimits
    /// Sampling temperature.
    public var temperature: Double
    /// Sampling seed, for repeatable answers where the engine honours it.
    public var seed: Int?
    /// Extra instructions appended to the system prompt.
    public var instructions: String?
    /// Pages a chunk of a long document repeats from the end of the previous one, so a clause that
    /// runs over a chunk boundary is read whole once (its findings are counted once: see
    /// ``FindingsMerger``).
    public var chunkOverlapPages: Int
    /// Tokens kept in every chunk of a long document for the document digest (parties, defined terms,
    /// dates, governing law; see ``DocumentDigest``), at most a quarter of a chunk's room for pages;
    /// 0 sends none.
    public var digestTokens: Int

    /// A profile.
    public init(
        name: String, promptVersion: String, categories: [FindingCategory] = FindingCategory.all,
        reasoningEffort: ReasoningEffort = .high, imagePolicy: ImagePolicy = .auto, maxOutputTokens: Int = 32768,
        marginTokens: Int = 1024, reasoningTokens: Int? = nil, contextTokens: Int? = nil, maxImagesPerRequest: Int? = nil,
        limits: FindingsSchema.OutputLimits = .init(), temperature: Double = 0, seed: Int? = 0, instructions: String? = nil,
        chunkOverlapPages: Int = 1, digestTokens: Int = 1500
    ) {
        self.name = name
        self.promptVersion = promptVersion
        self.categories = categories
        self.reasoningEffort = reasoningEffort
        self.imagePolicy = imagePolicy
        self.maxOutputTokens = maxOutputTokens
        self.marginTokens = marginTokens
        self.reasoningTokens = reasoningTokens
        self.contextTokens = contextTokens
        self.maxImagesPerRequest = maxImagesPerRequest
        self.limits = limits
        self.temperature = temperature
        self.seed = seed
        self.instructions = instructions
        self.chunkOverlapPages = max(0, chunkOverlapPages)
        self.digestTokens = max(0, digestTokens)
    }

    /// The profile used when a submission names none.
    public static let defaultName = "contract-review"

    /// The findings schema this profile asks for.
    public var schema: FindingsSchema { FindingsSchema(categories: categories, limits: limits) }

    /// The findings schema for some of this profile's categories (one request of a split answer);
    /// `document` says whether the answer also carries the document facts.
    public func schema(categories keys: [String]?, document: Bool = true) -> FindingsSchema {
        guard let keys else { return FindingsSchema(categories: categories, limits: limits, document: document) }
        let selected = Set(keys)
        return FindingsSchema(categories: categories.filter { selected.contains($0.key) }, limits: limits, document: document)
    }
}
