import Foundation

/// Combines the grounded answers of several requests (page-range chunks, which may overlap by a page or
/// two) into one set of findings.
///
/// The rule, per category (a chunk answers only for the pages it read, so "absent" in pages 40-80 says
/// nothing about page 3):
/// 1. **Verified evidence wins.** When any chunk found the clause with a verified quote, the finding is
///    present: the best-supported such answer (more verified quotes, then higher confidence) is kept and
///    the quotes of the other chunks that found it are added, each once (a quote on an overlap page,
///    found by both chunks that read it, is one quote). A chunk that read a page holding one of those
///    verified quotes and still answered "absent" is a **presence conflict**; verified answers that read
///    different normalised values are a **value conflict**. Both sides stay in `Finding.conflict`.
/// 2. **An unverified "present" does not beat a chunk that read the same pages and found nothing.**
///    With no verified quote anywhere, a "present" whose pages (its quotes' and its own, else its
///    chunk's) were also read by a chunk answering "absent" loses: the finding is absent, with the claim
///    kept as the other side of a presence conflict. A claim nobody else could check (its pages read by
///    no other chunk, a scanned page without text) stands, flagged `present_without_verified_quote`.
/// 3. Otherwise "unclear" beats "absent" (someone saw something), then higher confidence.
///
/// Document facts take the first chunk's value that is set; a later different value is listed in
/// `DocumentFacts.conflicts`, and so is each category conflict (`findings.KEY.presence`, `findings.KEY.value`).
public enum FindingsMerger {
    /// One request's grounded answer.
    public struct ChunkFindings: Sendable, Hashable, Codable {
        /// The pages the request showed.
        public var pages: ClosedRange<Int>
        /// The document facts as the model gave them.
        public var document: DocumentFacts
        /// The findings, quotes verified.
        public var findings: [Finding]

        public init(pages: ClosedRange<Int>, document: DocumentFacts, findings: [Finding]) {
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

    /// One chunk's answer for a category.
    struct Candidate {
        var pages: ClosedRange<Int>
        var finding: Finding
        var side: FindingConflict.Side { .init(pages: pages, finding: finding) }
        var isVerifiedPresent: Bool { finding.presence == .present && finding.verifiedQuoteCount > 0 }
    }

    /// Merges the chunks' findings, in table order, and flags what contradicts itself in each
    /// (``Finding/assessGrounding()``) once its quotes are final.
    public static func merge(_ chunks: [ChunkFindings], categories: [FindingCategory]) -> (facts: DocumentFacts, findings: [Finding]) {
        let ordered = chunks.sorted { ($0.pages.lowerBound, $0.pages.upperBound) < ($1.pages.lowerBound, $1.pages.upperBound) }
        var findings: [Finding] = []
        var conflicts: [String] = []
        for category in categories {
            let candidates = ordered.compactMap { chunk in
                chunk.findings.first { $0.category == category.key }.map { Candidate(pages: chunk.pages, finding: $0) }
            }
            guard var best = merge(candidates) else { continue }
            for kind in best.conflict?.kinds ?? [] { conflicts.append("findings.\(category.key).\(kind.rawValue)") }
            best.assessGrounding()
            findings.append(best)
        }
        var facts = reconcile(ordered.map(\.document))
        facts.conflicts += conflicts
        return (facts, findings)
    }

    /// One category's merged finding (see the rule above).
    static func merge(_ candidates: [Candidate]) -> Finding? {
        guard let first = candidates.first else { return nil }
        let absent = candidates.filter { $0.finding.presence == .absent }
        let verified = candidates.filter(\.isVerifiedPresent)
        if !verified.isEmpty {
            var best = verified[0].finding
            for candidate in verified.dropFirst() where support(candidate.finding) > support(best) { best = candidate.finding }
            best = addingQuotes(to: best, from: candidates.map(\.finding).filter { $0.presence == .present })
            var kinds: [FindingConflict.Kind] = []
            var sides: [Candidate] = []
            // Pages that hold a verified quote of the clause: a chunk that read one of them saw it.
            let evidence = Set(verified.flatMap { $0.finding.quotes.filter(\.verified).flatMap { $0.locations.map(\.page) } })
            let deniers = absent.filter { denier in evidence.contains { denier.pages.contains($0) } }
            if !deniers.isEmpty {
                kinds.append(.presence)
                sides += verified + deniers
            }
            if valuesConflict(verified.map(\.finding)) {
                kinds.append(.value)
                sides += verified.filter { !$0.finding.normalized.isEmpty }
            }
            if !kinds.isEmpty {
                best.conflict = FindingConflict(
                    kinds: kinds, sides: unique(sides).map(\.side),
                    resolution: "kept the answer with the most verified quotes (then the highest confidence); verified evidence beats an absent answer")
            }
            return best
        }
        let claims = candidates.filter { $0.finding.presence == .present }
        if !claims.isEmpty {
            let refuted = claims.filter { claim in
                let pages = claimedPages(claim)
                return absent.contains { denier in pages.contains { denier.pages.contains($0) } }
            }
            if refuted.count == claims.count, var kept = absent.max(by: { $0.finding.confidence < $1.finding.confidence })?.finding {
                let deniers = absent.filter { denier in refuted.contains { claimedPages($0).contains { denier.pages.contains($0) } } }
                kept.conflict = FindingConflict(
                    kinds: [.presence], sides: unique(refuted + deniers).map(\.side),
                    resolution: "absent: no quote of the present answer was found in the text, and a chunk that read the same pages found no such clause")
                return kept
            }
            var best = claims.filter { claim in !refuted.contains { $0.pages == claim.pages } }.map(\.finding).first ?? claims[0].finding
            for claim in claims where !refuted.contains(where: { $0.pages == claim.pages }) && support(claim.finding) > support(best) {
                best = claim.finding
            }
            best = addingQuotes(to: best, from: claims.map(\.finding))
            if !refuted.isEmpty {
                let deniers = absent.filter { denier in refuted.contains { claimedPages($0).contains { denier.pages.contains($0) } } }
                best.conflict = FindingConflict(
                    kinds: [.presence], sides: unique(claims + deniers).map(\.side),
                    resolution: "present, unverified: a claim on pages no other chunk read stands; the claims other chunks read and denied are kept as sides")
            }
            return best
        }
        var best = first.finding
        for candidate in candidates.dropFirst() where support(candidate.finding) > support(best) { best = candidate.finding }
        return best
    }

    /// The pages an unverified "present" answer speaks for: those of its quotes and its own, else its chunk's.
    static func claimedPages(_ claim: Candidate) -> Set<Int> {
        var pages = Set(claim.finding.pages)
        pages.formUnion(claim.finding.quotes.compactMap(\.page))
        pages = pages.filter { claim.pages.contains($0) }
        return pages.isEmpty ? Set(claim.pages) : pages
    }

    /// `candidates` without repeats (the same chunk listed twice), in page order.
    static func unique(_ candidates: [Candidate]) -> [Candidate] {
        var seen = Set<[Int]>()
        return candidates.filter { seen.insert([$0.pages.lowerBound, $0.pages.upperBound]).inserted }
            .sorted { ($0.pages.lowerBound, $0.pages.upperBound) < ($1.pages.lowerBound, $1.pages.upperBound) }
    }

    /// `best` with the quotes of `others` added, each once (verified first), and the highest risk.
    static func addingQuotes(to best: Finding, from others: [Finding]) -> Finding {
        var best = best
        var seen = Set(best.quotes.map { QuoteKey($0) })
        var pages = Set(best.pages)
        for other in others where other != best {
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
        return best
    }

    /// Whether chunks that found the clause with verified quotes read different normalised values from
    /// it (a renewal term of one year in one chunk, two in another): the merge keeps the best-supported
    /// one and the conflict is listed, for a reader to check.
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

    static func reconcile(_ documents: [DocumentFacts]) -> DocumentFacts {
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

