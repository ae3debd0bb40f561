import LectorAnalysis

/// Scores analyses against CUAD's labels, per category and overall (counts summed over categories).
///
/// For each contract and category: presence (present vs. non-empty labels), span quality both ways
/// (``SpanMatcher``, quotes of present findings only), value agreement (``CUADValue``) and grounding.
/// A category missing from an analysis counts as not present.
public struct CUADScorer: Sendable {
    /// The Lector keys scored, in table order: CUAD categories only.
    public let categories: [FindingCategory]

    /// A scorer for `categories` (a profile's); those without a CUAD name are left out.
    public init(categories: [FindingCategory] = FindingCategory.cuadCategories) {
        self.categories = categories.filter { $0.cuadName != nil }
    }

    /// The scores of one analysed contract per element: its labels and its findings by category key.
    public func score(_ documents: [(contract: CUADContract, findings: [String: ScoredFinding])]) -> (
        categories: [CategoryScore], overall: CategoryScore
    ) {
        var scores: [CategoryScore] = []
        var overall = CategoryScore(category: "overall")
        for category in categories {
            var score = CategoryScore(category: category.key, cuadName: category.cuadName)
            let matcher = SpanMatcher(category: category.key)
            let rule = CUADValue.rules[category.key]
            for (contract, findings) in documents {
                guard let label = contract.labels[category.key] else { continue }
                let finding = findings[category.key]
                let present = finding?.present ?? false
                let quotes = present ? (finding?.quotes ?? []) : []
                score.documents += 1
                if label.isPresent { score.labelled += 1 }
                if present { score.predicted += 1 }
                if present && label.isPresent { score.truePositives += 1 }
                score.labelledSpans += label.spans.count
                score.labelledSpansMatched += label.spans.count { span in quotes.contains { matcher.matches($0.text, span) } }
                score.quotes += quotes.count
                score.quotesMatched += quotes.count { matcher.matchesAny($0.text, label.spans) }
                score.quotesVerified += quotes.count(where: \.verified)
                for quote in quotes { score.quotesByMatch[quote.match, default: 0] += 1 }
                if let rule, CUADValue.isComparable(label, rule: rule) {
                    score.valuesComparable += 1
                    if present, let finding, CUADValue.agrees(finding.value, with: label, rule: rule) {
                        score.valuesAgreed += 1
                    }
                }
            }
            overall.add(score)
            scores.append(score)
        }
        return (scores, overall)
    }
}
