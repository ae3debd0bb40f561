extension AnalysisResult {
    /// The pages whose quote locations have no boxes yet: the pages whose words a caller that extracted
    /// without words should fetch for ``locateBoxes(page:text:words:)``.
    public var pagesToLocate: [Int] {
        var pages = Set<Int>()
        for finding in findings {
            for quote in finding.quotes {
                for location in quote.locations where location.boxes.isEmpty { pages.insert(location.page) }
            }
        }
        return pages.sorted()
    }

    /// Fills the boxes of the quote locations on page `page` from its words (one rectangle per line of
    /// each passage), when extraction ran without words and they are fetched only for the pages that hold
    /// located quotes.
    ///
    /// - Parameters:
    ///   - text: the page's text, as given to the analysis (the locations' offsets are in it).
    ///   - words: the page's words in reading order with their boxes.
    public mutating func locateBoxes(page: Int, text: String, words: [AnalysisPage.Word]) {
        let aligned = DocumentText.align(words, in: Array(text.unicodeScalars))
        guard !aligned.isEmpty else { return }
        for f in findings.indices {
            for q in findings[f].quotes.indices {
                for l in findings[f].quotes[q].locations.indices {
                    let location = findings[f].quotes[q].locations[l]
                    guard location.page == page, location.boxes.isEmpty else { continue }
                    findings[f].quotes[q].locations[l].boxes =
                        DocumentText.lineBoxes(aligned, covering: location.start..<location.end)
                }
            }
        }
    }
}
