/// A page read row by row from its word boxes: the words whose middles lie on one line of the page, left
/// to right, then the next line down.
///
/// Poppler's reading order follows text flows, which is right for prose and columns but scrambles some
/// layouts: a justified line whose wide gaps split it into blocks ("This Agreement | accordance with the
/// laws of the State of Kansas. | shall | be | construed | in"), and tables, which it reads column by
/// column where a reader (and CUAD's labels) reads them row by row. A quote that does not verify in the
/// page text is tried once more against this reading of the page the model named
/// (``AnalysisResult/reread(page:text:words:)``), after the analysis, with the words fetched for it.
///
/// A page set in two columns of prose is not read by rows: joining the columns' lines would make
/// sentences the page does not have. Such a page is recognised by a gap that most of its lines share at
/// the same place, with several words on each side (a table's rows have short cells on at least one side).
public struct RowReading: Sendable {
    /// The page number.
    public let page: Int
    /// The words joined by rows: a space between the words of a row, a line feed between rows.
    public let text: String
    /// Each word's offsets in ``text`` (Unicode scalars), its row and its box, in reading order of the rows.
    let words: [(range: Range<Int>, row: Int, word: AnalysisPage.Word)]
    /// The verifier over ``text``, built once per page.
    let verifier: QuoteVerifier
    /// The page's words as given, in the reading order of the page text.
    let pageWords: [AnalysisPage.Word]

    /// The row reading of a page's words, or nil when there are none or the page is set in two columns.
    public init?(page: Int, words: [AnalysisPage.Word]) {
        let rows = Self.rows(words)
        guard !rows.isEmpty, !Self.isTwoColumn(rows) else { return nil }
        var scalars = String.UnicodeScalarView()
        var placed: [(range: Range<Int>, row: Int, word: AnalysisPage.Word)] = []
        var count = 0
        for (r, row) in rows.enumerated() {
            if r > 0 {
                scalars.append("\n")
                count += 1
            }
            for (w, word) in row.enumerated() {
                if w > 0 {
                    scalars.append(" ")
                    count += 1
                }
                let length = word.text.unicodeScalars.count
                scalars.append(contentsOf: word.text.unicodeScalars)
                placed.append((count..<count + length, r, word))
                count += length
            }
        }
        self.page = page
        self.text = String(scalars)
        self.words = placed
        self.verifier = QuoteVerifier(pages: [AnalysisPage(number: page, text: text)])
        self.pageWords = words
    }

    /// The words grouped into rows: a word joins the row above when its middle lies within half the
    /// smaller of the two heights of the row's middle; rows top to bottom, words left to right.
    static func rows(_ words: [AnalysisPage.Word]) -> [[AnalysisPage.Word]] {
        func middle(_ box: QuoteBox) -> Double { (box.y1 + box.y2) / 2 }
        let sorted = words.filter { !$0.text.isEmpty && $0.box.y2 > $0.box.y1 }
            .sorted { (middle($0.box), $0.box.x1) < (middle($1.box), $1.box.x1) }
        var rows: [(middle: Double, height: Double, words: [AnalysisPage.Word])] = []
        for word in sorted {
            let height = word.box.y2 - word.box.y1
            if let last = rows.last, abs(middle(word.box) - last.middle) < 0.5 * min(height, last.height) {
                rows[rows.count - 1].words.append(word)
            } else {
                rows.append((middle(word.box), height, [word]))
            }
        }
        return rows.map { $0.words.sorted { $0.box.x1 < $1.box.x1 } }
    }

    /// Whether most lines of the page share one wide gap at the same place with prose on both sides.
    static func isTwoColumn(_ rows: [[AnalysisPage.Word]]) -> Bool {
        // Per line with one gap wider than twice its height: where the gap is, and the words each side.
        var splits: [(x: Double, left: Int, right: Int)] = []
        for row in rows where row.count >= 2 {
            let height = row.map { $0.box.y2 - $0.box.y1 }.max() ?? 0
            let wide = (1..<row.count).filter { row[$0].box.x1 - row[$0 - 1].box.x2 > 2 * height }
            if wide.count == 1, let index = wide.first {
                splits.append(((row[index - 1].box.x2 + row[index].box.x1) / 2, index, row.count - index))
            }
        }
        let lines = rows.count { $0.count >= 4 }
        guard splits.count >= 6, lines > 0 else { return false }
        let middle = splits.map(\.x).sorted()[splits.count / 2]
        let shared = splits.filter { abs($0.x - middle) <= 24 }
        guard Double(shared.count) >= 0.5 * Double(lines) else { return false }
        let left = Double(shared.reduce(0) { $0 + $1.left }) / Double(shared.count)
        let right = Double(shared.reduce(0) { $0 + $1.right }) / Double(shared.count)
        return left >= 5 && right >= 5
    }

    /// Grounds `quote` in this reading: a quote that verifies here is `normalized` (the page says it, in
    /// an order its text extraction did not follow), located at the words it covers: their offsets in the
    /// page's `text` (first to last) and one box per row. Nil when it does not verify here, or when its
    /// words cannot be found in the page text.
    public func ground(_ quote: String, pageText: String) -> VerifiedQuote? {
        let result = verifier.verify(quote, page: page, approximate: false)
        guard result.verified, !result.locations.isEmpty else { return nil }
        let covered = words.filter { word in result.locations.contains { word.range.overlaps($0.start..<$0.end) } }
        guard !covered.isEmpty else { return nil }
        // Where the covered words are in the page text: all the page's words aligned in its reading order.
        let offsets = Dictionary(
            DocumentText.align(pageWords, in: Array(pageText.unicodeScalars)).map { ($0.box, $0.range) },
            uniquingKeysWith: { first, _ in first })
        let ranges = covered.compactMap { offsets[$0.word.box] }
        guard let start = ranges.map(\.lowerBound).min(), let end = ranges.map(\.upperBound).max() else { return nil }
        var boxes: [QuoteBox] = []
        var row: Int?
        for word in covered {
            if word.row == row, let last = boxes.last {
                boxes[boxes.count - 1] = last.union(word.word.box)
            } else {
                boxes.append(word.word.box)
                row = word.row
            }
        }
        return VerifiedQuote(
            text: quote, page: page, match: .normalized,
            locations: [QuoteLocation(page: page, start: start, end: end, boxes: boxes)])
    }
}

extension VerifiedQuote {
    /// Whether the quote is read again on its page by rows (``RowReading``): it was not found, or only
    /// approximately (too short stays too short; verified needs nothing more).
    public var readsAgainByRows: Bool { match == .notFound || match == .approximate }
}

extension AnalysisResult {
    /// The pages named by quotes that did not verify (not found, or only approximately): the pages whose
    /// words a caller should fetch for ``reread(page:text:words:)``.
    public var pagesToReread: [Int] {
        var pages = Set<Int>()
        for finding in findings {
            for quote in finding.quotes where quote.readsAgainByRows {
                if let page = quote.page { pages.insert(page) }
            }
        }
        return pages.sorted()
    }

    /// Tries the quotes named on `page` that did not verify once more against the page read row by row
    /// (``RowReading``); a quote that verifies there becomes `normalized` with its location, and its
    /// finding's grounding is assessed again.
    ///
    /// - Parameters:
    ///   - text: the page's text as given to the analysis (locations' offsets are in it).
    ///   - words: the page's words in reading order with their boxes.
    public mutating func reread(page: Int, text: String, words: [AnalysisPage.Word]) {
        var reading: RowReading??
        for f in findings.indices {
            var changed = false
            for q in findings[f].quotes.indices {
                let quote = findings[f].quotes[q]
                guard quote.page == page, quote.readsAgainByRows else { continue }
                if reading == nil { reading = .some(RowReading(page: page, words: words)) }
                guard let rows = reading ?? nil, let grounded = rows.ground(quote.text, pageText: text) else { continue }
                findings[f].quotes[q] = grounded
                if findings[f].presence == .present, !findings[f].pages.contains(page) {
                    findings[f].pages = (findings[f].pages + [page]).sorted()
                }
                changed = true
            }
            if changed {
                // Verified quotes first, as the merge orders them.
                findings[f].quotes = findings[f].quotes.filter(\.verified) + findings[f].quotes.filter { !$0.verified }
                findings[f].assessGrounding()
            }
        }
    }
}
