import Foundation

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
