import LectorAnalysis

/// Which labelled spans a profile's quote limits leave within reach: a finding carries at most
/// `maxQuotes` quotes of at most `maxQuoteLength` characters (Unicode scalars, as JSON Schema counts
/// them), so with many or long labelled spans some cannot be matched however good the answer.
///
/// For one contract and category: each labelled span gets its *quotable form*, the span itself when it
/// fits, else its run of whole words within the length with the most distinct words (a window's words
/// are the span's, so its Jaccard with the span is distinct words in it over distinct words in the span);
/// a span whose quotable form does not match it (``SpanMatcher``) is out of reach. Then quotes are chosen
/// greedily among the quotable forms, each time the one that matches the most labelled spans not yet
/// matched (the first on a tie), at most `maxQuotes` of them. The spans these quotes match are the
/// reachable ones; with these quotes and, while room remains, the other quotable forms, they are what a
/// perfect answer within the limits would say. (Greedy
/// covering is optimal unless quotes overlap in contrived ways; CUAD's labels within one category rarely
/// match each other.)
public struct QuoteReach: Sendable, Hashable, Codable {
    /// Most quotes per finding.
    public var maxQuotes: Int
    /// Longest quote, in Unicode scalars.
    public var maxQuoteLength: Int

    /// The limits.
    public init(maxQuotes: Int, maxQuoteLength: Int) {
        self.maxQuotes = maxQuotes
        self.maxQuoteLength = maxQuoteLength
    }

    /// A profile's quote limits.
    public init(_ limits: FindingsSchema.OutputLimits) {
        self.init(maxQuotes: limits.maxQuotes, maxQuoteLength: limits.maxQuoteLength)
    }

    enum CodingKeys: String, CodingKey {
        case maxQuotes = "max_quotes"
        case maxQuoteLength = "max_quote_length"
    }

    /// The best quote of at most `maxQuoteLength` scalars taken from `span`, nil when even that does not
    /// match the span.
    public func quotable(_ span: String, matcher: SpanMatcher) -> String? {
        let scalars = Array(span.unicodeScalars)
        if scalars.count <= maxQuoteLength { return span }
        // Raw whitespace-separated tokens with their scalar ranges and CUAD words.
        var tokens: [(start: Int, end: Int, words: [String])] = []
        var i = 0
        while i < scalars.count {
            while i < scalars.count, Character(scalars[i]).isWhitespace { i += 1 }
            guard i < scalars.count else { break }
            let start = i
            while i < scalars.count, !Character(scalars[i]).isWhitespace { i += 1 }
            let text = String(String.UnicodeScalarView(scalars[start..<i]))
            tokens.append((start, i, SpanMatcher.normalize(text)))
        }
        // The window of whole tokens within the length with the most distinct words: two pointers.
        var counts: [String: Int] = [:]
        var distinct = 0
        var best: (count: Int, first: Int, last: Int)?
        var last = -1
        for first in tokens.indices {
            if last < first - 1 { last = first - 1 }
            while last + 1 < tokens.count, tokens[last + 1].end - tokens[first].start <= maxQuoteLength {
                last += 1
                for word in tokens[last].words {
                    counts[word, default: 0] += 1
                    if counts[word] == 1 { distinct += 1 }
                }
            }
            if last >= first, distinct > (best?.count ?? -1) { best = (distinct, first, last) }
            if last >= first {
                for word in tokens[first].words {
                    counts[word, default: 0] -= 1
                    if counts[word] == 0 { distinct -= 1 }
                }
            }
        }
        guard let best else { return nil }
        let window = String(String.UnicodeScalarView(scalars[tokens[best.first].start..<tokens[best.last].end]))
        return matcher.matches(window, span) ? window : nil
    }

    /// The quotes a perfect answer within the limits gives for `spans` (in the order of the spans they
    /// come from) and how many of the spans they match.
    public func bestQuotes(for spans: [String], matcher: SpanMatcher) -> (quotes: [String], reached: Int) {
        guard !spans.isEmpty, maxQuotes > 0 else { return ([], 0) }
        let labels = spans.map(SpanMatcher.Prepared.init)
        let candidates = spans.map { quotable($0, matcher: matcher).map(SpanMatcher.Prepared.init) }
        let covers: [Set<Int>] = candidates.map { candidate in
            guard let candidate else { return [] }
            return Set(labels.indices.filter { matcher.matches(candidate, labels[$0]) })
        }
        var covered = Set<Int>()
        var chosen: [Int] = []
        while chosen.count < maxQuotes {
            var pick: (index: Int, gain: Int)?
            for (index, cover) in covers.enumerated() where !chosen.contains(index) {
                let gain = cover.subtracting(covered).count
                if gain > (pick?.gain ?? 0) { pick = (index, gain) }
            }
            guard let pick else { break }
            chosen.append(pick.index)
            covered.formUnion(covers[pick.index])
        }
        // Room left: a perfect answer still quotes each clause it can, though no more spans are reached.
        for index in candidates.indices where chosen.count < maxQuotes && candidates[index] != nil && !chosen.contains(index) {
            chosen.append(index)
        }
        return (chosen.sorted().compactMap { candidates[$0]?.text }, covered.count)
    }

    /// How many of `spans` are within reach.
    public func reachable(_ spans: [String], matcher: SpanMatcher) -> Int {
        bestQuotes(for: spans, matcher: matcher).reached
    }
}
