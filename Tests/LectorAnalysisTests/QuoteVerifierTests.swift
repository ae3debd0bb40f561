import LectorAnalysis
import Testing

@Suite("Quote grounding")
struct QuoteVerifierTests {
    let verifier = QuoteVerifier(pages: [
        AnalysisPage(number: 1, text: "The Supplier shall provide the services de\u{FB01}ned in Schedule 1 and of\u{FB02}ine support."),
        AnalysisPage(number: 2, text: "Either party may termi-\nnate this Agreement on \u{201C}thirty\u{201D} days\u{2019} notice \u{2014} in writing."),
        AnalysisPage(number: 3, text: "The Customer shall maintain insurance  with a limit of\n\nUSD 5,000,000 per occurrence."),
        AnalysisPage(number: 4, text: "Tbe Llcensee shall pay the annual fee of EUR 10,000 within 30 days of invoice."),
    ])

    @Test("exact, then normalised (ligatures, hyphenation, quotes, dashes, case, whitespace)", arguments: [
        ("The Supplier shall provide", 1, QuoteMatch.exact),
        ("services defined in Schedule 1 and offline support", 1, .normalized),
        ("either party may terminate this agreement on \"thirty\" days' notice - in writing", 2, .normalized),
        ("maintain insurance with a limit of USD 5,000,000 per occurrence", 3, .normalized),
    ])
    func normalised(quote: String, page: Int, match: QuoteMatch) {
        let result = verifier.verify(quote, page: page)
        #expect(result.verified)
        #expect(result.match == match)
        #expect(result.page == page)
        #expect(result.pageCorrectedFrom == nil)
    }

    @Test("OCR-like noise matches tolerantly")
    func tolerant() {
        let result = verifier.verify("The Licensee shall pay the annual fee of EUR 10,000 within 30 days", page: 4)
        #expect(result.verified)
        #expect(result.match == .tolerant)
        #expect(verifier.verify("the Customer shall maintain insurance, with a limit of USD 5000000", page: 3).match == .tolerant)
    }

    @Test("a fabricated quote stays unverified on its claimed page")
    func fabricated() {
        let result = verifier.verify("The Supplier may subcontract any services without consent", page: 1)
        #expect(!result.verified)
        #expect(result.match == nil)
        #expect(result.page == 1)
        #expect(!verifier.verify("   ", page: 2).verified)
    }

    @Test("a quote on another page gets that page and records the claimed one")
    func corrected() {
        let result = verifier.verify("Either party may terminate this Agreement", page: 3)
        #expect(result.verified)
        #expect(result.page == 2)
        #expect(result.pageCorrectedFrom == 3)
    }

    @Test("normalisation")
    func normalizer() {
        #expect(TextNormalizer.normalize("  Con\u{FB01}dential  \n Infor-\n  mation\u{2019}s \u{201C}X\u{201D} ") == "confidential information's \"x\"")
        // A hyphen before a capital or a number is a real hyphen.
        #expect(TextNormalizer.normalize("Non-\nCompete") == "non- compete")
    }
}
