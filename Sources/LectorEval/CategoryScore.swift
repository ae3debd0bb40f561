/// The counts behind one category's scores (or the overall scores, summed over categories), and the
/// ratios computed from them. A ratio whose denominator is zero is nil, shown as `-`.
public struct CategoryScore: Sendable, Hashable, Codable {
    /// The Lector category key, or `overall`.
    public var category: String
    /// CUAD's name for it (nil for `overall`).
    public var cuadName: String?
    /// Contracts scored.
    public var documents = 0
    /// Contracts whose labels are non-empty (CUAD found the clause).
    public var labelled = 0
    /// Contracts whose finding says `present`.
    public var predicted = 0
    /// Contracts both labelled and predicted present.
    public var truePositives = 0
    /// Labelled spans, and those matched by a quote of the finding (CUAD's Jaccard rule).
    public var labelledSpans = 0
    public var labelledSpansMatched = 0
    /// Quotes of present findings, those matching a labelled span, and those verified in the page text.
    public var quotes = 0
    public var quotesMatched = 0
    public var quotesVerified = 0
    /// Quotes of present findings by how grounding matched them (`exact`, `normalized`, `approximate`,
    /// `not_found`, `too_short`).
    public var quotesByMatch: [String: Int] = [:]
    /// Contracts whose CUAD answer names a comparable value, and those whose finding agrees.
    public var valuesComparable = 0
    public var valuesAgreed = 0

    /// Zero counts for a category.
    public init(category: String, cuadName: String? = nil) {
        self.category = category
        self.cuadName = cuadName
    }

    /// Presence precision: of the contracts where the finding says present, the share CUAD labelled.
    public var precision: Double? { Self.ratio(truePositives, predicted) }
    /// Presence recall: of the contracts CUAD labelled, the share where the finding says present.
    public var recall: Double? { Self.ratio(truePositives, labelled) }
    /// The harmonic mean of precision and recall (nil when either is).
    public var f1: Double? {
        guard let p = precision, let r = recall else { return nil }
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }
    /// Span recall: the share of labelled spans a quote matches.
    public var spanRecall: Double? { Self.ratio(labelledSpansMatched, labelledSpans) }
    /// Span precision: the share of quotes that match a labelled span.
    public var spanPrecision: Double? { Self.ratio(quotesMatched, quotes) }
    /// Value agreement: the share of comparable CUAD answers the finding's normalised value agrees with.
    public var valueAgreement: Double? { Self.ratio(valuesAgreed, valuesComparable) }
    /// Grounding: the share of quotes verified against the extracted text.
    public var grounding: Double? { Self.ratio(quotesVerified, quotes) }

    static func ratio(_ part: Int, _ whole: Int) -> Double? { whole == 0 ? nil : Double(part) / Double(whole) }

    /// Adds another score's counts (for the overall row: counts summed, ratios micro-averaged).
    public mutating func add(_ other: CategoryScore) {
        documents += other.documents
        labelled += other.labelled
        predicted += other.predicted
        truePositives += other.truePositives
        labelledSpans += other.labelledSpans
        labelledSpansMatched += other.labelledSpansMatched
        quotes += other.quotes
        quotesMatched += other.quotesMatched
        quotesVerified += other.quotesVerified
        quotesByMatch.merge(other.quotesByMatch, uniquingKeysWith: +)
        valuesComparable += other.valuesComparable
        valuesAgreed += other.valuesAgreed
    }

    enum CodingKeys: String, CodingKey {
        case category, documents, labelled, predicted, precision, recall, f1, grounding, quotes
        case cuadName = "cuad_name"
        case truePositives = "true_positives"
        case labelledSpans = "labelled_spans"
        case labelledSpansMatched = "labelled_spans_matched"
        case quotesMatched = "quotes_matched"
        case quotesVerified = "quotes_verified"
        case quotesByMatch = "quotes_by_match"
        case valuesComparable = "values_comparable"
        case valuesAgreed = "values_agreed"
        case spanRecall = "span_recall"
        case spanPrecision = "span_precision"
        case valueAgreement = "value_agreement"
    }

    /// Reads the counts (the ratios are recomputed).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        category = try c.decode(String.self, forKey: .category)
        cuadName = try c.decodeIfPresent(String.self, forKey: .cuadName)
        documents = try c.decode(Int.self, forKey: .documents)
        labelled = try c.decode(Int.self, forKey: .labelled)
        predicted = try c.decode(Int.self, forKey: .predicted)
        truePositives = try c.decode(Int.self, forKey: .truePositives)
        labelledSpans = try c.decode(Int.self, forKey: .labelledSpans)
        labelledSpansMatched = try c.decode(Int.self, forKey: .labelledSpansMatched)
        quotes = try c.decode(Int.self, forKey: .quotes)
        quotesMatched = try c.decode(Int.self, forKey: .quotesMatched)
        quotesVerified = try c.decode(Int.self, forKey: .quotesVerified)
        quotesByMatch = try c.decodeIfPresent([String: Int].self, forKey: .quotesByMatch) ?? [:]
        valuesComparable = try c.decode(Int.self, forKey: .valuesComparable)
        valuesAgreed = try c.decode(Int.self, forKey: .valuesAgreed)
    }

    /// Writes the counts and, for readers that do not recompute them, the ratios.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(category, forKey: .category)
        try c.encodeIfPresent(cuadName, forKey: .cuadName)
        try c.encode(documents, forKey: .documents)
        try c.encode(labelled, forKey: .labelled)
        try c.encode(predicted, forKey: .predicted)
        try c.encode(truePositives, forKey: .truePositives)
        try c.encode(labelledSpans, forKey: .labelledSpans)
        try c.encode(labelledSpansMatched, forKey: .labelledSpansMatched)
        try c.encode(quotes, forKey: .quotes)
        try c.encode(quotesMatched, forKey: .quotesMatched)
        try c.encode(quotesVerified, forKey: .quotesVerified)
        try c.encode(quotesByMatch, forKey: .quotesByMatch)
        try c.encode(valuesComparable, forKey: .valuesComparable)
        try c.encode(valuesAgreed, forKey: .valuesAgreed)
        try c.encode(precision, forKey: .precision)
        try c.encode(recall, forKey: .recall)
        try c.encode(f1, forKey: .f1)
        try c.encode(spanRecall, forKey: .spanRecall)
        try c.encode(spanPrecision, forKey: .spanPrecision)
        try c.encode(valueAgreement, forKey: .valueAgreement)
        try c.encode(grounding, forKey: .grounding)
    }
}
