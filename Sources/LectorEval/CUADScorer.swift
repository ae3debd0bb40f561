import LectorAnalysis

/// Scores analyses against CUAD's labels: first each contract and category on its own
/// (``CategoryOutcome``), then the sums per category and overall, with CUAD's curve figures.
///
/// For a contract and category: presence (the finding says present vs. the labels are non-empty); span
/// matching in CUAD's way (``SpanMatcher``) between the labelled spans and the predictions, the distinct
/// quotes of a present finding; the spans within the quote limits' reach (``QuoteReach``); value
/// agreement (``CUADValue``) and grounding. A category missing from an analysis counts as absent; a
/// failed contract (no analysis) counts as absent in every category: a miss wherever it is labelled.
public struct CUADScorer: Sendable {
    /// The Lector categories scored, in table order: CUAD categories only.
    public let categories: [FindingCategory]
    /// The quote limits reach is measured against (nil: none, every span reachable).
    public let reach: QuoteReach?

    /// A scorer for `categories` (a profile's; those without a CUAD name are left out) under the quote
    /// limits `reach`.
    public init(categories: [FindingCategory] = FindingCategory.cuadCategories, reach: QuoteReach? = nil) {
        self.categories = categories.filter { $0.cuadName != nil }
        self.reach = reach
    }

    /// One contract's outcomes: `findings` by category key, or nil when its analysis failed.
    public func score(_ contract: CUADContract, findings: [String: ScoredFinding]?) -> ContractScore {
        var outcomes: [String: CategoryOutcome] = [:]
        for category in categories {
            guard let label = contract.labels[category.key] else { continue }
            outcomes[category.key] = outcome(category: category.key, label: label, finding: findings?[category.key])
        }
        return ContractScore(file: contract.file, failed: findings == nil, outcomes: outcomes)
    }

    /// One contract and one category.
    public func outcome(category: String, label: CUADContract.Label, finding: ScoredFinding?) -> CategoryOutcome {
        let matcher = SpanMatcher(category: category)
        var outcome = CategoryOutcome()
        outcome.labelled = label.isPresent
        outcome.spans = label.spans.count
        outcome.reachable = reach?.reachable(label.spans, matcher: matcher) ?? label.spans.count
        let rule = CUADValue.rules[category]
        if let rule, CUADValue.isComparable(label, rule: rule) {
            outcome.valueComparable = true
            if let finding, finding.present, CUADValue.agrees(finding.value, with: label, rule: rule) {
                outcome.valueAgreed = true
            }
        }
        guard let finding, finding.present else { return outcome }
        outcome.predicted = true
        outcome.confidence = finding.confidence
        outcome.quotes = finding.quotes.count
        outcome.quotesVerified = finding.quotes.count(where: \.verified)
        for quote in finding.quotes { outcome.quotesByMatch[quote.match, default: 0] += 1 }
        // CUAD's predictions: distinct non-empty texts.
        var seen = Set<String>()
        let predictions = finding.quotes.map(\.text).filter { !$0.isEmpty && seen.insert($0).inserted }.map(
            SpanMatcher.Prepared.init)
        let labels = label.spans.map(SpanMatcher.Prepared.init)
        outcome.predictions = predictions.count
        outcome.matched = labels.count { label in predictions.contains { matcher.matches($0, label) } }
        outcome.unmatched = predictions.count { prediction in !labels.contains { matcher.matches(prediction, $0) } }
        return outcome
    }

    /// The scores per category (in ``categories`` order) and overall, summed over `contracts`; the curve
    /// figures from the outcomes' confidences. Every contract counts in every category (a category the
    /// labels lack should not be among ``categories``).
    public func summarize(_ contracts: [ContractScore]) -> (categories: [CategoryScore], overall: CategoryScore) {
        Self.summarize(contracts, categories: categories.map { ($0.key, $0.cuadName) })
    }

    /// The scores of `categories` (key and CUAD name) summed over `contracts`.
    public static func summarize(
        _ contracts: [ContractScore], categories: [(key: String, cuadName: String?)]
    ) -> (categories: [CategoryScore], overall: CategoryScore) {
        var scores: [CategoryScore] = []
        var overall = CategoryScore(category: "overall")
        var overallCurve = PrecisionRecallCurve.Counts()
        for category in categories {
            var score = CategoryScore(category: category.key, cuadName: category.cuadName)
            var curve = PrecisionRecallCurve.Counts()
            for contract in contracts {
                let outcome = contract[category.key]
                score.add(outcome, failed: contract.failed)
                overall.add(outcome, failed: contract.failed)
                curve.add(outcome)
            }
            score.setCurve(PrecisionRecallCurve(curve))
            overallCurve.add(curve)
            scores.append(score)
        }
        overall.setCurve(PrecisionRecallCurve(overallCurve))
        return (scores, overall)
    }

    /// Scores analysed contracts (`findings` by category) and failed ones (nil) in one go.
    public func score(_ documents: [(contract: CUADContract, findings: [String: ScoredFinding]?)]) -> (
        contracts: [ContractScore], categories: [CategoryScore], overall: CategoryScore
    ) {
        let contracts = documents.map { score($0.contract, findings: $0.findings) }
        let summary = summarize(contracts)
        return (contracts, summary.categories, summary.overall)
    }
}
