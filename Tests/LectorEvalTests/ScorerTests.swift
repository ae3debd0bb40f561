import Foundation
import LectorAnalysis
import LectorEval
import Testing

/// The scorer on hand-made cases, so that the numbers of a run can be trusted.
@Suite("CUAD scorer")
struct ScorerTests {
    /// Word sets with Jaccard exactly 1/2 match; just under does not.
    @Test(
        "Jaccard threshold",
        arguments: [
            // 2 shared of 4 words: exactly 0.5.
            ("Licensee shall", "licensee shall pay royalties", true),
            // 2 shared of 5 words: 0.4.
            ("Licensee shall", "licensee shall pay all royalties", false),
            // 5 shared of 10: exactly 0.5 again, with more words.
            ("a b c d e f g", "a b c d e h i j", true),
            // 5 shared of 11: just under.
            ("a b c d e f g", "a b c d e h i j k", false),
            // Case and . , ; : are ignored; / separates words.
            ("Governed by the Laws of New York.", "governed by the laws of new york", true),
            ("terms; conditions: apply, here", "terms conditions apply here", true),
            ("and/or", "and or", true),
            // Other punctuation counts: "(a)" is not "a".
            ("(a) b", "a b", false),
            ("", "anything", false),
        ])
    func jaccardThreshold(extracted: String, labelled: String, matches: Bool) {
        #expect(SpanMatcher().matches(extracted, labelled) == matches)
        #expect(SpanMatcher().matches(labelled, extracted) == matches)
    }

    @Test func jaccardValue() {
        #expect(SpanMatcher.jaccard("licensee shall", "licensee shall pay royalties") == 0.5)
        #expect(SpanMatcher.jaccard("the licensee shall", "licensee shall pay royalties") == 0.4)
        #expect(SpanMatcher.jaccard("a b", "a b") == 1)
    }

    /// For Parties a prediction that contains the label as written matches even when Jaccard is low; only
    /// that way round, and case and punctuation count (CUAD's `ans in pred`).
    @Test(
        "Parties rule: the label inside the prediction",
        arguments: [
            ("Intuit Inc. (\"Intuit\"), a Delaware corporation with offices in Mountain View", "Intuit Inc.", true),
            ("Stamps.com Inc., a Delaware corporation having its principal place of business", "Stamps.com", true),
            // The other way round: the prediction inside the label does not count (Jaccard 2/11).
            ("Intuit Inc.", "Intuit Inc. (\"Intuit\"), a Delaware corporation with offices in Mountain View", false),
            // Containment is literal: another case, or a missing full stop, is not contained.
            ("INTUIT INC., a Delaware corporation with offices in Mountain View", "Intuit Inc.", false),
            ("Intuit Inc, a Delaware corporation with offices in Mountain View", "Intuit Inc.", false),
            ("Intuit", "Stamps.com Inc.", false),
        ])
    func partiesContainment(prediction: String, label: String, matches: Bool) {
        #expect(SpanMatcher(category: "parties").matches(prediction, label) == matches)
    }

    @Test func containmentRuleIsOnlyForParties() {
        let prediction = "Intuit Inc. (\"Intuit\"), a Delaware corporation with offices in Mountain View"
        #expect(SpanMatcher(category: "parties").matches(prediction, "Intuit Inc."))
        #expect(!SpanMatcher(category: "governing_law").matches(prediction, "Intuit Inc."))
        #expect(!SpanMatcher(category: "document_name").matches(prediction, "Intuit Inc."))
    }

    @Test(
        "CUAD dates as ISO dates",
        arguments: [
            ("1/6/16", "2016-01-06"), ("8/24/18", "2018-08-24"), ("6/1/98", "1998-06-01"), ("10/13/99", "1999-10-13"),
            ("1/1/00", "2000-01-01"), ("12/31/2030", "2030-12-31"), ("[]/[]/2000", nil), ("[]/[]/20[]", nil),
            ("perpetual", nil), ("", nil), ("2/30/20", nil), ("13/1/20", nil),
        ] as [(String, String?)])
    func dates(answer: String, iso: String?) {
        #expect(CUADValue.isoDate(fromCUAD: answer) == iso)
    }

    @Test(
        "CUAD durations as ISO 8601 durations",
        arguments: [
            ("successive 1 year", "P1Y"), ("5 years", "P5Y"), ("5 year", "P5Y"), ("30 days", "P30D"), ("3 months", "P3M"),
            ("one year", "P1Y"), ("18 months", "P1Y6M"), ("2 weeks", "P14D"), ("perpetual", nil), ("", nil),
        ] as [(String, String?)])
    func durations(answer: String, iso: String?) {
        #expect(CUADValue.duration(fromCUAD: answer)?.description == iso)
    }

    @Test func isoDurationsCompareByLength() {
        #expect(CUADValue.DurationValue(iso8601: "P12M") == CUADValue.DurationValue(iso8601: "P1Y"))
        #expect(CUADValue.DurationValue(iso8601: "P2W") == CUADValue.DurationValue(iso8601: "P14D"))
        #expect(CUADValue.DurationValue(iso8601: "P1YT0H") == CUADValue.DurationValue(iso8601: "P1Y"))
        #expect(CUADValue.DurationValue(iso8601: "P30D") != CUADValue.DurationValue(iso8601: "P1M"))
        #expect(CUADValue.DurationValue(iso8601: "1 year") == nil)
        #expect(CUADValue.DurationValue(iso8601: "P") == nil)
        #expect(CUADValue.DurationValue(iso8601: "PT5H") == nil)
    }

    @Test(
        "value agreement",
        arguments: [
            ("agreement_date", "1/6/16", CUADValue.FindingValue(date: "2016-01-06"), true),
            ("agreement_date", "1/6/16", CUADValue.FindingValue(date: "2016-06-01"), false),
            ("agreement_date", "1/6/16", CUADValue.FindingValue(text: "January 6, 2016"), false),
            ("renewal_term", "successive 1 year", CUADValue.FindingValue(duration: "P12M"), true),
            ("renewal_term", "successive 1 year", CUADValue.FindingValue(duration: "P1M"), false),
            ("notice_period", "30 days", CUADValue.FindingValue(duration: "P30D"), true),
            ("governing_law", "New York", CUADValue.FindingValue(text: "the laws of the State of New York"), true),
            ("governing_law", "New York", CUADValue.FindingValue(text: "New Jersey"), false),
            ("governing_law", "England; Wales", CUADValue.FindingValue(text: "England and Wales"), true),
            ("governing_law", "England; Wales", CUADValue.FindingValue(text: "England"), false),
            ("parties", "Intuit Inc. (\"Intuit\"); Stamps.com Inc. (\"Client\")", CUADValue.FindingValue(text: "Intuit Inc.; Stamps.com Inc."), true),
            ("parties", "Intuit Inc. (\"Intuit\"); Stamps.com Inc. (\"Client\")", CUADValue.FindingValue(text: "Intuit"), true),
            ("parties", "Intuit Inc. (\"Intuit\"); Stamps.com Inc. (\"Client\")", CUADValue.FindingValue(text: "Intuit Inc.; Acme Corp"), false),
            ("parties", "Intuit Inc. (\"Intuit\"); Stamps.com Inc. (\"Client\")", CUADValue.FindingValue(text: nil), false),
        ])
    func agreement(category: String, answer: String, value: CUADValue.FindingValue, agrees: Bool) throws {
        let rule = try #require(CUADValue.rules[category])
        let label = CUADContract.Label(spans: ["x"], answer: answer)
        #expect(CUADValue.isComparable(label, rule: rule))
        #expect(CUADValue.agrees(value, with: label, rule: rule) == agrees)
    }

    @Test func answersWithoutAValueAreNotComparable() throws {
        for (category, answer) in [("agreement_date", "[]/[]/2000"), ("expiration_date", "perpetual"), ("renewal_term", "perpetual"), ("governing_law", "")] {
            let rule = try #require(CUADValue.rules[category])
            #expect(!CUADValue.isComparable(CUADContract.Label(spans: ["x"], answer: answer), rule: rule))
        }
    }

    /// Two contracts, three categories, every count checked by hand.
    @Test func scoresHandMadeContracts() throws {
        let law = "This Agreement shall be governed by the laws of the State of New York."
        let assignment = "Neither party may assign this Agreement without the prior written consent of the other party."
        let first = CUADContract(
            file: "a.pdf",
            labels: [
                "governing_law": .init(spans: [law], answer: "New York"),
                "anti_assignment": .init(spans: [assignment, "Any assignment in violation is void."], answer: "Yes"),
                // Empty labels: the clause is not in the contract.
                "renewal_term": .init(spans: [], answer: ""),
            ])
        let second = CUADContract(
            file: "b.pdf",
            labels: [
                "governing_law": .init(spans: [], answer: ""),
                "anti_assignment": .init(spans: [], answer: "No"),
                "renewal_term": .init(spans: ["renews for successive one year terms"], answer: "successive 1 year"),
            ])
        let findingsA: [String: ScoredFinding] = [
            "governing_law": .init(
                category: "governing_law", present: true, value: .init(text: "New York"),
                quotes: [.init(text: "governed by the laws of the State of New York", verified: true)], confidence: 0.9),
            "anti_assignment": .init(
                category: "anti_assignment", present: true,
                quotes: [
                    .init(text: "Neither party may assign this Agreement", verified: true),  // 6 of 13 words: no match
                    .init(text: "Any assignment in violation is void", verified: false),
                    // The same text twice is one prediction (CUAD's predictions are distinct texts).
                    .init(text: "Any assignment in violation is void", verified: false),
                ], confidence: 0.8),
            // A quote on an absent finding is not a prediction.
            "renewal_term": .init(category: "renewal_term", present: false, quotes: [.init(text: "x", verified: true)]),
        ]
        let findingsB: [String: ScoredFinding] = [
            // Present without a label: a presence false positive, and its quote a span false positive.
            "governing_law": .init(
                category: "governing_law", present: true, value: .init(text: "Delaware"),
                quotes: [.init(text: "Delaware law applies", verified: true)], confidence: 0.7),
            "anti_assignment": .init(category: "anti_assignment", present: false),
            // renewal_term is missing: counts as absent; its comparable value disagrees.
        ]
        let categories = ["governing_law", "renewal_term", "anti_assignment"].compactMap { FindingCategory.byKey[$0] }
        let result = CUADScorer(categories: categories).score([(first, findingsA), (second, findingsB)])
        let byKey = Dictionary(uniqueKeysWithValues: result.categories.map { ($0.category, $0) })

        let lawScore = try #require(byKey["governing_law"])
        #expect((lawScore.labelled, lawScore.predicted, lawScore.truePositives) == (1, 2, 1))
        #expect(lawScore.precision == 0.5 && lawScore.recall == 1)
        #expect(lawScore.f1 == 2.0 / 3.0)
        #expect((lawScore.labelledSpans, lawScore.spanTruePositives, lawScore.spanFalsePositives, lawScore.spanFalseNegatives) == (1, 1, 1, 0))
        #expect(lawScore.spanPrecision == 0.5 && lawScore.spanRecall == 1)
        #expect((lawScore.quotes, lawScore.predictions, lawScore.quotesVerified) == (2, 2, 2))
        #expect((lawScore.valuesComparable, lawScore.valuesAgreed) == (1, 1))

        let assignmentScore = try #require(byKey["anti_assignment"])
        #expect((assignmentScore.labelled, assignmentScore.predicted, assignmentScore.truePositives) == (1, 1, 1))
        // Labels: the first unmatched (FN), the second matched (TP); predictions: the first matches nothing (FP).
        #expect((assignmentScore.labelledSpans, assignmentScore.spanTruePositives) == (2, 1))
        #expect((assignmentScore.spanFalsePositives, assignmentScore.spanFalseNegatives) == (1, 1))
        #expect((assignmentScore.quotes, assignmentScore.predictions, assignmentScore.quotesVerified) == (3, 2, 1))
        #expect(assignmentScore.valueAgreement == nil)
        #expect(assignmentScore.grounding == 1.0 / 3.0)

        let renewal = try #require(byKey["renewal_term"])
        #expect((renewal.labelled, renewal.predicted, renewal.truePositives) == (1, 0, 0))
        #expect(renewal.precision == nil && renewal.recall == 0 && renewal.f1 == nil)
        #expect((renewal.quotes, renewal.labelledSpans, renewal.spanTruePositives, renewal.spanFalseNegatives) == (0, 1, 0, 1))
        #expect(renewal.spanPrecision == nil && renewal.spanRecall == 0)
        #expect((renewal.valuesComparable, renewal.valuesAgreed) == (1, 0))

        #expect((result.overall.labelled, result.overall.predicted, result.overall.truePositives) == (3, 3, 2))
        #expect(result.overall.f1 == 2.0 / 3.0)
        #expect((result.overall.spanTruePositives, result.overall.spanFalsePositives, result.overall.spanFalseNegatives) == (2, 2, 2))
        #expect(result.overall.spanPrecision == 0.5 && result.overall.spanRecall == 0.5 && result.overall.spanF1 == 0.5)
        #expect(result.categories.map(\.category) == ["governing_law", "renewal_term", "anti_assignment"])
        #expect(result.contracts.map(\.file) == ["a.pdf", "b.pdf"] && !result.contracts.contains(where: \.failed))
    }

    /// Runs stored before issue 19 (no per-contract outcomes, reach or curve; quotes matched instead of
    /// span false positives) still read, and compare on their stored figures, unaligned.
    @Test func runsStoredBeforeStillRead() throws {
        let score = """
            {"category": "governing_law", "cuad_name": "Governing Law", "documents": 2, "labelled": 1, "predicted": 2,
             "true_positives": 1, "labelled_spans": 1, "labelled_spans_matched": 1, "quotes": 3, "quotes_matched": 1,
             "quotes_verified": 2, "quotes_by_match": {"exact": 2}, "values_comparable": 1, "values_agreed": 1,
             "precision": 0.5, "recall": 1, "f1": 0.6667, "span_recall": 1, "span_precision": 0.3333}
            """
        let old = try JSONDecoder().decode(CategoryScore.self, from: Data(score.utf8))
        #expect((old.spanTruePositives, old.spanFalsePositives, old.predictions) == (1, 2, 3))
        #expect(old.reachableSpans == nil && old.unreachableShare == nil && old.aupr == nil && old.failed == 0)
        #expect(old.spanPrecision == 1.0 / 3.0 && old.f1 == 2.0 / 3.0)
        let run = """
            {"id": 3, "benchmark": "cuad", "labels": "cuad_labels.csv", "engine_host": "h", "model": "m", "engine_dialect": "vllm",
             "profile": "p", "prompt_version": "p/1", "reasoning_effort": "none", "documents": 2, "failures": [],
             "analysis_ids": [1, 2], "reused_analyses": 0, "tokens_in": 10, "tokens_out": 5,
             "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:01:00Z",
             "categories": [\(score)], "overall": \(score)}
            """
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let legacy = try decoder.decode(EvalRun.self, from: Data(run.utf8))
        #expect(legacy.contracts.isEmpty && legacy.selection == nil && legacy.quoteLimits == nil)
        let comparison = EvalComparison(before: legacy, after: legacy)
        #expect(!comparison.aligned && comparison.overall.isEmpty && comparison.rows.count == 2)
        #expect(EvalTable.render(comparison).contains("not aligned"))
        #expect(EvalReportHTML.render(legacy, intervals: []).contains("no curve: stored before per-contract outcomes were kept"))
    }

    /// A profile's own categories without a CUAD name are not scored.
    @Test func gdprCategoriesAreNotScored() {
        let scorer = CUADScorer(categories: FindingCategory.all)
        #expect(scorer.categories.count == 41)
        #expect(!scorer.categories.contains { $0.key == "gdpr_processing" })
    }
}
