/// One category's scores over a run's contracts (or, for `overall`, over every category of every
/// contract): the counts, the ratios computed from them, and CUAD's curve figures. A ratio whose
/// denominator is zero is nil, shown as `-`. The definitions are the README's (Evaluation).
public struct CategoryScore: Sendable, Hashable, Codable {
    /// The Lector category key, or `overall`.
    public var category: String
    /// CUAD's name for it (nil for `overall`).
    public var cuadName: String?
    /// Contracts scored, failed ones included (for `overall`: contract-category pairs), and of them the
    /// failed ones, which count as answered absent.
    public var documents = 0
    public var failed = 0
    /// Presence: contracts whose labels are non-empty, whose finding says present, and both.
    public var labelled = 0
    public var predicted = 0
    public var truePositives = 0
    /// Spans (CUAD's rule): labelled spans; those within the quote limits' reach (nil for runs stored
    /// before reach was measured); those a prediction matches (true positives); predictions (distinct
    /// quotes of present findings) and those matching no labelled span (false positives).
    public var labelledSpans = 0
    public var reachableSpans: Int?
    public var spanTruePositives = 0
    public var predictions = 0
    public var spanFalsePositives = 0
    /// CUAD's curve figures from the findings' confidences (``PrecisionRecallCurve``); nil when no span
    /// is labelled or the run was stored before they were measured.
    public var aupr: Double?
    public var precisionAt80Recall: Double?
    public var precisionAt90Recall: Double?
    /// Quotes of present findings as stored, those verified in the page text, and by how grounding
    /// matched them (`exact`, `normalized`, `approximate`, `not_found`, `too_short`).
    public var quotes = 0
    public var quotesVerified = 0
    public var quotesByMatch: [String: Int] = [:]
    /// Contracts whose CUAD answer names a comparable value, and those whose finding agrees.
    public var valuesComparable = 0
    public var valuesAgreed = 0

    /// Zero counts for a category.
    public init(category: String, cuadName: String? = nil) {
        self.category = category
        self.cuadName = cuadName
        reachableSpans = 0
    }

    /// Presence precision: of the contracts where the finding says present, the share CUAD labelled.
    public var precision: Double? { Self.ratio(truePositives, predicted) }
    /// Presence recall: of the contracts CUAD labelled, the share where the finding says present.
    public var recall: Double? { Self.ratio(truePositives, labelled) }
    /// Presence F1: the harmonic mean of precision and recall, 2TP / (2TP + FP + FN); nil when either is
    /// undefined.
    public var f1: Double? { Self.f1(truePositives: truePositives, predicted: predicted, labelled: labelled) }
    /// CUAD's span false negatives: labelled spans no prediction matches.
    public var spanFalseNegatives: Int { labelledSpans - spanTruePositives }
    /// Span precision (CUAD): TP / (TP + FP).
    public var spanPrecision: Double? { Self.ratio(spanTruePositives, spanTruePositives + spanFalsePositives) }
    /// Span recall (CUAD): TP / (TP + FN), the share of labelled spans a prediction matches.
    public var spanRecall: Double? { Self.ratio(spanTruePositives, labelledSpans) }
    /// The harmonic mean of span precision and recall.
    public var spanF1: Double? {
        Self.f1(truePositives: spanTruePositives, predicted: spanTruePositives + spanFalsePositives, labelled: labelledSpans)
    }
    /// The share of labelled spans the profile's quote limits put out of reach: span recall is at most
    /// one minus this.
    public var unreachableShare: Double? {
        guard let reachableSpans else { return nil }
        return Self.ratio(labelledSpans - reachableSpans, labelledSpans)
    }
    /// Value agreement: the share of comparable CUAD answers the finding's normalised value agrees with.
    public var valueAgreement: Double? { Self.ratio(valuesAgreed, valuesComparable) }
    /// Grounding: the share of quotes verified against the extracted text.
    public var grounding: Double? { Self.ratio(quotesVerified, quotes) }

    static func ratio(_ part: Int, _ whole: Int) -> Double? { whole == 0 ? nil : Double(part) / Double(whole) }

    /// F1 from counts: nil when precision or recall is undefined, 0 when both are 0.
    public static func f1(truePositives: Int, predicted: Int, labelled: Int) -> Double? {
        guard predicted > 0, labelled > 0 else { return nil }
        return Double(2 * truePositives) / Double(predicted + labelled)
    }

    /// Adds one contract's outcome (for `overall`, every category's).
    public mutating func add(_ outcome: CategoryOutcome, failed contractFailed: Bool) {
        documents += 1
        if contractFailed { failed += 1 }
        if outcome.labelled { labelled += 1 }
        if outcome.predicted { predicted += 1 }
        if outcome.labelled && outcome.predicted { truePositives += 1 }
        labelledSpans += outcome.spans
        reachableSpans = (reachableSpans ?? 0) + outcome.reachable
        spanTruePositives += outcome.matched
        predictions += outcome.predictions
        spanFalsePositives += outcome.unmatched
        quotes += outcome.quotes
        quotesVerified += outcome.quotesVerified
        quotesByMatch.merge(outcome.quotesByMatch, uniquingKeysWith: +)
        if outcome.valueComparable { valuesComparable += 1 }
        if outcome.valueAgreed { valuesAgreed += 1 }
    }

    /// Sets the curve figures from `curve`.
    public mutating func setCurve(_ curve: PrecisionRecallCurve) {
        aupr = curve.aupr
        precisionAt80Recall = curve.precision(atRecall: 0.8)
        precisionAt90Recall = curve.precision(atRecall: 0.9)
    }

    enum CodingKeys: String, CodingKey {
        case category, documents, failed, labelled, predicted, precision, recall, f1, predictions, aupr, quotes, grounding
        case cuadName = "cuad_name"
        case truePositives = "true_positives"
        case labelledSpans = "labelled_spans"
        case reachableSpans = "reachable_spans"
        case spanTruePositives = "span_true_positives"
        case spanFalsePositives = "span_false_positives"
        case spanFalseNegatives = "span_false_negatives"
        case spanPrecision = "span_precision"
        case spanRecall = "span_recall"
        case spanF1 = "span_f1"
        case unreachableShare = "unreachable_share"
        case precisionAt80Recall = "precision_at_80_recall"
        case precisionAt90Recall = "precision_at_90_recall"
        case quotesVerified = "quotes_verified"
        case quotesByMatch = "quotes_by_match"
        case valuesComparable = "values_comparable"
        case valuesAgreed = "values_agreed"
        case valueAgreement = "value_agreement"
        // Runs stored before issue 19.
        case labelledSpansMatched = "labelled_spans_matched"
        case quotesMatched = "quotes_matched"
    }

    /// Reads the counts (the ratios are recomputed). Runs stored before issue 19 have no reach, curve or
    /// prediction counts: their span false positives are read as their quotes that matched no label.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        category = try c.decode(String.self, forKey: .category)
        cuadName = try c.decodeIfPresent(String.self, forKey: .cuadName)
        documents = try c.decode(Int.self, forKey: .documents)
        failed = try c.decodeIfPresent(Int.self, forKey: .failed) ?? 0
        labelled = try c.decode(Int.self, forKey: .labelled)
        predicted = try c.decode(Int.self, forKey: .predicted)
        truePositives = try c.decode(Int.self, forKey: .truePositives)
        labelledSpans = try c.decode(Int.self, forKey: .labelledSpans)
        reachableSpans = try c.decodeIfPresent(Int.self, forKey: .reachableSpans)
        quotes = try c.decode(Int.self, forKey: .quotes)
        if let matched = try c.decodeIfPresent(Int.self, forKey: .spanTruePositives) {
            spanTruePositives = matched
            spanFalsePositives = try c.decode(Int.self, forKey: .spanFalsePositives)
            predictions = try c.decode(Int.self, forKey: .predictions)
        } else {
            spanTruePositives = try c.decode(Int.self, forKey: .labelledSpansMatched)
            let quotesMatched = try c.decode(Int.self, forKey: .quotesMatched)
            spanFalsePositives = quotes - quotesMatched
            predictions = quotes
        }
        aupr = try c.decodeIfPresent(Double.self, forKey: .aupr)
        precisionAt80Recall = try c.decodeIfPresent(Double.self, forKey: .precisionAt80Recall)
        precisionAt90Recall = try c.decodeIfPresent(Double.self, forKey: .precisionAt90Recall)
        quotesVerified = try c.decode(Int.self, forKey: .quotesVerified)
        quotesByMatch = try c.decodeIfPresent([String: Int].self, forKey: .quotesByMatch) ?? [:]
        valuesComparable = try c.decode(Int.self, forKey: .valuesComparable)
        valuesAgreed = try c.decode(Int.self, forKey: .valuesAgreed)
    }

    /// Writes the counts and, for readers that do not recompute them (SQL on `lector.eval_runs`), the
    /// ratios.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(category, forKey: .category)
        try c.encodeIfPresent(cuadName, forKey: .cuadName)
        try c.encode(documents, forKey: .documents)
        try c.encode(failed, forKey: .failed)
        try c.encode(labelled, forKey: .labelled)
        try c.encode(predicted, forKey: .predicted)
        try c.encode(truePositives, forKey: .truePositives)
        try c.encode(precision, forKey: .precision)
        try c.encode(recall, forKey: .recall)
        try c.encode(f1, forKey: .f1)
        try c.encode(labelledSpans, forKey: .labelledSpans)
        try c.encode(reachableSpans, forKey: .reachableSpans)
        try c.encode(spanTruePositives, forKey: .spanTruePositives)
        try c.encode(predictions, forKey: .predictions)
        try c.encode(spanFalsePositives, forKey: .spanFalsePositives)
        try c.encode(spanFalseNegatives, forKey: .spanFalseNegatives)
        try c.encode(spanPrecision, forKey: .spanPrecision)
        try c.encode(spanRecall, forKey: .spanRecall)
        try c.encode(spanF1, forKey: .spanF1)
        try c.encode(unreachableShare, forKey: .unreachableShare)
        try c.encode(aupr, forKey: .aupr)
        try c.encode(precisionAt80Recall, forKey: .precisionAt80Recall)
        try c.encode(precisionAt90Recall, forKey: .precisionAt90Recall)
        try c.encode(quotes, forKey: .quotes)
        try c.encode(quotesVerified, forKey: .quotesVerified)
        try c.encode(quotesByMatch, forKey: .quotesByMatch)
        try c.encode(grounding, forKey: .grounding)
        try c.encode(valuesComparable, forKey: .valuesComparable)
        try c.encode(valuesAgreed, forKey: .valuesAgreed)
        try c.encode(valueAgreement, forKey: .valueAgreement)
    }
}
