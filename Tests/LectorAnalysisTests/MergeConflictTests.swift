import LectorAnalysis
import Testing

/// Chunks that disagree: the merge keeps the best-supported answer and says that they disagreed.
@Suite("Merge conflicts")
struct MergeConflictTests {
    func chunk(_ pages: ClosedRange<Int>, renewal: String?, quote: String, page: Int) -> FindingsMerger.ChunkFindings {
        let answer = ModelAnswer(
            document: .init(),
            findings: [
                "renewal_term": .init(
                    presence: .present, normalized: NormalizedValue(duration: renewal), pages: [page],
                    quotes: [.init(page: page, text: quote)], confidence: 0.9)
            ])
        let categories = FindingCategory.all.filter { $0.key == "renewal_term" }
        let findings = FindingsMerger.ground(answer, categories: categories, verifier: QuoteVerifier(pages: samplePages))
        return FindingsMerger.ChunkFindings(pages: pages, document: answer.document, findings: findings)
    }

    static let verified = "renews automatically for successive one-year terms"
    static let categories = FindingCategory.all.filter { $0.key == "renewal_term" }

    @Test("two verified readings of different values are listed as a conflict; the same value twice is not")
    func valueConflict() {
        let one = chunk(1...3, renewal: "P1Y", quote: Self.verified, page: 3)
        let two = chunk(3...4, renewal: "P2Y", quote: Self.verified, page: 3)
        let merged = FindingsMerger.merge([one, two], categories: Self.categories)
        #expect(merged.facts.conflicts == ["findings.renewal_term.value"])
        #expect(merged.findings.first?.normalized.duration == "P1Y")

        let same = FindingsMerger.merge([one, chunk(3...4, renewal: "P1Y", quote: Self.verified, page: 3)], categories: Self.categories)
        #expect(same.facts.conflicts.isEmpty)
    }

    @Test("a value read without verified evidence does not make a conflict, and does not win")
    func unverifiedDoesNotConflict() {
        let verified = chunk(1...3, renewal: "P1Y", quote: Self.verified, page: 3)
        let invented = chunk(3...4, renewal: "P5Y", quote: "renews automatically for successive five-year terms", page: 4)
        let merged = FindingsMerger.merge([invented, verified], categories: Self.categories)
        #expect(merged.facts.conflicts.isEmpty)
        #expect(merged.findings.first?.normalized.duration == "P1Y")
    }
}
