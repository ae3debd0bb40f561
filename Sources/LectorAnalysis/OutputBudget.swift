import LectorEngine

/// How long a model's answer may get under a profile, and how many categories one request can ask for
/// before the answer (reasoning included) could run past `max_tokens`.
///
/// The estimate is made from the profile's limits: a category answered "present" carries up to
/// `max_quotes` quotes (at most ``typicalQuotes``, each counted at up to ``typicalQuoteCharacters``,
/// the length of a clause sentence), a value and a rationale; "absent" is a few tokens of structure. About half the categories
/// are counted as present. Reasoning spends from the same `max_tokens`: the profile's
/// `reasoning_tokens`, else a share that follows `reasoning_effort`. When an answer still runs out
/// (`finish_reason: length`), the analyzer splits the request's categories and asks again.
public struct OutputBudget: Sendable, Hashable {
    /// `max_tokens` of every request.
    public var maxTokens: Int
    /// Tokens kept for reasoning.
    public var reasoningTokens: Int
    /// Estimated tokens of the document facts.
    public var documentTokens: Int
    /// Estimated tokens of one category's answer, present and absent weighed.
    public var categoryTokens: Int

    /// Output characters per token: the answer is English prose and copied clauses.
    static let charactersPerToken = 4
    /// The length a quote is counted at when the profile allows longer ones.
    public static let typicalQuoteCharacters = 300
    /// Quotes counted per present category when the profile allows more (a clause is quoted in a few
    /// places, not dozens).
    public static let typicalQuotes = 4
    /// The length a value or rationale is counted at when the profile allows longer ones.
    static let typicalValueCharacters = 200
    /// Parties counted in the document facts when the profile allows more.
    static let typicalParties = 4
    /// Tokens of JSON structure per category (keys, presence, confidence, risk, page list).
    static let categoryStructure = 30
    /// Share of the categories counted as present, in percent.
    static let presentPercent = 50

    /// The budget of `profile`.
    public init(profile: AnalysisProfile) {
        let limits = profile.limits
        func tokens(_ characters: Int) -> Int { (max(0, characters) + Self.charactersPerToken - 1) / Self.charactersPerToken }
        let value = tokens(min(limits.maxValueLength, Self.typicalValueCharacters))
        let quote = tokens(min(limits.maxQuoteLength, Self.typicalQuoteCharacters)) + 8
        let present = Self.categoryStructure + 2 * value + min(max(1, limits.maxQuotes), Self.typicalQuotes) * quote
        let absent = Self.categoryStructure
        let parties = min(max(1, limits.maxParties), Self.typicalParties) * (2 * tokens(min(limits.maxValueLength, 60)) + 8)
        self.maxTokens = profile.maxOutputTokens
        self.reasoningTokens = profile.reasoningTokens ?? Self.reasoningShare(profile.reasoningEffort, of: profile.maxOutputTokens)
        self.documentTokens = 3 * value + parties + 20
        self.categoryTokens = (present * Self.presentPercent + absent * (100 - Self.presentPercent) + 99) / 100
    }

    /// The reasoning kept by default: none for `none`, a quarter for `low`, three quarters for `high`
    /// (a reasoning model at high effort can think through most of its budget on a long contract).
    static func reasoningShare(_ effort: ReasoningEffort, of maxTokens: Int) -> Int {
        switch effort {
        case .off: 0
        case .low: maxTokens / 4
        case .high: maxTokens / 4 * 3
        }
    }

    /// Tokens left for the JSON answer once reasoning is kept.
    public var answerTokens: Int { max(0, maxTokens - reasoningTokens) }

    /// The estimated answer for `categories` categories, with or without the document facts.
    public func estimate(categories: Int, document: Bool = true) -> Int {
        categories * categoryTokens + (document ? documentTokens : 0) + 10
    }

    /// `keys` (in table order) in groups whose answers fit ``answerTokens``; one group when all fit.
    /// Groups are consecutive and as even as possible; a group has at least one category.
    public func groups(_ keys: [String]) -> [[String]] {
        guard keys.count > 1, estimate(categories: keys.count) > answerTokens else { return [keys] }
        let perGroup = max(1, (answerTokens - documentTokens - 10) / max(1, categoryTokens))
        let count = (keys.count + perGroup - 1) / perGroup
        return Self.split(keys, into: count)
    }

    /// `keys` in `count` consecutive groups as even as possible (the first ones one longer).
    static func split(_ keys: [String], into count: Int) -> [[String]] {
        let count = min(max(1, count), keys.count)
        var groups: [[String]] = []
        var start = 0
        for index in 0..<count {
            let size = keys.count / count + (index < keys.count % count ? 1 : 0)
            groups.append(Array(keys[start..<start + size]))
            start += size
        }
        return groups
    }
}
