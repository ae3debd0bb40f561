/// Checks quotes against the extracted page text (DESIGN §8, grounding).
///
/// A quote is searched exactly, then normalised (``TextNormalizer``), then on letters and digits only,
/// first on the page the model named and then on every other page; a quote found on another page gets
/// that page, and the page the model named is kept. Last, a tolerant match (edit distance up to a tenth
/// of the quote's letters, for OCR-like noise) is tried on the named page and its neighbours. A quote
/// found nowhere is returned unverified, never dropped.
public struct QuoteVerifier: Sendable {
    struct IndexedPage: Sendable {
        var number: Int
        var raw: String
        var normalized: String
        var alphanumerics: [Unicode.Scalar]
    }

    let pages: [IndexedPage]

    /// The shortest quote (in letters and digits) that may match tolerantly: shorter ones would match
    /// by chance.
    static let tolerantMinimum = 20

    /// A verifier over a document's pages (all of them, not only one request's).
    public init(pages: [AnalysisPage]) {
        self.pages = pages.map { page in
            let normalized = TextNormalizer.normalize(page.text)
            return IndexedPage(
                number: page.number, raw: page.text, normalized: normalized,
                alphanumerics: TextNormalizer.alphanumerics(normalized))
        }
    }

    /// Verifies one quote the model attributed to `page`.
    public func verify(_ text: String, page: Int?) -> VerifiedQuote {
        let normalized = TextNormalizer.normalize(text)
        let letters = TextNormalizer.alphanumerics(normalized)
        guard !letters.isEmpty else { return VerifiedQuote(text: text, page: page, verified: false, match: nil) }
        let ordered = pages.filter { $0.number == page } + pages.filter { $0.number != page }
        let levels: [(QuoteMatch, (IndexedPage) -> Bool)] = [
            (.exact, { $0.raw.contains(text) }),
            (.normalized, { $0.normalized.contains(normalized) }),
            (.tolerant, { Self.contains($0.alphanumerics, letters) }),
        ]
        for (match, test) in levels {
            if let hit = ordered.first(where: test) { return found(text, on: hit.number, claimed: page, match: match) }
        }
        if letters.count >= Self.tolerantMinimum {
            let budget = max(1, letters.count / 10)
            let nearby = ordered.filter { candidate in page.map { abs(candidate.number - $0) <= 1 } ?? true }
            if let hit = nearby.first(where: { Self.approximatelyContains($0.alphanumerics, letters, maxEdits: budget) }) {
                return found(text, on: hit.number, claimed: page, match: .tolerant)
            }
        }
        return VerifiedQuote(text: text, page: page, verified: false, match: nil)
    }

    private func found(_ text: String, on number: Int, claimed: Int?, match: QuoteMatch) -> VerifiedQuote {
        VerifiedQuote(
            text: text, page: number, verified: true, match: match,
            pageCorrectedFrom: claimed.flatMap { $0 == number ? nil : $0 })
    }

    static func contains(_ haystack: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        let first = needle[0]
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count, haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Whether `needle` occurs in `haystack` with at most `maxEdits` insertions, deletions or
    /// substitutions (Sellers' approximate substring matching).
    static func approximatelyContains(_ haystack: [Unicode.Scalar], _ needle: [Unicode.Scalar], maxEdits: Int) -> Bool {
        let m = needle.count
        guard m > 0, haystack.count + maxEdits >= m else { return false }
        var previous = Array(0...m)
        var current = [Int](repeating: 0, count: m + 1)
        for character in haystack {
            current[0] = 0  // a match may start anywhere in the haystack
            for j in 1...m {
                let substitution = previous[j - 1] + (needle[j - 1] == character ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            if current[m] <= maxEdits { return true }
            swap(&previous, &current)
        }
        return false
    }
}
