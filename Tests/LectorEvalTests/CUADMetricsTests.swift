import Foundation
import LectorAnalysis
import LectorEval
import Testing

/// CUAD's figures on cases small enough to compute by hand: span TP/FP/FN, the curve, AUPR, precision at
/// 80% and 90% recall, failures, the quote limits' reach, samples and bootstrap intervals. The README's
/// Evaluation section states each definition tested here.
@Suite("CUAD metrics on hand-computed cases")
struct CUADMetricsTests {
    static let categories = ["governing_law", "anti_assignment"].compactMap { FindingCategory.byKey[$0] }

    /// An outcome with `matched`/`unmatched` predictions at `confidence` against `spans` labels.
    static func outcome(spans: Int, matched: Int = 0, unmatched: Int = 0, confidence: Double? = nil) -> CategoryOutcome {
        var outcome = CategoryOutcome()
        outcome.spans = spans
        outcome.labelled = spans > 0
        outcome.reachable = spans
        if let confidence {
            outcome.predicted = true
            outcome.confidence = confidence
            outcome.matched = matched
            outcome.unmatched = unmatched
            outcome.predictions = matched + unmatched
        }
        return outcome
    }

    // MARK: Spans

    /// Labels A, B, C; predictions: one matching A, another also matching A, one matching nothing, and
    /// a repeat of the first. CUAD: TP 1 (A), FN 2 (B, C), FP 1 (the unmatched one); the second match of A
    /// is neither, and the repeat is the same prediction.
    @Test func spanCountsFollowCUAD() {
        let label = CUADContract.Label(
            spans: [
                "The Licensee shall pay royalties quarterly",
                "This Agreement may be terminated by either party on ninety days notice",
                "Audits may be conducted once per calendar year",
            ], answer: "Yes")
        let finding = ScoredFinding(
            category: "audit_rights", present: true,
            quotes: [
                .init(text: "Licensee shall pay royalties quarterly", verified: true),
                .init(text: "The Licensee shall pay royalties", verified: true),
                .init(text: "Payment is due within thirty days", verified: true),
                .init(text: "Licensee shall pay royalties quarterly", verified: true),
            ], confidence: 0.7)
        let outcome = CUADScorer().outcome(category: "audit_rights", label: label, finding: finding)
        #expect((outcome.spans, outcome.matched, outcome.missed, outcome.unmatched) == (3, 1, 2, 1))
        #expect((outcome.quotes, outcome.predictions) == (4, 3))
        var score = CategoryScore(category: "audit_rights")
        score.add(outcome, failed: false)
        #expect(score.spanPrecision == 0.5 && score.spanRecall == 1.0 / 3.0 && score.spanF1 == 0.4)
    }

    /// No labels: every prediction is a false positive (CUAD's empty-answer branch).
    @Test func predictionsWithoutLabelsAreFalsePositives() {
        let finding = ScoredFinding(
            category: "governing_law", present: true,
            quotes: [.init(text: "Delaware law applies", verified: true), .init(text: "New York courts", verified: true)],
            confidence: 0.9)
        let outcome = CUADScorer().outcome(category: "governing_law", label: .init(spans: [], answer: ""), finding: finding)
        #expect((outcome.labelled, outcome.predicted, outcome.matched, outcome.unmatched, outcome.spans) == (false, true, 0, 2, 0))
    }

    /// One prediction may match two labels that resemble each other: both are true positives.
    @Test func onePredictionCanMatchTwoLabels() {
        let label = CUADContract.Label(spans: ["a b c d", "a b c e"], answer: "")
        let finding = ScoredFinding(category: "audit_rights", present: true, quotes: [.init(text: "a b c", verified: true)], confidence: 0.5)
        let outcome = CUADScorer().outcome(category: "audit_rights", label: label, finding: finding)
        #expect((outcome.matched, outcome.unmatched) == (2, 0))
    }

    // MARK: Presence and failures

    /// A failed contract is absent everywhere: a miss for each labelled category, nothing predicted.
    @Test func failedContractsAreMisses() throws {
        let law = "This Agreement shall be governed by the laws of the State of New York."
        let analysed = CUADContract(
            file: "a.pdf",
            labels: ["governing_law": .init(spans: [law], answer: "New York"), "anti_assignment": .init(spans: [], answer: "")])
        let failed = CUADContract(
            file: "b.pdf",
            labels: [
                "governing_law": .init(spans: [law], answer: "New York"),
                "anti_assignment": .init(spans: ["No assignment without consent.", "Assignment in breach is void."], answer: "Yes"),
            ])
        let findings: [String: ScoredFinding] = [
            "governing_law": .init(
                category: "governing_law", present: true, quotes: [.init(text: law, verified: true)], confidence: 0.9),
            "anti_assignment": .init(category: "anti_assignment", present: false),
        ]
        let result = CUADScorer(categories: Self.categories).score([(analysed, findings), (failed, nil)])
        #expect(result.contracts.map(\.failed) == [false, true])
        let law1 = try #require(result.categories.first { $0.category == "governing_law" })
        // Presence: 2 labelled, 1 found: precision 1, recall 1/2, F1 2/3. Spans: 1 of 2.
        #expect((law1.documents, law1.failed, law1.labelled, law1.predicted, law1.truePositives) == (2, 1, 2, 1, 1))
        #expect(law1.precision == 1 && law1.recall == 0.5 && law1.f1 == 2.0 / 3.0)
        #expect((law1.spanTruePositives, law1.spanFalseNegatives, law1.spanFalsePositives) == (1, 1, 0))
        let assignment = try #require(result.categories.first { $0.category == "anti_assignment" })
        #expect((assignment.labelled, assignment.predicted, assignment.recall, assignment.spanFalseNegatives) == (1, 0, 0, 2))
        // Overall: 3 labelled pairs, 1 found; 4 labelled spans, 1 matched; AUPR = recall 1/4 at precision 1.
        #expect((result.overall.labelled, result.overall.truePositives, result.overall.labelledSpans) == (3, 1, 4))
        #expect(result.overall.f1 == 0.5 && result.overall.spanRecall == 0.25 && result.overall.aupr == 0.25)
    }

    // MARK: The curve

    /// NumPy's `arange(0.99, 0, -0.01)` then 0.001 and 0: 101 thresholds, with NumPy's rounding.
    @Test func thresholdsAreNumPys() {
        let thresholds = PrecisionRecallCurve.thresholds
        #expect(thresholds.count == 101)
        #expect(thresholds[0] == 0.99 && thresholds[1] == 0.98)
        #expect(thresholds[9] == 0.8999999999999999 && thresholds[49] == 0.49999999999999956)
        #expect(thresholds[98] == 0.00999999999999912)
        #expect(thresholds[99] == 0.001 && thresholds[100] == 0)
        // So a confidence of exactly 0.9 is kept at the tenth threshold already, like 0.905.
        var at090 = PrecisionRecallCurve.Counts()
        at090.add(Self.outcome(spans: 1, matched: 1, confidence: 0.9))
        var at0905 = PrecisionRecallCurve.Counts()
        at0905.add(Self.outcome(spans: 1, matched: 1, confidence: 0.905))
        #expect(at090 == at0905 && at090.truePositives[8] == 0 && at090.truePositives[9] == 1)
    }

    /// 4 labelled spans. Confidence 0.905: 2 matched; confidence 0.555: 1 matched and 1 not.
    /// Above 0.905 nothing is kept; from threshold 0.90: P 1, R 1/2; from 0.55: P 3/4, R 3/4.
    /// AUPR = 1/2 × 1 + 1/4 × (1 + 3/4)/2 = 0.71875; precision at 80% recall: recall never gets there.
    @Test func auprOfTwoSteps() throws {
        let curve = PrecisionRecallCurve(outcomes: [
            Self.outcome(spans: 2, matched: 2, confidence: 0.905), Self.outcome(spans: 2, matched: 1, unmatched: 1, confidence: 0.555),
        ])
        let aupr = try #require(curve.aupr)
        #expect(abs(aupr - 0.71875) < 1e-12)
        #expect(curve.precision(atRecall: 0.8) == 0 && curve.precision(atRecall: 0.9) == 0)
        #expect(curve.precision(atRecall: 0.5) == 1 && curve.precision(atRecall: 0.75) == 0.75)
        #expect(curve.points.count == 102 && curve.points[0].precision == 1 && curve.points[0].recall == 0)
        // Above 0.905 nothing is kept: precision undefined, interpolated from the next kept point.
        #expect(curve.points[1].precision == nil && curve.points[1].interpolatedPrecision == 1)
        #expect(curve.points[10].precision == 1 && curve.points[10].recall == 0.5)
        #expect(curve.points[101].precision == 0.75 && curve.points[101].recall == 0.75)
    }

    /// A false positive at a high confidence: precision 0 at recall 0 first, then 2/3 at recall 1; the
    /// interpolation lifts the early point to 2/3, so AUPR = 2/3 and precision at 80% and 90% recall 2/3.
    @Test func interpolationLiftsEarlyPoints() throws {
        let curve = PrecisionRecallCurve(outcomes: [
            Self.outcome(spans: 0, unmatched: 1, confidence: 0.95), Self.outcome(spans: 2, matched: 2, confidence: 0.5),
        ])
        let aupr = try #require(curve.aupr)
        #expect(abs(aupr - 2.0 / 3.0) < 1e-12)
        #expect(curve.precision(atRecall: 0.8) == 2.0 / 3.0 && curve.precision(atRecall: 0.9) == 2.0 / 3.0)
        #expect(curve.points[6].precision == 0 && curve.points[6].interpolatedPrecision == 2.0 / 3.0)
        #expect(curve.points[0].interpolatedPrecision == 1)
    }

    /// Perfect predictions at one confidence: AUPR 1, precision 1 at 80% and 90% recall.
    @Test func perfectPredictions() {
        let curve = PrecisionRecallCurve(outcomes: [Self.outcome(spans: 3, matched: 3, confidence: 0.9)])
        #expect(curve.aupr == 1 && curve.precision(atRecall: 0.8) == 1 && curve.precision(atRecall: 0.9) == 1)
    }

    /// Perfect but capped: 3 of 4 spans matched. Precision is 1 up to recall 3/4, so AUPR = 3/4 and the
    /// recall of 80% is never reached: precision 0 there.
    @Test func cappedRecallCapsAUPR() {
        let curve = PrecisionRecallCurve(outcomes: [Self.outcome(spans: 4, matched: 3, confidence: 0.9)])
        #expect(curve.aupr == 0.75 && curve.precision(atRecall: 0.8) == 0)
    }

    /// Nothing predicted: every precision undefined, so CUAD's AUPR is 0, as is precision at any recall.
    /// No labelled span at all: recall undefined, Lector leaves the figures undefined (CUAD says 0).
    @Test func emptyCases() {
        let nothing = PrecisionRecallCurve(outcomes: [Self.outcome(spans: 2)])
        #expect(nothing.aupr == 0 && nothing.precision(atRecall: 0.8) == 0)
        #expect(nothing.points.allSatisfy { $0.interpolatedPrecision == nil })
        let unlabelled = PrecisionRecallCurve(outcomes: [Self.outcome(spans: 0, unmatched: 1, confidence: 0.9)])
        #expect(unlabelled.aupr == nil && unlabelled.precision(atRecall: 0.8) == nil)
    }

    /// A prediction kept only at threshold 0 (confidence 0.0005) counts in the area but not for precision
    /// at a recall: CUAD's script pairs points with thresholds and so never looks at the last point.
    @Test func lastPointIsNotUsedForPrecisionAtRecall() {
        let curve = PrecisionRecallCurve(outcomes: [Self.outcome(spans: 1, matched: 1, confidence: 0.0005)])
        #expect(curve.aupr == 1)
        #expect(curve.precision(atRecall: 0.8) == 0)
        // A confidence of 0 (or none) is never above a threshold: not on the curve at all.
        let zero = PrecisionRecallCurve(outcomes: [Self.outcome(spans: 1, matched: 1, confidence: 0)])
        #expect(zero.aupr == 0)
    }

    // MARK: Reach

    /// Six distinct spans, four quotes allowed: four reachable, and the quotes are the first four spans.
    @Test func quoteCountCapsReach() {
        let spans = (1...6).map { "s\($0)a s\($0)b s\($0)c s\($0)d" }  // no two share a word
        let reach = QuoteReach(maxQuotes: 4, maxQuoteLength: 600)
        let best = reach.bestQuotes(for: spans, matcher: SpanMatcher())
        #expect(best.reached == 4 && best.quotes == Array(spans.prefix(4)))
        var score = CategoryScore(category: "x")
        var outcome = Self.outcome(spans: 6)
        outcome.reachable = best.reached
        score.add(outcome, failed: false)
        #expect(score.unreachableShare == 2.0 / 6.0)
    }

    /// A span longer than the limit is reachable when a window of whole words within the limit holds at
    /// least half its distinct words. Ten distinct 4-letter words ("w000" ...) joined by spaces: 49
    /// characters; a window of 5 words is 24 characters and matches (5/10), one of 4 words (19) does not.
    @Test func quoteLengthCapsReach() {
        let span = (0..<10).map { String(format: "w%03d", $0) }.joined(separator: " ")
        #expect(span.count == 49)
        let fits = QuoteReach(maxQuotes: 4, maxQuoteLength: 24).quotable(span, matcher: SpanMatcher())
        #expect(fits == "w000 w001 w002 w003 w004")
        #expect(QuoteReach(maxQuotes: 4, maxQuoteLength: 23).quotable(span, matcher: SpanMatcher()) == nil)
        #expect(QuoteReach(maxQuotes: 4, maxQuoteLength: 23).reachable([span], matcher: SpanMatcher()) == 0)
        // The best window, not the first: repeated words early make a later window better (5 of 6 words).
        let repeats = "a a a a b c d e f"
        #expect(QuoteReach(maxQuotes: 1, maxQuoteLength: 9).quotable(repeats, matcher: SpanMatcher()) == "a b c d e")
    }

    /// Two labels alike enough that one quote matches both: two quotes reach three of four spans.
    @Test func oneQuoteCanReachTwoSpans() {
        let spans = ["a b c d", "x y z w", "a b c e", "p q r s"]
        let best = QuoteReach(maxQuotes: 2, maxQuoteLength: 600).bestQuotes(for: spans, matcher: SpanMatcher())
        #expect(best.reached == 3 && best.quotes == ["a b c d", "x y z w"])
    }

    // MARK: Samples and bootstrap

    /// SplitMix64's published first output for seed 0, and bounded draws within their range.
    @Test func generatorIsSplitMix64() {
        var generator = SeededGenerator(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        var draws = SeededGenerator(seed: 5)
        #expect((0..<1000).allSatisfy { _ in (0..<7).contains(draws.below(7)) })
    }

    @Test func quantileInterpolates() {
        #expect(Bootstrap.quantile([1, 2, 3, 4], 0.25) == 1.75)
        #expect(Bootstrap.quantile([1, 2, 3, 4], 0.975) == 3.925)
        #expect(Bootstrap.quantile([5], 0.025) == 5)
        #expect(Bootstrap.quantile([], 0.5) == nil)
    }

    /// Identical contracts: every resample is the sample itself, so each interval is the point.
    @Test func identicalContractsGiveZeroWidthIntervals() throws {
        let contract = ContractScore(
            file: "a.pdf",
            outcomes: ["governing_law": Self.outcome(spans: 2, matched: 1, unmatched: 1, confidence: 0.9)])
        let contracts = (0..<5).map { index in
            var copy = contract
            copy.file = "\(index).pdf"
            return copy
        }
        let intervals = Bootstrap(resamples: 200, seed: 3).intervals(contracts, categories: ["governing_law"])
        let f1 = try #require(intervals.estimate("f1", category: "governing_law"))
        #expect(f1.value == 1 && f1.lower == 1 && f1.upper == 1 && f1.defined == 200)
        let spanRecall = try #require(intervals.estimate("span_recall"))
        #expect(spanRecall.value == 0.5 && spanRecall.lower == 0.5 && spanRecall.upper == 0.5)
        let paired = Bootstrap(resamples: 200, seed: 3).compare(before: contracts, after: contracts, categories: ["governing_law"])
        #expect(paired.allSatisfy { ($0.value == nil || $0.value == 0) && ($0.lower == nil || ($0.lower == 0 && $0.upper == 0)) })
    }

    /// 20 contracts, each labelled once: before finds 10, after all 20. F1 goes from 2/3 to 1; the
    /// paired interval of the change excludes 0, the same seed gives the same interval.
    @Test func pairedDifferenceExcludesZeroWhenEveryContractImproves() throws {
        let before = (0..<20).map { index in
            ContractScore(
                file: "\(index).pdf",
                outcomes: ["governing_law": index < 10 ? Self.outcome(spans: 1, matched: 1, confidence: 0.9) : Self.outcome(spans: 1)])
        }
        let after = (0..<20).map {
            ContractScore(file: "\($0).pdf", outcomes: ["governing_law": Self.outcome(spans: 1, matched: 1, confidence: 0.9)])
        }
        let estimates = Bootstrap(resamples: 500, seed: 11).compare(before: before, after: after, categories: ["governing_law"])
        let f1 = try #require(estimates.estimate("f1", category: "governing_law"))
        let change = try #require(f1.value)
        #expect(abs(change - 1.0 / 3.0) < 1e-12 && f1.excludesZero && (f1.lower ?? 0) > 0 && (f1.upper ?? 1) < 2.0 / 3.0)
        let again = Bootstrap(resamples: 500, seed: 11).compare(before: before, after: after, categories: ["governing_law"])
        #expect(again == estimates)
    }

    /// A seeded sample: the same seed gives the same contracts whatever order the labels list them in;
    /// a split narrows the choice first; bad splits are one-line errors.
    @Test func samplesAndSplits() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lector-sample-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = (0..<30).map { String(format: "c%02d.pdf", $0) }
        for file in files.prefix(29) { try Data("%PDF".utf8).write(to: folder.appendingPathComponent(file)) }
        let contracts = files.map { CUADContract(file: $0, labels: [:]) }
        let labels = CUADLabels(contracts: contracts, categoryNames: [])
        let reversed = CUADLabels(contracts: contracts.reversed(), categoryNames: [])

        let sample = try ContractSelection(sample: 10, seed: 7).choose(from: labels, pdfFolder: folder)
        #expect(sample.contracts.count == 10 && sample.record.available == 29 && sample.record.chosen == 10)
        #expect(sample.contracts.map(\.file) == sample.contracts.map(\.file).sorted())
        #expect(try ContractSelection(sample: 10, seed: 7).choose(from: reversed, pdfFolder: folder).contracts == sample.contracts)
        #expect(try ContractSelection(sample: 10, seed: 8).choose(from: labels, pdfFolder: folder).contracts != sample.contracts)
        #expect(!sample.contracts.contains { $0.file == "c29.pdf" })  // no PDF
        #expect(sample.record.summary == "a random sample of 10 of 29 contracts (seed 7)")

        let split = folder.appendingPathComponent("test.txt")
        try "# held out\nc03.pdf\nc05.pdf\n\nc07.pdf\nc05.pdf\n".write(to: split, atomically: true, encoding: .utf8)
        let chosen = try ContractSelection(split: split).choose(from: labels, pdfFolder: folder)
        #expect(chosen.contracts.map(\.file) == ["c03.pdf", "c05.pdf", "c07.pdf"])
        #expect(chosen.record.split == "test.txt" && chosen.record.splitContracts == 3)
        let sampledSplit = try ContractSelection(split: split, sample: 2, seed: 1).choose(from: labels, pdfFolder: folder)
        #expect(sampledSplit.contracts.count == 2 && sampledSplit.record.available == 3)

        try "c03.pdf\nnot-a-contract.pdf\n".write(to: split, atomically: true, encoding: .utf8)
        #expect(throws: EvalError.self) { try ContractSelection(split: split).choose(from: labels, pdfFolder: folder) }
        do {
            _ = try ContractSelection(split: split).choose(from: labels, pdfFolder: folder)
        } catch {
            #expect(error.code == "eval.split" && error.description == "test.txt: 1 names are not labelled contracts: not-a-contract.pdf")
        }
        try "c29.pdf\n".write(to: split, atomically: true, encoding: .utf8)
        do {
            _ = try ContractSelection(split: split).choose(from: labels, pdfFolder: folder)
            Issue.record("a split naming a contract without a PDF was accepted")
        } catch {
            #expect(error.code == "eval.split" && error.description.contains("have no PDF"))
        }
        do {
            _ = try ContractSelection(sample: 0).choose(from: labels, pdfFolder: folder)
            Issue.record("a sample of 0 was accepted")
        } catch {
            #expect(error.code == "eval.selection")
        }
    }
}
