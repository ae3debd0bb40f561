import Foundation
import LectorDB

/// One reviewed (document, category): the truth after its latest decision beside what the model says
/// in the document's latest analysis.
public struct ReviewedPair: Sendable, Equatable, Codable {
    public var documentID: Int64
    public var category: String
    /// The truth after the decision (`new`): `present`, `absent` or `unclear`, and the value.
    public var truthPresence: String
    public var truthValue: String?
    /// The model's finding of the category in the document's latest analysis (of the profile asked
    /// for); nil when that analysis has no finding of the category or there is no such analysis.
    public var modelPresence: String?
    public var modelValue: String?

    /// A pair.
    public init(
        documentID: Int64, category: String, truthPresence: String, truthValue: String?, modelPresence: String?,
        modelValue: String?
    ) {
        self.documentID = documentID
        self.category = category
        self.truthPresence = truthPresence
        self.truthValue = truthValue
        self.modelPresence = modelPresence
        self.modelValue = modelValue
    }

    enum CodingKeys: String, CodingKey {
        case documentID = "document_id", category, truthPresence = "truth_presence", truthValue = "truth_value"
        case modelPresence = "model_presence", modelValue = "model_value"
    }
}

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

/// `lector eval reviews`: the model's findings scored against the organisation's own reviewed truth.
public struct ReviewEvaluation: Sendable, Equatable, Codable {
    /// The profile whose analyses were scored; nil: each document's latest analysis, whatever its profile.
    public var profile: String?
    /// The tenant scored; nil: every tenant.
    public var tenant: String?
    /// Per category, by name.
    public var categories: [ReviewScore]
    /// All pairs together (category "overall").
    public var overall: ReviewScore

    /// Scores `pairs` (pure: no database). Each pair counts once in its category and once overall.
    public static func score(_ pairs: [ReviewedPair], profile: String? = nil, tenant: String? = nil) -> ReviewEvaluation {
        var byCategory: [String: ReviewScore] = [:]
        var documents: [String: Set<Int64>] = [:]
        var overall = ReviewScore(category: "overall")
        var overallDocuments: Set<Int64> = []
        for pair in pairs {
            var score = byCategory[pair.category] ?? ReviewScore(category: pair.category)
            guard let modelPresence = pair.modelPresence else {
                score.unscored += 1
                overall.unscored += 1
                byCategory[pair.category] = score
                continue
            }
            let truth = pair.truthPresence == "present"
            let model = modelPresence == "present"
            var comparable = false
            var agreed = false
            if truth, model, let value = pair.truthValue, !normalizedValue(value).isEmpty {
                comparable = true
                agreed = normalizedValue(value) == normalizedValue(pair.modelValue ?? "")
            }
            for index in 0..<2 {
                var target = index == 0 ? score : overall
                target.decisions += 1
                switch (truth, model) {
                case (true, true): target.truePositives += 1
                case (false, true): target.falsePositives += 1
                case (true, false): target.falseNegatives += 1
                case (false, false): target.trueNegatives += 1
                }
                if comparable {
                    target.valuesComparable += 1
                    if agreed { target.valuesAgreed += 1 }
                }
                if index == 0 { score = target } else { overall = target }
            }
            documents[pair.category, default: []].insert(pair.documentID)
            overallDocuments.insert(pair.documentID)
            byCategory[pair.category] = score
        }
        let categories = byCategory.keys.sorted().map { name -> ReviewScore in
            var score = byCategory[name]!
            score.documents = documents[name]?.count ?? 0
            return score
        }
        overall.documents = overallDocuments.count
        return ReviewEvaluation(profile: profile, tenant: tenant, categories: categories, overall: overall)
    }

    /// A value as compared: lower case, punctuation dropped, whitespace runs as one space, trimmed
    /// ("New York." and "new  york" agree; "24 months" and "25 months" do not).
    public static func normalizedValue(_ value: String) -> String {
        var out = ""
        var space = false
        for scalar in value.lowercased().unicodeScalars {
            if scalar.properties.isWhitespace {
                space = !out.isEmpty
            } else if CharacterSet.punctuationCharacters.contains(scalar) || CharacterSet.symbols.contains(scalar) {
                continue
            } else {
                if space { out.unicodeScalars.append(" ") }
                space = false
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether there was anything to score.
    public var isEmpty: Bool { overall.decisions == 0 && overall.unscored == 0 }

    /// A table for people.
    public func render() -> String {
        var lines: [String] = []
        let scope = "tenant \(tenant ?? "(all)"), profile \(profile ?? "(each document's latest analysis)")"
        lines.append("reviewed truth: \(scope)")
        lines.append(
            "\(overall.decisions) reviewed findings of \(overall.documents) documents scored"
                + (overall.unscored > 0 ? "; \(overall.unscored) not scored (no finding of the category in the latest analysis)" : ""))
        lines.append(
            "presence: precision \(EvalTable.percent(overall.precision, 1)), recall \(EvalTable.percent(overall.recall, 1)); "
                + "values agree \(overall.valuesAgreed)/\(overall.valuesComparable) (\(EvalTable.percent(overall.valueAgreement, 1)))")
        lines.append("")
        let header = [
            EvalTable.pad("CATEGORY", 32), EvalTable.lpad("DOCS", 5), EvalTable.lpad("REVIEWED", 9), EvalTable.lpad("TP", 4),
            EvalTable.lpad("FP", 4), EvalTable.lpad("FN", 4), EvalTable.lpad("TN", 4), EvalTable.lpad("PREC", 5),
            EvalTable.lpad("REC", 5), EvalTable.lpad("VALUE", 7), EvalTable.lpad("AGREE", 6),
        ]
        lines.append(header.joined(separator: " "))
        for score in categories + [overall] {
            let row = [
                EvalTable.pad(score.category, 32), EvalTable.lpad("\(score.documents)", 5), EvalTable.lpad("\(score.decisions)", 9),
                EvalTable.lpad("\(score.truePositives)", 4), EvalTable.lpad("\(score.falsePositives)", 4),
                EvalTable.lpad("\(score.falseNegatives)", 4), EvalTable.lpad("\(score.trueNegatives)", 4),
                EvalTable.lpad(EvalTable.ratio(score.precision), 5), EvalTable.lpad(EvalTable.ratio(score.recall), 5),
                EvalTable.lpad(score.valuesComparable == 0 ? "-" : "\(score.valuesAgreed)/\(score.valuesComparable)", 7),
                EvalTable.lpad(EvalTable.ratio(score.valueAgreement), 6),
            ]
            lines.append(row.joined(separator: " "))
        }
        lines.append("")
        lines.append("Truth: each document and category's latest decision (the value after it); the model: the finding of the")
        lines.append("category in the document's latest analysis. 'present' is positive; unclear counts as not present.")
        lines.append("VALUE: values that agree (case, whitespace and punctuation aside) / pairs both call present with a reviewed")
        lines.append("value. '-': undefined (nothing to divide by).")
        return lines.joined(separator: "\n")
    }
}

/// Reads reviewed truth beside the model's findings (`lector.latest_reviews`, `lector.analyses`,
/// `lector.findings`).
public struct ReviewTruthStore: Sendable {
    let database: PostgresClient

    /// A store on `database`.
    public init(database: PostgresClient) { self.database = database }

    /// Every (document, category) with a decision, of `tenant` when given, with the truth after its
    /// latest decision and the finding of that category in the document's latest analysis (of
    /// `profile` when given; none: model presence nil).
    public func pairs(profile: String? = nil, tenant: String? = nil) async throws -> [ReviewedPair] {
        let rows = try await database.query(
            """
            WITH latest AS (
                SELECT DISTINCT ON (a.document_id) a.id, a.document_id
                FROM lector.analyses a
                WHERE ($1::text IS NULL OR a.profile = $1) AND ($2::text IS NULL OR a.tenant = $2)
                ORDER BY a.document_id, a.finished_at DESC, a.id DESC
            )
            SELECT r.document_id, r.category, r.new ->> 'presence' AS truth_presence, r.new ->> 'value' AS truth_value,
                   f.presence AS model_presence, f.value AS model_value
            FROM lector.latest_reviews r
            LEFT JOIN latest l ON l.document_id = r.document_id
            LEFT JOIN lector.findings f ON f.analysis_id = l.id AND f.category = r.category
            WHERE ($2::text IS NULL OR r.tenant = $2)
            ORDER BY r.category, r.document_id
            """, profile, tenant)
        return try rows.map { row in
            ReviewedPair(
                documentID: try row.decode("document_id"), category: try row.decode("category"),
                truthPresence: try row.decode("truth_presence"), truthValue: try row.decode("truth_value", as: String?.self),
                modelPresence: try row.decode("model_presence", as: String?.self),
                modelValue: try row.decode("model_value", as: String?.self))
        }
    }
}
