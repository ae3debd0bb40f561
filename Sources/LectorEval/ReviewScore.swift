/// The model scored against reviewers' decisions, for one category or overall.
public struct ReviewScore: Sendable, Equatable, Codable {
    public var category: String
    /// Reviewed (document, category) pairs scored: those whose document's latest analysis has a finding
    /// of the category.
    public var decisions: Int
    /// Distinct documents among them.
    public var documents: Int
    /// Reviewed pairs not scored: no finding of the category in the latest analysis (of the profile).
    public var unscored: Int
    /// Presence, "present" being positive (unclear counts as not present, on either side).
    public var truePositives: Int
    public var falsePositives: Int
    public var falseNegatives: Int
    public var trueNegatives: Int
    /// Pairs both call present whose truth has a value, and how many of those values agree after
    /// normalisation (case, whitespace, punctuation).
    public var valuesComparable: Int
    public var valuesAgreed: Int

    /// TP / (TP + FP); nil when the model found nothing present.
    public var precision: Double? { Self.ratio(truePositives, truePositives + falsePositives) }
    /// TP / (TP + FN); nil when the reviewers found nothing present.
    public var recall: Double? { Self.ratio(truePositives, truePositives + falseNegatives) }
    /// Agreeing values / comparable values; nil without comparable values.
    public var valueAgreement: Double? { Self.ratio(valuesAgreed, valuesComparable) }

    static func ratio(_ part: Int, _ whole: Int) -> Double? { whole == 0 ? nil : Double(part) / Double(whole) }

    enum CodingKeys: String, CodingKey {
        case category, decisions, documents, unscored, precision, recall
        case truePositives = "true_positives", falsePositives = "false_positives", falseNegatives = "false_negatives"
        case trueNegatives = "true_negatives", valuesComparable = "values_comparable", valuesAgreed = "values_agreed"
        case valueAgreement = "value_agreement"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        category = try c.decode(String.self, forKey: .category)
        decisions = try c.decode(Int.self, forKey: .decisions)
        documents = try c.decode(Int.self, forKey: .documents)
        unscored = try c.decode(Int.self, forKey: .unscored)
        truePositives = try c.decode(Int.self, forKey: .truePositives)
        falsePositives = try c.decode(Int.self, forKey: .falsePositives)
        falseNegatives = try c.decode(Int.self, forKey: .falseNegatives)
        trueNegatives = try c.decode(Int.self, forKey: .trueNegatives)
        valuesComparable = try c.decode(Int.self, forKey: .valuesComparable)
        valuesAgreed = try c.decode(Int.self, forKey: .valuesAgreed)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(category, forKey: .category)
        try c.encode(decisions, forKey: .decisions)
        try c.encode(documents, forKey: .documents)
        try c.encode(unscored, forKey: .unscored)
        try c.encode(truePositives, forKey: .truePositives)
        try c.encode(falsePositives, forKey: .falsePositives)
        try c.encode(falseNegatives, forKey: .falseNegatives)
        try c.encode(trueNegatives, forKey: .trueNegatives)
        try c.encode(precision, forKey: .precision)
        try c.encode(recall, forKey: .recall)
        try c.encode(valuesComparable, forKey: .valuesComparable)
        try c.encode(valuesAgreed, forKey: .valuesAgreed)
        try c.encode(valueAgreement, forKey: .valueAgreement)
    }

    init(category: String) {
        self.category = category
        (decisions, documents, unscored, truePositives, falsePositives, falseNegatives, trueNegatives) = (0, 0, 0, 0, 0, 0, 0)
        (valuesComparable, valuesAgreed) = (0, 0)
    }
}
