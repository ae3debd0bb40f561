/// What the scorer needs of one finding of an analysis.
public struct ScoredFinding: Sendable, Hashable {
    /// A quote and how grounding matched it to the page text.
    public struct Quote: Sendable, Hashable {
        public var text: String
        public var verified: Bool
        /// `exact`, `normalized`, `approximate`, `not_found`, `too_short` (or `unchecked`).
        public var match: String

        /// A quote.
        public init(text: String, verified: Bool, match: String? = nil) {
            self.text = text
            self.verified = verified
            self.match = match ?? (verified ? "exact" : "not_found")
        }
    }

    /// The Lector category key.
    public var category: String
    /// Whether the finding says the clause is present (`present`; `absent` and `unclear` are not).
    public var present: Bool
    /// The value and its normalised forms.
    public var value: CUADValue.FindingValue
    public var quotes: [Quote]
    /// The model's confidence, 0...1 (nil: none recorded, never above a curve threshold).
    public var confidence: Double?

    /// A finding as scored.
    public init(
        category: String, present: Bool, value: CUADValue.FindingValue = .init(), quotes: [Quote] = [],
        confidence: Double? = nil
    ) {
        self.category = category
        self.present = present
        self.value = value
        self.quotes = quotes
        self.confidence = confidence
    }
}
