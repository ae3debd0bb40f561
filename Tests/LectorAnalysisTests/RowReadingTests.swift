import Foundation
import LectorAnalysis
import Testing

/// Pages read again row by row from their word boxes, for quotes that Poppler's reading order scrambles.
@Suite("Row reading of a page")
struct RowReadingTests {
    /// A word at `x` on the line whose top is `y` (10 points high, 6 points a letter).
    static func word(_ text: String, x: Double, y: Double) -> AnalysisPage.Word {
        AnalysisPage.Word(text: text, box: QuoteBox(x1: x, y1: y, x2: x + 6 * Double(text.count), y2: y + 10))
    }

    /// Words laid out left to right from `x` on one line, 6 points apart.
    static func line(_ text: String, x: Double = 50, y: Double, gapAfter: Set<Int> = [], gap: Double = 6) -> [AnalysisPage.Word] {
        var position = x
        var words: [AnalysisPage.Word] = []
        for (index, piece) in text.split(separator: " ").enumerated() {
            let w = word(String(piece), x: position, y: y)
            words.append(w)
            position = w.box.x2 + (gapAfter.contains(index) ? gap : 6)
        }
        return words
    }

    /// A justified line whose wide gaps made Poppler read it in pieces, as on page 23 of the ALAMOGORDO
    /// agency agreement in CUAD: the page text has "This Agreement", then the next line, then "shall",
    /// "be", "construed", "in" on lines of their own.
    static let justified: (text: String, words: [AnalysisPage.Word]) = {
        let first = line("Section 16. Construction. This Agreement shall be construed in", y: 100, gapAfter: [4, 5, 6, 7], gap: 30)
        let second = line("accordance with the laws of the State of Kansas.", x: 20, y: 112)
        let text = "Section 16. Construction.\nThis Agreement\naccordance with the laws of the State of Kansas.\nshall\nbe\nconstrued\nin\n"
        // Poppler's order: the words as its text has them.
        let order = Array(first[0..<5]) + second + Array(first[5...])
        return (text, order)
    }()

    static let kansas = "This Agreement shall be construed in accordance with the laws of the State of Kansas."

    static func result(quotes: [VerifiedQuote]) -> AnalysisResult {
        var finding = Finding(
            category: "governing_law", presence: .present, value: "Kansas", normalized: NormalizedValue(), pages: [],
            quotes: quotes, confidence: 0.9, risk: .low, riskRationale: nil)
        finding.assessGrounding()
        let plan = AnalysisPlan(
            contextTokens: 32_768, outputTokens: 4096, marginTokens: 128, budgetTokens: 28_000, fixedTokens: 1000,
            requests: [], visionPagesAsText: [], imagePolicy: .auto)
        return AnalysisResult(
            profile: "test", promptVersion: "test", facts: DocumentFacts(), findings: [finding], plan: plan, usage: .init(),
            engineMilliseconds: 0, totalMilliseconds: 0, model: "test", engineHost: "127.0.0.1", externalEngine: false,
            reasoningEffort: nil)
    }

    @Test("a justified line Poppler split verifies when read by rows, located at its words")
    func justifiedLineVerifiesByRows() throws {
        let page = AnalysisPage(number: 23, text: Self.justified.text, words: Self.justified.words)
        let verifier = QuoteVerifier(pages: [page])
        #expect(verifier.verify(Self.kansas, page: 23).match == .notFound)

        var result = Self.result(quotes: [verifier.verify(Self.kansas, page: 23)])
        #expect(result.findings[0].flags == [.presentWithoutVerifiedQuote])
        #expect(result.pagesToReread == [23])
        result.reread(page: 23, text: page.text, words: page.words)
        let quote = try #require(result.findings[0].quotes.first)
        #expect(quote.match == .normalized)
        #expect(quote.verified)
        #expect(result.findings[0].flags.isEmpty)
        #expect(result.findings[0].pages == [23])
        let location = try #require(quote.locations.first)
        // From "This" to "in" in the page text, and one box per line of the page.
        let scalars = Array(page.text.unicodeScalars)
        #expect(String(String.UnicodeScalarView(scalars[location.start..<location.end])).hasPrefix("This Agreement"))
        #expect(String(String.UnicodeScalarView(scalars[location.start..<location.end])).hasSuffix("\nin"))
        #expect(location.boxes.count == 2)
        #expect(location.boxes[0].x1 == Self.justified.words.first { $0.text == "This" }!.box.x1)
        #expect(location.boxes[1].y1 == 112)
    }

    @Test("an edit that changes the meaning is not verified by the row reading either")
    func editsStayUnverified() {
        let page = AnalysisPage(number: 23, text: Self.justified.text, words: Self.justified.words)
        let edits = [
            "This Agreement shall not be construed in accordance with the laws of the State of Kansas.",
            "This Agreement shall be construed in accordance with the laws of the State of Texas.",
            "This Agreement shall be construed without accordance with the laws of the State of Kansas.",
        ]
        for edit in edits {
            let verifier = QuoteVerifier(pages: [page])
            var result = Self.result(quotes: [verifier.verify(edit, page: 23)])
            result.reread(page: 23, text: page.text, words: page.words)
            #expect(result.findings[0].quotes.first?.verified == false, "\(edit)")
            #expect(result.findings[0].flags == [.presentWithoutVerifiedQuote], "\(edit)")
        }
    }

    @Test("a table is read row by row, its cells joined across the gap")
    func tableRows() throws {
        // A paragraph above the table: the quote's words lie far into the page text.
        let preamble = "The specific conditions below form part of this transportation contract between the sender and the shipper"
        var words = Self.line(preamble, x: 40, y: 60)
        let cells = [("TERM OF EXECUTION", "From January 30, 2012 until July 29, 2012"), ("CONTRACT VALUE", "Four thousand pesos")]
        // In Poppler's order, as its words come: the labels' column, then the values'.
        for (index, cell) in cells.enumerated() { words += Self.line(cell.0, x: 40, y: 100 + 14 * Double(index)) }
        for (index, cell) in cells.enumerated() { words += Self.line(cell.1, x: 300, y: 100 + 14 * Double(index)) }
        let reading = try #require(RowReading(page: 1, words: words))
        #expect(reading.text == preamble + "\nTERM OF EXECUTION From January 30, 2012 until July 29, 2012\nCONTRACT VALUE Four thousand pesos")
        let text = preamble + "\nTERM OF EXECUTION\nCONTRACT VALUE\nFrom January 30, 2012 until July 29, 2012\nFour thousand pesos\n"
        let quote = try #require(reading.ground("TERM OF EXECUTION From January 30, 2012 until July 29, 2012", pageText: text))
        #expect(quote.verified)
        // Located from the label to the end of its value in the page text, one box for the row.
        let location = try #require(quote.locations.first)
        let scalars = Array(text.unicodeScalars)
        #expect(String(String.UnicodeScalarView(scalars[location.start..<location.end])).hasPrefix("TERM OF EXECUTION"))
        #expect(String(String.UnicodeScalarView(scalars[location.start..<location.end])).hasSuffix("July 29, 2012"))
        #expect(location.boxes.count == 1)
        #expect(reading.ground("TERM OF EXECUTION From January 31, 2012 until July 29, 2012", pageText: text) == nil)
    }

    @Test("a page in two columns of prose is not read by rows: its lines would join into sentences it does not have")
    func twoColumnsAreNotJoined() {
        var words: [AnalysisPage.Word] = []
        let left = "the licensee shall pay the fees within thirty days"
        let right = "neither party may assign this agreement without consent"
        for row in 0..<12 {
            words += Self.line(left, x: 40, y: 100 + 14 * Double(row))
            words += Self.line(right, x: 380, y: 100 + 14 * Double(row))
        }
        #expect(RowReading(page: 1, words: words) == nil)
        // One row with a gap is a table row, not a column layout.
        #expect(RowReading(page: 1, words: Self.line(left, x: 40, y: 100) + Self.line(right, x: 380, y: 100)) != nil)
    }
}
