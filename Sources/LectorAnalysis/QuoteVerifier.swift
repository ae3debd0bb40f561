/// Grounds quotes in the extracted page text (DESIGN §8): `verified` means the page says exactly that.
///
/// A quote is first normalised (``TextNormalizer``: meaning-preserving steps only) and looked up in the
/// whole document, starting on a word boundary and ending on one; it may run over a page break and pass
/// over running headers, footers, page numbers and clause numbers or list markers that extraction set
/// in a margin column; it may also have such a number where its clause starts when the page has it in
/// that column ("marks. 9.4 Change to Marks"). Found byte for byte on one page it is
/// ``QuoteMatch/exact``, else ``QuoteMatch/normalized``. An elided quote ("…", "[...]", "<omitted>")
/// matches when its parts follow each other, each within a short window (or anywhere further on for a
/// part long enough to be a quote of its own), and no negation is skipped in the sentence a part is in.
/// A repeated phrase is attributed to the page the model named when it occurs there.
///
/// Failing that, a quote of at least ``approximateMinimumLetters`` letters is aligned with the text near
/// its rarest words; within a tenth of its letters of edits, and with the same digits, currency and
/// percent signs and negations (``MeaningGuard``), it is ``QuoteMatch/approximate``: never verified, and
/// the page's own text is kept beside it. Everything else is ``QuoteMatch/notFound``; quotes shorter than
/// ``minimumWords`` words or ``minimumLetters`` letters are ``QuoteMatch/tooShort``.
///
/// The document is indexed once (``init(pages:)``); a lookup costs the occurrences of the quote's first
/// word and, for approximate matches, a bounded number of windows around its rarest words.
public struct QuoteVerifier: Sendable {
    let document: DocumentText

    /// Quotes shorter than this many words could come from anywhere.
    public static let minimumWords = 3
    /// Quotes with fewer letters and digits than this could come from anywhere.
    public static let minimumLetters = 15
    /// The shortest quote that may match approximately: shorter ones would match by chance.
    public static let approximateMinimumLetters = 20
    /// How far apart (in normalised characters) the parts of an elided quote may lie, unless the later
    /// one is long enough to be a quote of its own.
    static let elisionWindow = 2_000
    /// How many windows an approximate match aligns (the places most of the quote's rare words agree on).
    static let approximateWindows = 6

    /// A verifier over a document's pages (all of them, not only one request's).
    public init(pages: [AnalysisPage]) {
        document = DocumentText(pages: pages)
    }

    /// Grounds one quote the model attributed to `page`; with `approximate` false, a quote that does not
    /// verify is `notFound` without looking for an approximate match (for a second reading of a page,
    /// where only a verification counts).
    public func verify(_ text: String, page: Int?, approximate allowApproximate: Bool = true) -> VerifiedQuote {
        let quote = Self.joinHyphens(TextNormalizer.normalized(Self.guillemets(Array(text.unicodeScalars))).scalars)
        let words = DocumentText.words(quote)
        let letters = words.reduce(0) { $0 + $1.range.count }
        guard words.count >= Self.minimumWords, letters >= Self.minimumLetters else {
            return VerifiedQuote(text: text, page: page, match: .tooShort)
        }
        if let ranges = find(quote, near: page) {
            return grounded(text, ranges: ranges, claimed: page, match: isExact(text, ranges) ? .exact : .normalized)
        }
        if let ranges = findElided(quote, near: page) {
            return grounded(text, ranges: ranges, claimed: page, match: .normalized)
        }
        if allowApproximate, letters >= Self.approximateMinimumLetters, let range = approximate(quote, words: words, near: page) {
            return grounded(text, ranges: [range], claimed: page, match: .approximate)
        }
        return VerifiedQuote(text: text, page: page, match: .notFound)
    }

    /// "<<" and ">>" as the guillemets a quote typed them for ("SILICON SMELTERS << Pty >> Ltd").
    static func guillemets(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("<") || text.contains(">") else { return text }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            if i + 1 < text.count, text[i] == text[i + 1], text[i] == "<" || text[i] == ">" {
                out.append(text[i] == "<" ? "\u{00AB}" : "\u{00BB}")
                i += 2
                continue
            }
            out.append(text[i])
            i += 1
        }
        return out
    }

    /// "non- exclusive" as "non-exclusive": a space after a hyphen between letters is a line break the
    /// quote kept.
    static func joinHyphens(_ quote: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(quote.count)
        for (i, scalar) in quote.enumerated() {
            if scalar == " ", i >= 2, quote[i - 1] == "-", TextNormalizer.isWordScalar(quote[i - 2]), i + 1 < quote.count,
                quote[i + 1].properties.isLowercase
            {
                continue
            }
            out.append(scalar)
        }
        return out
    }

    private func grounded(_ text: String, ranges: [Range<Int>], claimed: Int?, match: QuoteMatch) -> VerifiedQuote {
        let locations = document.locations(ranges)
        let first = locations.first?.page ?? claimed
        let corrected = claimed.flatMap { claimed in locations.contains { $0.page == claimed } ? nil : claimed }
        return VerifiedQuote(
            text: text, page: corrected == nil ? (claimed ?? first) : first, match: match, pageCorrectedFrom: corrected,
            documentText: match == .approximate ? document.rawText(ranges) : nil, locations: locations)
    }

    /// Whether the quote is the page's text byte for byte (one stretch of one page).
    private func isExact(_ text: String, _ ranges: [Range<Int>]) -> Bool {
        guard ranges.count == 1, let range = ranges.first, !range.isEmpty else { return false }
        let first = document.rawOffsets[range.lowerBound]
        let last = document.rawOffsets[range.upperBound - 1]
        guard first >= 0, last >= 0 else { return false }
        let page = document.pages[document.pageIndex(at: range.lowerBound)]
        guard document.pageIndex(at: range.upperBound - 1) == document.pageIndex(at: range.lowerBound) else { return false }
        let trimmed = text.unicodeScalars.drop { $0.properties.isWhitespace }.reversed().drop { $0.properties.isWhitespace }
        return page.raw[Int(first)...Int(last)].elementsEqual(trimmed.reversed())
    }

    // MARK: Normalised matches

    /// The stream ranges where `quote` occurs on word boundaries, preferring the page named; a quote
    /// that starts with a list marker or clause number ("c) The unauthorized assignment") also where the
    /// rest occurs on a page that has that marker in its margin column.
    func find(_ quote: [Unicode.Scalar], near page: Int?, within window: Range<Int>? = nil) -> [Range<Int>]? {
        if let found = findWhole(quote, near: page, within: window) { return found }
        guard let (token, rest) = Self.marginToken(quote, at: 0), rest < quote.count,
            let found = findWhole(Array(quote[rest...]), near: page, within: window),
            document.marginClauses[document.pageIndex(at: found[0].lowerBound)].contains(token)
        else { return nil }
        return found
    }

    private func findWhole(_ quote: [Unicode.Scalar], near page: Int?, within window: Range<Int>? = nil) -> [Range<Int>]? {
        guard let anchor = DocumentText.words(quote).first, let starts = document.wordStarts[anchor.hash] else { return nil }
        var best: [Range<Int>]?
        for wordStart in starts {
            let start = Int(wordStart) - anchor.range.lowerBound
            guard start >= 0 else { continue }
            if let window {
                if start < window.lowerBound { continue }
                if start >= window.upperBound { break }
            }
            guard !document.continuesWord(before: start, with: quote[0]) else { continue }
            guard let ranges = match(quote, at: start) else { continue }
            if window != nil { return ranges }
            if page == nil || document.pages[document.pageIndex(at: start)].number == page { return ranges }
            if best == nil { best = ranges }
        }
        return best
    }

    /// Matches `quote` at stream position `start`, passing over skippable lines where the quote does not
    /// continue into them; the stream ranges it covers, or nil.
    func match(_ quote: [Unicode.Scalar], at start: Int) -> [Range<Int>]? {
        let stream = document.stream
        var ranges: [Range<Int>] = []
        func step(_ i: Int, _ j: Int, _ segmentStart: Int, _ depth: Int) -> Bool {
            var i = i
            var j = j
            while i < quote.count {
                if j < stream.count, stream[j] == quote[i] {
                    // A skippable line begins here: the quote may leave it out or quote it.
                    if document.skippable[j], j == 0 || !document.skippable[j - 1], depth < 8,
                        skip(from: j).map({ step(i, $0, $0, depth + 1) }) == true
                    {
                        ranges.insert(segmentStart..<j, at: 0)
                        return true
                    }
                    i += 1
                    j += 1
                    continue
                }
                // The quote leaves out what the stream has here: a running header, footer or page number.
                if depth < 8, let resume = skip(from: j), step(i, resume, resume, depth + 1) {
                    ranges.insert(segmentStart..<j, at: 0)
                    return true
                }
                // A clause number the quote has where its clause starts, which extraction put in a
                // column of margin numbers on this page ("marks. 9.4 Change to Marks").
                if let after = marginClause(in: quote, at: i, near: j) {
                    i = after
                    continue
                }
                // A space beside punctuation, or between a number and a word, that one side has and the
                // other lost: "(i) transfer" and "(i)transfer", "6.1.3 the Owner" and "6.1.3the Owner".
                if quote[i] == " ", i > 0, i + 1 < quote.count, !TextNormalizer.sameWord(quote[i - 1], quote[i + 1]) {
                    i += 1
                    continue
                }
                if j < stream.count, stream[j] == " ", i > 0, !TextNormalizer.sameWord(quote[i - 1], quote[i]) {
                    j += 1
                    continue
                }
                return false
            }
            // It ends on a word boundary.
            if document.continuesWord(at: j, after: quote[quote.count - 1]) {
                return false
            }
            ranges.insert(segmentStart..<j, at: 0)
            return true
        }
        guard step(0, start, start, 0) else { return nil }
        return ranges.filter { !$0.isEmpty }
    }

    /// Where the quote goes on after a clause number or list marker that starts at `i` ("9.4 ", "c) "),
    /// when the page at stream position `position` has it on a line of its own; nil otherwise. A dotted
    /// clause number or a letter marker ("b)", "(iv)") may stand anywhere after a space; a plain number
    /// only where a clause starts (after ".", ":", ";"), so that no number inside a sentence is passed
    /// over.
    private func marginClause(in quote: [Unicode.Scalar], at i: Int, near position: Int) -> Int? {
        guard i > 0, quote[i - 1] == " " else { return nil }
        guard let (token, end) = Self.marginToken(quote, at: i) else { return nil }
        let startsClause = i >= 2 && [".", ":", ";"].contains(quote[i - 2])
        let letters = !TextNormalizer.isDigit(quote[i]) && !(quote[i] == "(" && i + 1 < quote.count && TextNormalizer.isDigit(quote[i + 1]))
        guard token.contains(".") && TextNormalizer.isDigit(quote[i]) || letters || startsClause else { return nil }
        let page = document.pageIndex(at: min(max(0, position - 1), document.stream.count - 1))
        return document.marginClauses[page].contains(token) ? end : nil
    }

    /// The margin key of a clause number or list marker at `i` followed by a space, and where the quote
    /// goes on after that space.
    static func marginToken(_ quote: [Unicode.Scalar], at i: Int) -> (String, Int)? {
        guard let space = quote[i...].prefix(12).firstIndex(of: " "), space > i else { return nil }
        guard DocumentText.isMarginNumber(quote[i..<space]) else { return nil }
        return (DocumentText.marginKey(quote[i..<space]), space + 1)
    }

    /// Where the stream goes on after the skippable stretch that starts at `position` (or after the space
    /// there), and the space that follows it; nil when none starts there.
    private func skip(from position: Int) -> Int? {
        let stream = document.stream
        let skippable = document.skippable
        var j = position
        if j + 1 < stream.count, stream[j] == " ", skippable[j + 1] { j += 1 }
        guard j < stream.count, skippable[j] else { return nil }
        while j < stream.count {
            if skippable[j] {
                j += 1
            } else if stream[j] == " ", j + 1 < stream.count, skippable[j + 1] {
                j += 1
            } else {
                break
            }
        }
        if j < stream.count, stream[j] == " " { j += 1 }
        return j
    }

    // MARK: Elided quotes

    /// Matches a quote whose parts are separated by "..." or "[...]".
    func findElided(_ quote: [Unicode.Scalar], near page: Int?) -> [Range<Int>]? {
        let parts = Self.elidedParts(quote)
        guard parts.count >= 2 else { return nil }
        guard let anchor = DocumentText.words(parts[0]).first, let firstStarts = document.wordStarts[anchor.hash] else { return nil }
        var best: [Range<Int>]?
        // Where each later part occurs, found once: the first part may match in many places.
        var later: [Int: (whole: [Occurrence], stripped: [Occurrence])] = [:]
        for wordStart in firstStarts {
            let start = Int(wordStart) - anchor.range.lowerBound
            guard start >= 0, var ranges = match(parts[0], at: start) else { continue }
            var complete = true
            for (index, part) in parts.enumerated().dropFirst() {
                let from = ranges.last!.upperBound
                if later[index] == nil { later[index] = occurrences(of: part) }
                let places = later[index]!
                // The first place at or after `from` (as the part stands, else without a leading list
                // marker the page has in its margin), within the window; a part that could stand as a
                // quote of its own also further on (annotators join passages pages apart).
                let limit = Self.standsAlone(part) ? Int.max : from + Self.elisionWindow
                let first = { (list: [Occurrence]) in list.first { $0.start >= from }.flatMap { $0.start < limit ? $0 : nil } }
                let near = first(places.whole).flatMap { $0.start < from + Self.elisionWindow ? $0 : nil }
                    ?? first(places.stripped).flatMap { $0.start < from + Self.elisionWindow ? $0 : nil }
                guard let next = (near ?? first(places.whole) ?? first(places.stripped))?.ranges,
                    !hidesNegation(document.stream[from..<next.first!.lowerBound], afterSentence: endsSentence(before: from))
                else {
                    complete = false
                    break
                }
                ranges += next
            }
            guard complete else { continue }
            if page == nil || document.pages[document.pageIndex(at: start)].number == page { return ranges }
            if best == nil { best = ranges }
        }
        return best
    }

    static let omitted = Array("<omitted>".unicodeScalars)

    /// A place a quote matches: where it starts and the stream ranges it covers.
    struct Occurrence {
        var start: Int
        var ranges: [Range<Int>]
    }

    /// Every place `part` matches on word boundaries, in stream order; and, when it starts with a list
    /// marker or clause number, every place the rest matches on a page that has that marker in its margin.
    func occurrences(of part: [Unicode.Scalar]) -> (whole: [Occurrence], stripped: [Occurrence]) {
        func all(_ quote: [Unicode.Scalar]) -> [Occurrence] {
            guard let anchor = DocumentText.words(quote).first, let starts = document.wordStarts[anchor.hash] else { return [] }
            return starts.compactMap { wordStart in
                let start = Int(wordStart) - anchor.range.lowerBound
                guard start >= 0, !document.continuesWord(before: start, with: quote[0]), let ranges = match(quote, at: start)
                else { return nil }
                return Occurrence(start: start, ranges: ranges)
            }
        }
        let whole = all(part)
        guard let (token, rest) = Self.marginToken(part, at: 0), rest < part.count else { return (whole, []) }
        let stripped = all(Array(part[rest...])).filter { occurrence in
            document.marginClauses[document.pageIndex(at: occurrence.ranges[0].lowerBound)].contains(token)
        }
        return (whole, stripped)
    }

    /// Whether a part of an elided quote is long enough to be a quote of its own.
    static func standsAlone(_ part: [Unicode.Scalar]) -> Bool {
        let words = DocumentText.words(part)
        return words.count >= minimumWords && words.reduce(0) { $0 + $1.range.count } >= minimumLetters
    }

    /// Whether the stream's last scalar before `position` (spaces aside) ends a sentence or clause.
    func endsSentence(before position: Int) -> Bool {
        var index = position - 1
        while index >= 0, document.stream[index] == " " { index -= 1 }
        return index >= 0 && [".", ";", ":"].contains(document.stream[index])
    }

    /// Whether the text an elision passes over negates or excepts what the parts beside it say: a
    /// negation in the sentence the gap starts in (up to its first ".", ";", ":" or list item "(ii)"),
    /// unless the part before it ended its sentence (`afterSentence`), or in the one it ends in (from its
    /// last). Whole sentences and list items in between are other statements ("...shall pay the fees. No
    /// refund is due. ... The fees are payable" hides nothing the parts say).
    func hidesNegation(_ gap: ArraySlice<Unicode.Scalar>, afterSentence: Bool) -> Bool {
        let ends = gap.indices.filter { index in
            if gap[index] == "(", index > gap.startIndex, gap[index - 1] == " " {
                // A list item starts: "(ii)", "(b)".
                let item = gap[(index + 1)...].prefix(5)
                guard let close = item.firstIndex(of: ")"), close > index + 1 else { return false }
                return gap[(index + 1)..<close].allSatisfy(TextNormalizer.isWordScalar)
            }
            return (gap[index] == "." || gap[index] == ";" || gap[index] == ":") && (index + 1 == gap.endIndex || gap[index + 1] == " ")
                // "3.1", "clause 3. The": a number's dot does not end a sentence.
                && (index == gap.startIndex || !TextNormalizer.isDigit(gap[index - 1]) || index + 1 == gap.endIndex)
        }
        guard let first = ends.first, let last = ends.last else {
            return !MeaningGuard.signature(gap).negations.isEmpty
        }
        return (!afterSentence && !MeaningGuard.signature(gap[gap.startIndex...first]).negations.isEmpty)
            || !MeaningGuard.signature(gap[last...]).negations.isEmpty
    }

    /// The parts of a normalised quote between ellipses; one part when it has none.
    static func elidedParts(_ quote: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var parts: [[Unicode.Scalar]] = [[]]
        var i = 0
        while i < quote.count {
            // "<omitted>", as CUAD's annotators mark a gap.
            if quote[i] == "<", quote[i...].starts(with: omitted) {
                parts.append([])
                i += omitted.count
                continue
            }
            var j = i
            if quote[j] == "[" { j += 1 }
            var dots = 0
            while j < quote.count, quote[j] == "." {
                dots += 1
                j += 1
            }
            if dots >= 3 {
                if j < quote.count, quote[j] == "]" { j += 1 }
                parts.append([])
                i = j
                continue
            }
            parts[parts.count - 1].append(quote[i])
            i += 1
        }
        return parts.map { part in
            Array(part.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        }.filter { !DocumentText.words($0).isEmpty }
    }

    // MARK: Approximate matches

    /// The stream range closest to `quote` within a tenth of its letters of edits, near its rarest words,
    /// that says the same thing (``MeaningGuard``); nil when there is none.
    func approximate(_ quote: [Unicode.Scalar], words: [(range: Range<Int>, hash: UInt64)], near page: Int?) -> Range<Int>? {
        let letters = words.reduce(0) { $0 + $1.range.count }
        let budget = max(1, letters / 10)
        // Where the quote's rarest words say it would start; the places most of them agree on are the
        // windows worth aligning.
        var seenHashes = Set<UInt64>()
        let anchors = words.filter { document.occurrences(of: $0.hash) > 0 && seenHashes.insert($0.hash).inserted }
            .sorted { document.occurrences(of: $0.hash) < document.occurrences(of: $1.hash) }.prefix(8)
        var implied: [(start: Int, anchor: Int)] = []
        for (index, anchor) in anchors.enumerated() {
            for start in document.wordStarts[anchor.hash]!.prefix(512) {
                implied.append((Int(start) - anchor.range.lowerBound, index))
            }
        }
        implied.sort { $0.start < $1.start }
        var clusters: [(low: Int, high: Int, score: Int, named: Bool)] = []
        var first = 0
        while first < implied.count {
            var last = first
            var agreeing = Set([implied[first].anchor])
            while last + 1 < implied.count, implied[last + 1].start - implied[first].start <= 64 + 2 * budget {
                last += 1
                agreeing.insert(implied[last].anchor)
            }
            let low = max(0, implied[first].start)
            let named = page.map { document.pages[document.pageIndex(at: min(low, document.stream.count - 1))].number == $0 } ?? false
            clusters.append((low, implied[last].start, agreeing.count, named))
            first = last + 1
        }
        let required = min(2, anchors.count)
        let windows = clusters.filter { $0.score >= required }
            .sorted { ($0.score, $0.named ? 1 : 0) > ($1.score, $1.named ? 1 : 0) }
            .prefix(Self.approximateWindows)
            .map { cluster in
                max(0, cluster.low - 2 * budget)..<min(document.stream.count, cluster.high + quote.count + 4 * budget)
            }
        var seen: [Range<Int>] = []
        var best: (range: Range<Int>, distance: Int, named: Bool)?
        for window in windows where !seen.contains(where: { $0.overlaps(window) }) {
            seen.append(window)
            let positions = window.filter { !document.skippable[$0] }
            let text = positions.map { document.stream[$0] }
            guard let hit = Self.align(quote, in: text, maxEdits: budget) else { continue }
            var lower = positions[hit.range.lowerBound]
            var upper = positions[hit.range.upperBound - 1] + 1
            // Whole words, and whole compounds: a near match that starts or ends inside "non-exclusive"
            // takes all of it, so the guard below sees the "non".
            while lower > 0, document.continuesWord(before: lower, with: document.stream[lower]) {
                lower -= document.stream[lower - 1] == "-" ? 2 : 1
            }
            while document.continuesWord(at: upper, after: document.stream[upper - 1]) {
                upper += document.stream[upper] == "-" ? 2 : 1
            }
            let named = page.map { document.pages[document.pageIndex(at: lower)].number == $0 } ?? false
            if let current = best, current.distance < hit.distance || (current.distance == hit.distance && (current.named || !named)) {
                continue
            }
            best = (lower..<upper, hit.distance, named)
        }
        guard let best else { return nil }
        let pageText = best.range.filter { !document.skippable[$0] }.map { document.stream[$0] }
        return MeaningGuard.sameMeaning(quote, pageText) ? best.range : nil
    }

    /// The substring of `text` closest to `needle` by edit distance, if within `maxEdits` (Sellers'
    /// approximate substring matching, keeping where each alignment starts).
    static func align(_ needle: [Unicode.Scalar], in text: [Unicode.Scalar], maxEdits: Int) -> (range: Range<Int>, distance: Int)? {
        let m = needle.count
        guard m > 0, !text.isEmpty else { return nil }
        var previous = Array(0...m)
        var previousStart = [Int](repeating: 0, count: m + 1)
        var current = [Int](repeating: 0, count: m + 1)
        var currentStart = [Int](repeating: 0, count: m + 1)
        var best: (range: Range<Int>, distance: Int)?
        for (i, character) in text.enumerated() {
            current[0] = 0
            currentStart[0] = i + 1
            for j in 1...m {
                let substitution = previous[j - 1] + (needle[j - 1] == character ? 0 : 1)
                let deletion = previous[j] + 1
                let insertion = current[j - 1] + 1
                if substitution <= deletion, substitution <= insertion {
                    current[j] = substitution
                    currentStart[j] = previousStart[j - 1]
                } else if deletion <= insertion {
                    current[j] = deletion
                    currentStart[j] = previousStart[j]
                } else {
                    current[j] = insertion
                    currentStart[j] = currentStart[j - 1]
                }
            }
            if current[m] <= maxEdits, best == nil || current[m] < best!.distance, currentStart[m] <= i {
                best = (currentStart[m]..<(i + 1), current[m])
            }
            swap(&previous, &current)
            swap(&previousStart, &currentStart)
        }
        return best
    }
}
