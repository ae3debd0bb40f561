import Foundation

/// Combines the grounded answers of several requests (page-range chunks) into one set of findings.
///
/// Per category the best-supported answer wins: present with verified quotes, then present without,
/// then unclear, then absent; more verified quotes and then higher confidence break ties. Quotes from
/// other chunks that also found the clause are added, duplicates removed. Document facts take the first
/// chunk's value that is set; a later different value is recorded as a conflict, and so is a category
/// whose verified findings read different normalised values (`findings.KEY.value`).
public enum FindingsMerger {
    /// One request's grounded answer.
    public struct ChunkFindings: Sendable {
        /// The pages the request showed.
        public var pages: ClosedRange<Int>
        /// The document facts as the model gave them.
        public var document: ModelAnswer.Document
        /// The findings, quotes verified.
        public var findings: [Finding]

        public init(pages: ClosedRange<Int>, document: ModelAnswer.Document, findings: [Finding]) {
            self.pages = pages
            self.document = document
            self.findings = findings
        }
    }

    /// Turns one answer into findings, verifying each quote against the whole document.
    public static func ground(_ answer: ModelAnswer, categories: [FindingCategory], verifier: QuoteVerifier) -> [Finding] {
        categories.compactMap { category in
            guard let raw = answer.findings[category.key] else { return nil }
            let quotes = raw.quotes.map { verifier.verify($0.text, page: $0.page) }
            var pages = Set(raw.pages)
            for quote in quotes {
                if let from = quote.pageCorrectedFrom { pages.remove(from) }
                if quote.verified { pages.formUnion(quote.locations.map(\.page)) }
            }
            return Finding(
                category: category.key, presence: raw.presence, value: raw.value,
                normalized: raw.normalized ?? NormalizedValue(), pages: pages.sorted(), quotes: quotes,
                confidence: raw.confidence, risk: raw.risk, riskRationale: raw.riskRationale)
        }
    }

    /// How well `finding` is supported, for choosing between chunks.
    static func support(_ finding: Finding) -> (Int, Int, Double) {
        switch finding.presence {
        case .present: (finding.verifiedQuoteCount > 0 ? 3 : 2, finding.verifiedQuoteCount, finding.confidence)
        case .unclear: (1, 0, finding.confidence)
        case .absent: (0, 0, finding.confidence)
        }
    }

    /// Merges the chunks' findings, in table order, and flags what contradicts itself in each
    /// (``Finding/assessGrounding()``) once its quotes are final.
    public static func merge(_ chunks: [ChunkFindings], categories: [FindingCategory]) -> (facts: DocumentFacts, findings: [Finding]) {
        let ordered = chunks.sorted { $0.pages.lowerBound < $1.pages.lowerBound }
        var findings: [Finding] = []
        var conflicts: [String] = []
        for category in categories {
            let candidates = ordered.compactMap { chunk in chunk.findings.first { $0.category == category.key } }
            guard var best = candidates.first else { continue }
            if valuesConflict(candidates) { conflicts.append("findings.\(category.key).value") }
            for candidate in candidates.dropFirst() where support(candidate) > support(best) { best = candidate }
            if best.presence == .present {
                var seen = Set(best.quotes.map { QuoteKey($0) })
                var pages = Set(best.pages)
                for other in candidates where other.presence == .present && other != best {
                    for quote in other.quotes where seen.insert(QuoteKey(quote)).inserted {
                        best.quotes.append(quote)
                        if quote.verified { pages.formUnion(quote.locations.map(\.page)) }
                    }
                    if other.risk > best.risk {
                        best.risk = other.risk
                        best.riskRationale = other.riskRationale
                    }
                }
                best.pages = pages.sorted()
                // Verified quotes first: a reader sees the supported ones before the flagged ones.
                best.quotes = best.quotes.filter(\.verified) + best.quotes.filter { !$0.verified }
            }
            best.assessGrounding()
            findings.append(best)
        }
        var facts = reconcile(ordered.map(\.document))
        facts.conflicts += conflicts
        return (facts, findings)
    }

    /// Whether chunks that found the clause with verified quotes read different normalised values from
    /// it (a renewal term of one year in one chunk, two in another): the merge keeps the best-supported
    /// one and the conflict is listed in the facts, for a reader to check.
    static func valuesConflict(_ candidates: [Finding]) -> Bool {
        let values = candidates.filter { $0.presence == .present && $0.verifiedQuoteCount > 0 && !$0.normalized.isEmpty }
            .map(\.normalized)
        guard let first = values.first else { return false }
        return values.contains { $0 != first }
    }

    struct QuoteKey: Hashable {
        var text: String
        var page: Int?
        init(_ quote: VerifiedQuote) {
            text = TextNormalizer.normalize(quote.text)
            page = quote.verified ? quote.page : nil
        }
    }

    static func reconcile(_ documents: [ModelAnswer.Document]) -> DocumentFacts {
        var facts = DocumentFacts()
        var conflicts = Set<String>()
        func pick<T: Equatable>(_ field: String, _ values: [T?]) -> T? {
            let set = values.compactMap { $0 }
            guard let first = set.first else { return nil }
            if set.contains(where: { $0 != first }) { conflicts.insert(field) }
            return first
        }
        func pickText(_ field: String, _ values: [String?]) -> String? {
            let cleaned = values.map { $0.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } }
            let set = cleaned.compactMap { $0 }
            guard let first = set.first else { return nil }
            if set.contains(where: { TextNormalizer.normalize($0) != TextNormalizer.normalize(first) }) { conflicts.insert(field) }
            return first
        }
        facts.title = pickText("title", documents.map(\.title))
        facts.type = pickText("type", documents.map(\.type))
        facts.governingLaw = pickText("governing_law", documents.map(\.governingLaw))
        facts.currency = pick("currency", documents.map(\.currency))
        facts.totalValue = pick("total_value", documents.map(\.totalValue))
        var byName: [String: Int] = [:]
        for party in documents.flatMap(\.parties) {
            let key = TextNormalizer.normalize(party.name)
            guard !key.isEmpty else { continue }
            if let index = byName[key] {
                if facts.parties[index].role == nil { facts.parties[index].role = party.role }
            } else {
                byName[key] = facts.parties.count
                facts.parties.append(party)
            }
        }
        facts.conflicts = conflicts.sorted()
        return facts
    }
}

