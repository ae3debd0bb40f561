/// One contract and one category: the labels, the finding, and how they meet.
public struct CategoryOutcome: Sendable, Hashable, Codable {
    /// The experts highlighted the clause (non-empty labels).
    public var labelled = false
    /// The finding says `present`.
    public var predicted = false
    /// The finding's confidence when it says present (nil otherwise).
    public var confidence: Double?
    /// Labelled spans.
    public var spans = 0
    /// Of them, the ones the profile's quote limits leave within reach (``QuoteReach``).
    public var reachable = 0
    /// Of them, the ones a prediction matches: CUAD's span true positives.
    public var matched = 0
    /// Predictions: the distinct non-empty quotes of a present finding (CUAD's predicted texts).
    public var predictions = 0
    /// Predictions that match no labelled span: CUAD's span false positives.
    public var unmatched = 0
    /// Quotes of a present finding as stored (duplicates included), those verified in the page text, and
    /// all of them by how grounding matched them (`exact`, `normalized`, `approximate`, `not_found`,
    /// `too_short`).
    public var quotes = 0
    public var quotesVerified = 0
    public var quotesByMatch: [String: Int] = [:]
    /// CUAD's answer names a value Lector can compare, and the finding's normalised value agrees.
    public var valueComparable = false
    public var valueAgreed = false

    /// Nothing labelled, nothing found.
    public init() {}

    /// CUAD's span false negatives: labelled spans no prediction matches.
    public var missed: Int { spans - matched }

    enum CodingKeys: String, CodingKey {
        case labelled, predicted, confidence, spans, reachable, matched, predictions, unmatched, quotes
        case quotesVerified = "quotes_verified"
        case quotesByMatch = "quotes_by_match"
        case valueComparable = "value_comparable"
        case valueAgreed = "value_agreed"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        labelled = try c.decodeIfPresent(Bool.self, forKey: .labelled) ?? false
        predicted = try c.decodeIfPresent(Bool.self, forKey: .predicted) ?? false
        confidence = try c.decodeIfPresent(Double.self, forKey: .confidence)
        spans = try c.decodeIfPresent(Int.self, forKey: .spans) ?? 0
        reachable = try c.decodeIfPresent(Int.self, forKey: .reachable) ?? 0
        matched = try c.decodeIfPresent(Int.self, forKey: .matched) ?? 0
        predictions = try c.decodeIfPresent(Int.self, forKey: .predictions) ?? 0
        unmatched = try c.decodeIfPresent(Int.self, forKey: .unmatched) ?? 0
        quotes = try c.decodeIfPresent(Int.self, forKey: .quotes) ?? 0
        quotesVerified = try c.decodeIfPresent(Int.self, forKey: .quotesVerified) ?? 0
        quotesByMatch = try c.decodeIfPresent([String: Int].self, forKey: .quotesByMatch) ?? [:]
        valueComparable = try c.decodeIfPresent(Bool.self, forKey: .valueComparable) ?? false
        valueAgreed = try c.decodeIfPresent(Bool.self, forKey: .valueAgreed) ?? false
    }
}
