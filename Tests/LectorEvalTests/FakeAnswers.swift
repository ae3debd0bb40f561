import Foundation
import LectorAnalysis
import LectorEngine
import LectorEval

/// Answers made from CUAD's labels, for a fake engine (or straight for the scorer), and the perturbation
/// whose effect on every figure the tests compute by hand.
enum FakeAnswers {
    /// Every CUAD category under `limits`.
    static func profile(_ name: String, limits: FindingsSchema.OutputLimits) -> AnalysisProfile {
        AnalysisProfile(
            name: name, promptVersion: "\(name)/1", categories: FindingCategory.cuadCategories, reasoningEffort: .off,
            imagePolicy: .none, maxOutputTokens: 4096, marginTokens: 256, limits: limits)
    }

    /// Limits no CUAD span reaches (60 quotes of 20,000 characters): every labelled span is quotable.
    static let uncapped = FindingsSchema.OutputLimits(maxQuotes: 60, maxQuoteLength: 20_000, maxValueLength: 4000, maxParties: 8)
    /// The quote limits of the shipped contract-review profile: 4 quotes of 600 characters.
    static let capped = FindingsSchema.OutputLimits(maxQuotes: 4, maxQuoteLength: 600, maxValueLength: 4000, maxParties: 8)

    static let bogusQuote = "This sentence was made up by the evaluation test and is in no contract."

    /// What the fake says for one contract and category.
    enum Answer: Equatable {
        /// Present exactly when labelled, quoting what a perfect answer within the limits quotes
        /// (``QuoteReach/bestQuotes(for:matcher:)``), with the normalised CUAD answer as value.
        case right(confidence: Double)
        /// Absent, whatever the labels.
        case absent
        /// Present with one quote found nowhere.
        case bogus(confidence: Double)
    }

    /// A plan for every contract (by its index in file name order) and category; nil: the engine refuses
    /// the contract, so its job fails.
    typealias Plan = @Sendable (_ index: Int, _ contract: CUADContract, _ category: String) -> Answer?

    static let perfect: Plan = { _, _, _ in .right(confidence: 0.9) }

    /// The perturbation: contract 0 fails; every fourth from 1 loses its first labelled category (answered
    /// absent); every fourth from 2 gets a made-up quote at confidence 0.95 in its first unlabelled
    /// category; every fourth from 3 is right at confidence 0.5; the rest right at 0.9.
    static let perturbed: Plan = { index, contract, category in
        if index == 0 { return nil }
        let keys = FindingCategory.cuadCategories.map(\.key)
        switch index % 4 {
        case 1 where keys.first { contract.labels[$0]?.isPresent == true } == category: return .absent
        case 2 where keys.first { contract.labels[$0]?.isPresent == false } == category: return .bogus(confidence: 0.95)
        case 3: return .right(confidence: 0.5)
        default: return .right(confidence: 0.9)
        }
    }

    /// The value a right answer gives: CUAD's answer as text, normalised where Lector compares it.
    static func value(_ label: CUADContract.Label, category: FindingCategory) -> CUADValue.FindingValue {
        switch CUADValue.rules[category.key] {
        case .date: CUADValue.FindingValue(text: label.answer, date: CUADValue.isoDate(fromCUAD: label.answer))
        case .duration: CUADValue.FindingValue(text: label.answer, duration: CUADValue.duration(fromCUAD: label.answer)?.description)
        case .governingLaw: CUADValue.FindingValue(text: label.answer)
        case .parties: CUADValue.FindingValue(text: label.spans.joined(separator: "; "))
        case nil: CUADValue.FindingValue()
        }
    }

    /// What a request asks for, read from its JSON schema: the categories (the analyzer splits many
    /// categories over several requests) and whether the document facts are wanted (the first request's).
    static func asked(_ request: JSONValue?) -> (categories: [String], document: Bool)? {
        guard let schema = request?["response_format"]?["json_schema"]?["schema"]?["properties"],
            let findings = schema["findings"]?["properties"]?.objectValue
        else { return nil }
        return (findings.keys.sorted(), schema["document"] != nil)
    }

    /// The model's JSON answer for a contract, nil when the plan fails it.
    static func answer(
        index: Int, contract: CUADContract, categories: [FindingCategory], limits: FindingsSchema.OutputLimits, plan: Plan,
        document: Bool = true
    ) -> String? {
        let reach = QuoteReach(limits)
        var findings: [String: JSONValue] = [:]
        for category in categories {
            guard let planned = plan(index, contract, category.key) else { return nil }
            let label = contract.labels[category.key] ?? .init(spans: [], answer: "")
            var present = false
            var quotes: [String] = []
            var confidence = 0.9
            var value: JSONValue = .null
            var normalized: JSONValue = .null
            switch planned {
            case .absent: break
            case .bogus(let c):
                present = true
                quotes = [bogusQuote]
                confidence = c
            case .right(let c):
                confidence = c
                present = label.isPresent
                guard present else { break }
                quotes = reach.bestQuotes(for: label.spans, matcher: SpanMatcher(category: category.key)).quotes
                let answered = Self.value(label, category: category)
                value = answered.text.map(JSONValue.string) ?? .null
                if let date = answered.date {
                    normalized = ["date": .string(date)]
                } else if let duration = answered.duration {
                    normalized = ["duration": .string(duration)]
                } else if CUADValue.rules[category.key] == nil, category.kind == .boolean {
                    normalized = ["boolean": true]
                }
            }
            findings[category.key] = [
                "presence": .string(present ? "present" : "absent"), "value": value, "normalized": normalized,
                "pages": .array(present ? [.number(1)] : []), "quotes": .array(quotes.map { ["page": 1, "text": .string($0)] }),
                "confidence": .number(confidence), "risk": "low", "risk_rationale": .null,
            ]
        }
        var answer: [String: JSONValue] = ["findings": .object(findings)]
        if document {
            answer["document"] = [
                "title": .null, "type": .null, "parties": [], "governing_law": .null, "currency": .null, "total_value": .null,
            ]
        }
        return JSONValue.object(answer).jsonText
    }

    /// The same answers as the scorer's findings (no grounding), nil for a failed contract.
    static func findings(
        index: Int, contract: CUADContract, categories: [FindingCategory], limits: FindingsSchema.OutputLimits, plan: Plan
    ) -> [String: ScoredFinding]? {
        let reach = QuoteReach(limits)
        var findings: [String: ScoredFinding] = [:]
        for category in categories {
            guard let planned = plan(index, contract, category.key) else { return nil }
            let label = contract.labels[category.key] ?? .init(spans: [], answer: "")
            switch planned {
            case .absent:
                findings[category.key] = ScoredFinding(category: category.key, present: false, confidence: 0.9)
            case .bogus(let confidence):
                findings[category.key] = ScoredFinding(
                    category: category.key, present: true, quotes: [.init(text: bogusQuote, verified: false)], confidence: confidence)
            case .right(let confidence):
                let quotes =
                    label.isPresent ? reach.bestQuotes(for: label.spans, matcher: SpanMatcher(category: category.key)).quotes : []
                findings[category.key] = ScoredFinding(
                    category: category.key, present: label.isPresent, value: label.isPresent ? Self.value(label, category: category) : .init(),
                    quotes: quotes.map { .init(text: $0, verified: true) }, confidence: confidence)
            }
        }
        return findings
    }

    /// The figures the perturbation must give, computed from the labels alone: presence, spans, and the
    /// curve. Above 0.95 nothing is kept; from 0.95 the made-up quotes alone (precision 0, recall 0); from
    /// 0.9 also the spans answered at 0.9 (`a`); below 0.5 also those at 0.5 (`b`). Precision at the last
    /// point, (a + b) / (a + b + f), exceeds a / (a + f), so interpolation lifts every earlier point to it:
    /// AUPR = (a + b) / S × (a + b) / (a + b + f), and precision at 80% (90%) recall is that precision when
    /// (a + b) / S reaches 80% (90%), else 0.
    struct Expected {
        var labelled = 0, missedPairs = 0, falsePositivePairs = 0
        var spans = 0, missedSpans = 0, bogusQuotes = 0
        var spansAt09 = 0, spansAt05 = 0
        var failures: [String] = []

        var truePositives: Int { labelled - missedPairs }
        var precision: Double { Double(truePositives) / Double(truePositives + falsePositivePairs) }
        var recall: Double { Double(truePositives) / Double(labelled) }
        var f1: Double { Double(2 * truePositives) / Double(2 * truePositives + falsePositivePairs + missedPairs) }
        var spanRecall: Double { Double(spans - missedSpans) / Double(spans) }
        var finalPrecision: Double { Double(spansAt09 + spansAt05) / Double(spansAt09 + spansAt05 + bogusQuotes) }
        var aupr: Double { spanRecall * finalPrecision }
        func precision(atRecall recall: Double) -> Double { spanRecall >= recall ? finalPrecision : 0 }
    }

    static func expectedPerturbed(_ contracts: [CUADContract]) -> Expected {
        var expected = Expected()
        let keys = FindingCategory.cuadCategories.map(\.key)
        for (index, contract) in contracts.enumerated() {
            let failed = perturbed(index, contract, keys[0]) == nil
            if failed { expected.failures.append(contract.file) }
            for key in keys {
                let label = contract.labels[key] ?? .init(spans: [], answer: "")
                expected.spans += label.spans.count
                if label.isPresent { expected.labelled += 1 }
                switch failed ? .absent : perturbed(index, contract, key)! {
                case .absent:
                    if label.isPresent {
                        expected.missedPairs += 1
                        expected.missedSpans += label.spans.count
                    }
                case .bogus:
                    expected.falsePositivePairs += 1
                    expected.bogusQuotes += 1
                case .right(let confidence):
                    if confidence == 0.5 { expected.spansAt05 += label.spans.count } else { expected.spansAt09 += label.spans.count }
                }
            }
        }
        return expected
    }
}
