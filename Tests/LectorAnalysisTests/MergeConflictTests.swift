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

    func absent(_ pages: ClosedRange<Int>, confidence: Double = 0.8) -> FindingsMerger.ChunkFindings {
        let answer = ModelAnswer(document: .init(), findings: ["renewal_term": .init(presence: .absent, confidence: confidence)])
        let findings = FindingsMerger.ground(answer, categories: Self.categories, verifier: QuoteVerifier(pages: samplePages))
        return FindingsMerger.ChunkFindings(pages: pages, document: answer.document, findings: findings)
    }

    static let invented = "renews automatically for successive five-year terms"

    @Test("the conflict is on the finding too, with both values kept")
    func valueConflictOnFinding() throws {
        let merged = FindingsMerger.merge(
            [chunk(1...3, renewal: "P1Y", quote: Self.verified, page: 3), chunk(3...4, renewal: "P2Y", quote: Self.verified, page: 3)],
            categories: Self.categories)
        let conflict = try #require(merged.findings.first?.conflict)
        #expect(conflict.kinds == [.value])
        #expect(conflict.sides.map(\.normalized?.duration) == ["P1Y", "P2Y"])
        #expect(conflict.sides.map(\.firstPage) == [1, 3])
        // Found on the overlap page by both chunks: one quote, not two.
        #expect(merged.findings.first?.quotes.count == 1)
    }

    @Test("verified evidence beats a chunk that read the same page and said absent: present, a presence conflict")
    func verifiedBeatsAbsent() throws {
        let merged = FindingsMerger.merge([absent(2...3), chunk(3...4, renewal: "P1Y", quote: Self.verified, page: 3)], categories: Self.categories)
        let finding = try #require(merged.findings.first)
        #expect(finding.presence == .present)
        #expect(finding.conflict?.kinds == [.presence])
        #expect(finding.conflict?.sides.map(\.presence) == [.absent, .present])
        #expect(merged.facts.conflicts == ["findings.renewal_term.presence"])

        // A chunk that never read page 3 does not contradict it.
        let elsewhere = FindingsMerger.merge([absent(1...2), chunk(3...4, renewal: "P1Y", quote: Self.verified, page: 3)], categories: Self.categories)
        #expect(elsewhere.findings.first?.presence == .present)
        #expect(elsewhere.findings.first?.conflict == nil)
        #expect(elsewhere.facts.conflicts.isEmpty)
    }

    @Test("an invented present loses to a chunk that read the same page and found nothing; both sides kept")
    func inventedLosesToAbsent() throws {
        let merged = FindingsMerger.merge(
            [chunk(3...4, renewal: "P5Y", quote: Self.invented, page: 4), absent(4...5, confidence: 0.6)], categories: Self.categories)
        let finding = try #require(merged.findings.first)
        #expect(finding.presence == .absent)
        #expect(finding.quotes.isEmpty)
        let conflict = try #require(finding.conflict)
        #expect(conflict.kinds == [.presence])
        let claim = try #require(conflict.sides.first { $0.presence == .present })
        #expect(claim.quotes.map(\.text) == [Self.invented])
        #expect(claim.verifiedQuotes == 0)
        #expect(merged.facts.conflicts == ["findings.renewal_term.presence"])
    }

    @Test("an unverified present nobody else could check stands, flagged; no conflict")
    func uncheckedClaimStands() throws {
        let merged = FindingsMerger.merge(
            [absent(1...2), chunk(3...4, renewal: "P5Y", quote: Self.invented, page: 4)], categories: Self.categories)
        let finding = try #require(merged.findings.first)
        #expect(finding.presence == .present)
        #expect(finding.conflict == nil)
        #expect(finding.flags.contains(.presentWithoutVerifiedQuote))
    }
}
