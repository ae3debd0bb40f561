/// A document's pages as one normalised stream, indexed once, for grounding quotes (DESIGN §8).
///
/// Pages are normalised (``TextNormalizer``) and joined with a space, each scalar mapped back to its page
/// and its offset in the page text. Lines that repeat at the top or bottom of many pages (running headers
/// and footers) and page numbers are marked *skippable*: a quote may include them or pass over them, so a
/// quote that runs over a page break matches either way. Words are indexed by hash, so finding a quote
/// costs the occurrences of its first word, not the length of the document.
struct DocumentText: Sendable {
    struct Page: Sendable {
        var number: Int
        var raw: [Unicode.Scalar]
        /// Where the page's scalars start and end in the stream.
        var streamStart: Int
        var streamEnd: Int
        /// The page's words with their offsets in `raw`, for boxes.
        var words: [(range: Range<Int>, box: QuoteBox)]
    }

    var pages: [Page]
    /// The normalised scalars of every page, pages separated by one space.
    var stream: [Unicode.Scalar]
    /// Per stream position, the offset of its scalar in its page's raw text; -1 for a page separator.
    var rawOffsets: [Int32]
    /// Per stream position, whether it lies in a running header, footer or page number.
    var skippable: [Bool]
    /// Stream positions where a word starts, by the word's hash.
    var wordStarts: [UInt64: [Int32]]
    /// Per page, the clause numbers and list markers ("9.4", "2", "c)") it has on lines of their own in
    /// the margin (``marginKey(_:)``).
    var marginClauses: [Set<String>]

    init(pages input: [AnalysisPage]) {
        var pages: [Page] = []
        var stream: [Unicode.Scalar] = []
        var rawOffsets: [Int32] = []
        var skippable: [Bool] = []
        var marginClauses: [Set<String>] = []
        let raws = input.map { Array($0.text.unicodeScalars) }
        let boilerplate = Self.boilerplate(raws)
        for (index, page) in input.enumerated() {
            if !stream.isEmpty {
                stream.append(" ")
                rawOffsets.append(-1)
                skippable.append(false)
            }
            let mapped = TextNormalizer.normalized(raws[index])
            let start = stream.count
            stream += mapped.scalars
            rawOffsets += mapped.sources
            var layout = [Bool](repeating: false, count: raws[index].count)
            let numbers = Self.marginNumbers(raws[index], after: boilerplate[index])
            for line in boilerplate[index] + numbers.layout {
                for offset in line { layout[offset] = true }
            }
            marginClauses.append(Set(numbers.all.map { Self.marginKey(raws[index][$0]) }))
            skippable += mapped.sources.enumerated().map { offset, source in
                mapped.optional.contains(offset) || layout[Int(source)]
            }
            pages.append(
                Page(
                    number: page.number, raw: raws[index], streamStart: start, streamEnd: stream.count,
                    words: Self.align(page.words, in: raws[index])))
        }
        var wordStarts: [UInt64: [Int32]] = [:]
        let words = Self.words(stream)
        for (index, word) in words.enumerated() {
            wordStarts[word.hash, default: []].append(Int32(word.range.lowerBound))
            // "termi-\nnation" is also the word "termination".
            let after = word.range.upperBound
            if index + 1 < words.count, after < stream.count, stream[after] == "-", skippable[after],
                words[index + 1].range.lowerBound == after + 1
            {
                let joined = stream[words[index + 1].range].reduce(word.hash, Self.mix)
                wordStarts[joined, default: []].append(Int32(word.range.lowerBound))
            }
        }
        self.pages = pages
        self.stream = stream
        self.rawOffsets = rawOffsets
        self.skippable = skippable
        self.wordStarts = wordStarts
        self.marginClauses = marginClauses
    }

    // MARK: Words

    static let seed: UInt64 = 0xcbf2_9ce4_8422_2325

    static func mix(_ hash: UInt64, _ scalar: Unicode.Scalar) -> UInt64 {
        (hash ^ UInt64(scalar.value)) &* 0x100_0000_01b3
    }

    /// The words of normalised text: each one's range and hash.
    static func words(_ text: [Unicode.Scalar]) -> [(range: Range<Int>, hash: UInt64)] {
        var words: [(range: Range<Int>, hash: UInt64)] = []
        var position = 0
        while position < text.count {
            guard TextNormalizer.isWordScalar(text[position]) else {
                position += 1
                continue
            }
            let start = position
            var hash = mix(seed, text[position])
            position += 1
            while position < text.count, TextNormalizer.sameWord(text[position - 1], text[position]) {
                hash = mix(hash, text[position])
                position += 1
            }
            words.append((start..<position, hash))
        }
        return words
    }

    /// Whether a match starting at `position` with `scalar` would start inside a word: right after a
    /// letter of the same word, or after "non-", "third-": a hyphenated compound is one word, so that
    /// "exclusive licence" is never found inside "non-exclusive licence".
    func continuesWord(before position: Int, with scalar: Unicode.Scalar) -> Bool {
        guard position > 0 else { return false }
        if TextNormalizer.sameWord(stream[position - 1], scalar) { return true }
        return stream[position - 1] == "-" && position >= 2 && TextNormalizer.isWordScalar(stream[position - 2])
            && TextNormalizer.isWordScalar(scalar)
    }

    /// Whether a match ending just before `position` with `scalar` would end inside a word (or a
    /// hyphenated compound).
    func continuesWord(at position: Int, after scalar: Unicode.Scalar) -> Bool {
        guard position < stream.count else { return false }
        if TextNormalizer.sameWord(scalar, stream[position]) { return true }
        return stream[position] == "-" && position + 1 < stream.count && TextNormalizer.isWordScalar(stream[position + 1])
            && TextNormalizer.isWordScalar(scalar)
    }

    /// How often a word occurs in the document.
    func occurrences(of hash: UInt64) -> Int { wordStarts[hash]?.count ?? 0 }

    // MARK: Pages

    /// The index in `pages` of the page holding stream position `position`.
    func pageIndex(at position: Int) -> Int {
        var low = 0
        var high = pages.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if pages[middle].streamStart <= position { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// The pages and page-text offsets that stream ranges cover, with the boxes of their lines.
    func locations(_ ranges: [Range<Int>]) -> [QuoteLocation] {
        var spans: [(page: Int, start: Int, end: Int)] = []
        for range in ranges {
            // Spaces at the edges of a stretch belong to the text around it.
            var range = range
            while let first = range.first, stream[first] == " " { range = range.dropFirst() }
            while let last = range.last, stream[last] == " " { range = range.dropLast() }
            for position in range where rawOffsets[position] >= 0 {
                let page = pageIndex(at: position)
                let offset = Int(rawOffsets[position])
                if let last = spans.last, last.page == page {
                    spans[spans.count - 1].start = min(last.start, offset)
                    spans[spans.count - 1].end = max(last.end, offset + 1)
                } else {
                    spans.append((page, offset, offset + 1))
                }
            }
        }
        return spans.map { span in
            QuoteLocation(
                page: pages[span.page].number, start: span.start, end: span.end,
                boxes: Self.lineBoxes(pages[span.page].words, covering: span.start..<span.end))
        }
    }

    /// The page's own text for stream ranges (several pages joined by a line break).
    func rawText(_ ranges: [Range<Int>]) -> String {
        locations(ranges).map { location in
            let page = pages.first { $0.number == location.page }!
            var view = String.UnicodeScalarView()
            view.append(contentsOf: page.raw[location.start..<location.end])
            return String(view)
        }.joined(separator: "\n")
    }

    /// Finds each word of `words` in `raw`, in order, looking a little way ahead of the last one found;
    /// words that cannot be found get no offsets.
    static func align(_ words: [AnalysisPage.Word], in raw: [Unicode.Scalar]) -> [(range: Range<Int>, box: QuoteBox)] {
        var aligned: [(range: Range<Int>, box: QuoteBox)] = []
        var cursor = 0
        for word in words {
            let needle = Array(word.text.unicodeScalars)
            guard !needle.isEmpty else { continue }
            let limit = min(raw.count - needle.count, cursor + 64 + needle.count)
            guard limit >= cursor else { continue }
            var found: Int?
            var candidate = cursor
            while candidate <= limit {
                if raw[candidate] == needle[0], raw[candidate..<candidate + needle.count].elementsEqual(needle) {
                    found = candidate
                    break
                }
                candidate += 1
            }
            if let found {
                aligned.append((found..<found + needle.count, word.box))
                cursor = found + needle.count
            }
        }
        return aligned
    }

    /// One rectangle per line of the words that overlap `range`: a word starts a new line when it is
    /// not level with the line so far or lies to its left.
    static func lineBoxes(_ words: [(range: Range<Int>, box: QuoteBox)], covering range: Range<Int>) -> [QuoteBox] {
        var lines: [QuoteBox] = []
        var lastX = -Double.infinity
        for word in words where word.range.overlaps(range) {
            let middle = (word.box.y1 + word.box.y2) / 2
            if let line = lines.last, middle >= line.y1, middle <= line.y2, word.box.x1 >= lastX {
                lines[lines.count - 1] = line.union(word.box)
            } else {
                lines.append(word.box)
            }
            lastX = word.box.x1
        }
        return lines
    }

    // MARK: Running headers and footers

    /// Per page, the raw offset ranges of its lines that are running headers, footers or page numbers:
    /// among the first and last three lines of a page, a line whose text (digits aside) is at an edge of
    /// at least three pages and a fifth of all pages, or a page number with only such lines (or other
    /// page numbers) between it and the edge.
    static func boilerplate(_ pages: [[Unicode.Scalar]]) -> [[Range<Int>]] {
        let edges = pages.map(edgeLines)
        var counts: [String: Int] = [:]
        for page in edges {
            for key in Set(page.map(\.key)) { counts[key, default: 0] += 1 }
        }
        let threshold = max(3, (pages.count + 4) / 5)
        return edges.map { lines in
            let repeated = lines.map { (counts[$0.key] ?? 0) >= threshold }
            // A page number only where nothing but running lines lies between it and the top or bottom
            // of the page: "payable within\n30\ndays" near the foot of a page keeps its "30".
            var numbered = [Bool](repeating: false, count: lines.count)
            for order in [Array(lines.indices), lines.indices.reversed()] {
                for index in order {
                    if isPageNumber(lines[index].key) {
                        numbered[index] = true
                    } else if !repeated[index] {
                        break
                    }
                }
            }
            return lines.indices.filter { repeated[$0] || numbered[$0] }.map { lines[$0].range }
        }
    }

    /// The offset ranges of the lines of `raw` (without their line feeds).
    static func lineRanges(_ raw: [Unicode.Scalar]) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = 0
        for (offset, scalar) in raw.enumerated() where scalar == "\n" {
            lines.append(start..<offset)
            start = offset + 1
        }
        lines.append(start..<raw.count)
        return lines
    }

    /// The first and last three non-blank lines of a page, with a key: normalised, digits as `#`.
    static func edgeLines(_ raw: [Unicode.Scalar]) -> [(range: Range<Int>, key: String)] {
        let lines = lineRanges(raw)
        let nonBlank = lines.filter { range in raw[range].contains { !$0.properties.isWhitespace } }
        let chosen = nonBlank.count <= 6 ? nonBlank : Array(nonBlank.prefix(3) + nonBlank.suffix(3))
        return chosen.compactMap { range in
            guard range.count <= 200 else { return nil }
            let mapped = TextNormalizer.normalized(Array(raw[range]))
            var key = String.UnicodeScalarView()
            for scalar in mapped.scalars {
                if scalar.properties.numericType != nil {
                    if key.last != "#" { key.append("#") }
                } else {
                    key.append(scalar)
                }
            }
            let text = String(key)
            return text.isEmpty ? nil : (range, text)
        }
    }

    // MARK: Clause numbers in the margin

    /// The raw offset ranges of lines that hold only a clause number or list marker set in the margin
    /// ("27.2", "6.1.5", "12", "3.", "c)"), which extraction reads as lines of their own, often in a
    /// column at the top of a page ("27.2 27.3 27.4 ... Texas law, then"), between the parts of a
    /// sentence. A run of such lines is layout when it starts the page (running headers aside), or
    /// follows a line that ends a sentence or clause (".", ":", ";"): a number inside
    /// a sentence ("within\n30\ndays") or in a table row is never one.
    /// `all`: every line that holds only a clause number or list marker, layout or not.
    static func marginNumbers(_ raw: [Unicode.Scalar], after boilerplate: [Range<Int>] = []) -> (layout: [Range<Int>], all: [Range<Int>]) {
        let lines: [Range<Int>] = lineRanges(raw).compactMap { line in
            let from = raw[line].firstIndex { !$0.properties.isWhitespace }
            let to = raw[line].lastIndex { !$0.properties.isWhitespace }
            guard let from, let to else { return nil }
            return from..<(to + 1)
        }
        // Running headers and footers aside: a column of numbers under the header starts the page.
        let running = lines.map { line in boilerplate.contains { $0.contains(line.lowerBound) } }
        var found: [Range<Int>] = []
        var all: [Range<Int>] = []
        var index = 0
        while index < lines.count {
            guard isMarginNumber(raw[lines[index]]) else {
                index += 1
                continue
            }
            var end = index
            while end + 1 < lines.count, isMarginNumber(raw[lines[end + 1]]) { end += 1 }
            // At the top of the page; at its foot only after a boundary like anywhere else, so that the
            // "30" of "payable within\n30" before a page break stays the sentence's.
            let atEdge = !running[..<index].contains(false)
            // U+037E, the Greek question mark, is how some filings set a semicolon.
            let afterBoundary = index > 0 && [".", ":", ";", "\u{037E}"].contains(raw[lines[index - 1].upperBound - 1])
            if atEdge || afterBoundary { found += lines[index...end] }
            all += lines[index...end]
            index = end + 1
        }
        return (found, all)
    }

    /// A clause number or a list marker: "27.2", "3.", "c)", "(iv)", "b.".
    static func isMarginNumber(_ line: ArraySlice<Unicode.Scalar>) -> Bool {
        isClauseNumber(line) || isListMarker(line)
    }

    /// "a)", "(b)", "c.", "iv)", "(xii)": one letter, or a roman numeral, closed by ")" or ".".
    static func isListMarker(_ line: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let last = line.last, last == ")" || last == "." else { return false }
        var body = line.dropLast()
        if body.first == "(" {
            guard last == ")" else { return false }
            body = body.dropFirst()
        }
        guard !body.isEmpty, body.count <= 4, body.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic }) else { return false }
        return body.count == 1 || body.allSatisfy { "ivxlcIVXLC".unicodeScalars.contains($0) }
    }

    /// How a margin number is compared with one in a quote: lower case, without a closing ".".
    static func marginKey(_ text: some Collection<Unicode.Scalar>) -> String {
        var scalars = String.UnicodeScalarView(text)
        if scalars.last == "." { scalars.removeLast() }
        return String(scalars).lowercased()
    }

    /// "27", "27.2", "6.1.5.3", "3.": numbers of at most three digits joined by dots.
    static func isClauseNumber(_ line: ArraySlice<Unicode.Scalar>) -> Bool {
        var digits = 0
        var previous: Unicode.Scalar = "."
        for scalar in line {
            if scalar.isASCII, scalar.value >= 48, scalar.value <= 57 {
                digits += 1
                if digits > 3 { return false }
            } else if scalar == ".", previous != "." {
                digits = 0
            } else {
                return false
            }
            previous = scalar
        }
        return !line.isEmpty && line.first != "."
    }

    /// "12", "- 12 -", "page 12", "page 12 of 80", "12/80", "xii".
    static func isPageNumber(_ key: String) -> Bool {
        var text = Substring(key)
        if text.hasPrefix("page ") { text = text.dropFirst(5) }
        let squeezed = text.filter { $0 != " " && $0 != "-" && $0 != "." && $0 != "[" && $0 != "]" }
        if squeezed == "#" { return true }
        let parts = squeezed.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 == "#" } }) { return true }
        // "#of#" once the spaces are gone.
        if squeezed == "#of#" { return true }
        return squeezed.count <= 5 && !squeezed.isEmpty && squeezed.allSatisfy { "ivxlc".contains($0) }
    }
}
