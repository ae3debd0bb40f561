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
        ("SERVICES DEFINED IN SCHEDULE 1", 1, .normalized),
    ])
    func normalised(quote: String, page: Int, match: QuoteMatch) {
        let result = verifier.verify(quote, page: page)
        #expect(result.verified)
        #expect(result.match == match)
        #expect(result.page == page)
        #expect(result.pageCorrectedFrom == nil)
        #expect(result.documentText == nil)
    }

    @Test("OCR-like noise and a dropped comma are approximate: never verified, the page's own text kept")
    func approximate() throws {
        let result = verifier.verify("The Licensee shall pay the annual fee of EUR 10,000 within 30 days", page: 4)
        #expect(!result.verified)
        #expect(result.match == .approximate)
        #expect(result.documentText == "Tbe Llcensee shall pay the annual fee of EUR 10,000 within 30 days")
        let comma = verifier.verify("the Customer shall maintain insurance, with a limit of USD 5,000,000", page: 3)
        #expect(comma.match == .approximate)
        #expect(!comma.verified)
        #expect(comma.documentText?.hasPrefix("The Customer shall maintain insurance  with") == true)
        let location = try #require(result.locations.first)
        #expect(location.page == 4)
        #expect(location.start == 0)
    }

    /// One sentence of a contract and the meaning-changing edits of the issue; none may be verified or
    /// approximate, however small the edit.
    static let contract = QuoteVerifier(pages: [
        AnalysisPage(number: 1, text: """
            1. Licence. Licensor grants Licensee a non-exclusive licence to use the Software during the Term.
            2. Liability. The Supplier shall not be liable for indirect damages exceeding 15% of the fees.
            3. Payment. Customer shall pay EUR 25,000 within 30 days of each invoice without set-off.
            4. Assignment. Neither party may assign this Agreement except with the consent of the other.
            5. Renewal. This Agreement renews automatically unless either party gives notice.
            """)
    ])

    @Test("a meaning-changing edit is never verified and never approximate", arguments: [
        // A "not" dropped, or added.
        "The Supplier shall be liable for indirect damages exceeding 15% of the fees",
        "Licensor grants Licensee a non-exclusive licence not to use the Software during the Term",
        // One digit changed.
        "The Supplier shall not be liable for indirect damages exceeding 16% of the fees",
        "Customer shall pay EUR 25,000 within 31 days of each invoice without set-off",
        "Customer shall pay EUR 26,000 within 30 days of each invoice without set-off",
        // Exclusive for non-exclusive, direct for indirect.
        "Licensor grants Licensee a exclusive licence to use the Software during the Term",
        "The Supplier shall not be liable for direct damages exceeding 15% of the fees",
        // With for without.
        "Customer shall pay EUR 25,000 within 30 days of each invoice with set-off",
        // Either for neither, an exception dropped.
        "Either party may assign this Agreement except with the consent of the other",
        "Neither party may assign this Agreement with the consent of the other",
        // A currency sign or percent changed.
        "Customer shall pay USD 25,000 within 30 days of each invoice without set-off",
        "The Supplier shall not be liable for indirect damages exceeding 15 of the fees",
        // "unless" dropped.
        "This Agreement renews automatically either party gives notice",
    ])
    func meaningChanged(quote: String) {
        let result = Self.contract.verify(quote, page: 1)
        #expect(!result.verified)
        #expect(result.match == .notFound)
        #expect(result.documentText == nil)
    }

    @Test("the unedited sentences verify")
    func unedited() {
        for quote in [
            "The Supplier shall not be liable for indirect damages exceeding 15% of the fees",
            "Licensor grants Licensee a non-exclusive licence to use the Software during the Term",
            "Neither party may assign this Agreement except with the consent of the other",
        ] {
            #expect(Self.contract.verify(quote, page: 1).match == .exact)
        }
    }

    @Test("matches start and end on word boundaries: 'Either' is not inside 'Neither'")
    func wordBoundaries() {
        #expect(Self.contract.verify("either party may assign this Agreement", page: 1).match == .notFound)
        #expect(Self.contract.verify("ither party may assign this Agreement", page: 1).match == .notFound)
        // A word cut short is at best approximate.
        #expect(!Self.contract.verify("Neither party may assign this Agreemen", page: 1).verified)
        #expect(Self.contract.verify("Neither party may assign this Agreement", page: 1).match == .exact)
    }

    @Test("a hyphenated compound is one word: 'exclusive licence' is not inside 'non-exclusive licence'", arguments: [
        "exclusive licence to use the Software during the Term",
        "exclusive licence to use the Software",
    ])
    func compounds(quote: String) {
        let result = Self.contract.verify(quote, page: 1)
        #expect(result.match == .notFound)
        // Cut before the end of the compound: close, never verified, the page's whole compound shown.
        let cut = Self.contract.verify("Licensor grants Licensee a non", page: 1)
        #expect(!cut.verified)
        #expect(cut.documentText?.hasSuffix("non-exclusive") == true)
    }

    @Test("quotes below three words or fifteen letters are too short", arguments: ["N/A", "the Term", "shall pay EUR", "   "])
    func tooShort(quote: String) {
        let result = Self.contract.verify(quote, page: 1)
        #expect(result.match == .tooShort)
        #expect(!result.verified)
    }

    @Test("a fabricated quote stays unverified on its claimed page")
    func fabricated() {
        let result = verifier.verify("The Supplier may subcontract any services without consent", page: 1)
        #expect(!result.verified)
        #expect(result.match == .notFound)
        #expect(result.page == 1)
        #expect(result.locations.isEmpty)
    }

    @Test("a quote on another page gets that page and records the claimed one")
    func corrected() {
        let result = verifier.verify("Either party may terminate this Agreement", page: 3)
        #expect(result.verified)
        #expect(result.page == 2)
        #expect(result.pageCorrectedFrom == 3)
    }

    @Test("a repeated phrase is attributed to the page the model named")
    func repeated() {
        let text = "The Receiving Party shall keep the Confidential Information secret."
        let pages = (1...3).map { AnalysisPage(number: $0, text: "Clause \($0). \(text)") }
        let verifier = QuoteVerifier(pages: pages)
        for page in 1...3 {
            let result = verifier.verify("shall keep the Confidential Information secret", page: page)
            #expect(result.page == page)
            #expect(result.locations.map(\.page) == [page])
            #expect(result.pageCorrectedFrom == nil)
        }
    }

    /// Three pages with a running header, a footer with the page number, and sentences that run over the
    /// page breaks.
    static let paginated = QuoteVerifier(pages: (1...4).map { number in
        let body = [
            "The Distributor shall purchase the minimum quantities set out in Exhibit A and shall",
            "pay for them within sixty days. The Company may terminate this Agreement if the Distributor",
            "fails to meet the minimum quantities for two consecutive quarters, by written notice",
            "given to the Distributor at its registered office.",
        ][number - 1]
        return AnalysisPage(
            number: number,
            text: "ACME CORP - DISTRIBUTION AGREEMENT\nCONFIDENTIAL\n\(body)\nPage \(number) of 4\nSource: ACME CORP, 10-K, 3/1/2019\n")
    })

    @Test("a quote over a page break verifies, skipping running headers, footers and page numbers")
    func crossPage() throws {
        let result = Self.paginated.verify(
            "set out in Exhibit A and shall pay for them within sixty days", page: 1)
        #expect(result.verified)
        #expect(result.match == .normalized)
        #expect(result.locations.map(\.page) == [1, 2])
        let three = Self.paginated.verify(
            "The Company may terminate this Agreement if the Distributor fails to meet the minimum quantities", page: 2)
        #expect(three.verified)
        #expect(three.locations.map(\.page) == [2, 3])
    }

    @Test("a quote interrupted by the footer and header as the text has them also verifies")
    func headerInterrupted() {
        let result = Self.paginated.verify(
            "within sixty days. The Company may terminate this Agreement if the Distributor Page 2 of 4 Source: ACME CORP, 10-K, 3/1/2019 ACME CORP - DISTRIBUTION AGREEMENT CONFIDENTIAL fails to meet",
            page: 2)
        #expect(result.verified)
        #expect(result.locations.map(\.page) == [2, 3])
    }

    @Test("an elided quote verifies when its parts follow each other, not when the gap negates", arguments: [
        ("The Distributor shall purchase the minimum quantities ... within sixty days", QuoteMatch.normalized),
        ("The Distributor shall purchase [...] pay for them within sixty days", .normalized),
        ("The Distributor shall purchase \u{2026} for two consecutive quarters", .normalized),
        ("pay for them within sixty days ... The Distributor shall purchase", .notFound),
    ])
    func elided(quote: String, match: QuoteMatch) {
        #expect(Self.paginated.verify(quote, page: 1).match == match)
    }

    @Test("an elision that hides a negation does not verify")
    func elidedNegation() {
        #expect(Self.contract.verify("The Supplier shall ... be liable for indirect damages", page: 1).match == .notFound)
    }

    @Test("located: offsets in the page text")
    func offsets() throws {
        let page = "The Supplier shall provide the services de\u{FB01}ned in Schedule 1 and of\u{FB02}ine support."
        let result = verifier.verify("services defined in Schedule 1", page: 1)
        let location = try #require(result.locations.first)
        let scalars = Array(page.unicodeScalars)[location.start..<location.end]
        #expect(String(String.UnicodeScalarView(scalars)) == "services de\u{FB01}ned in Schedule 1")
    }

    @Test("located: one box per line, covering exactly the quote's words")
    func boxes() throws {
        func word(_ text: String, _ x: Double, _ y: Double) -> AnalysisPage.Word {
            AnalysisPage.Word(text: text, box: QuoteBox(x1: x, y1: y, x2: x + Double(text.count) * 5, y2: y + 10))
        }
        let words = [
            word("Fees", 10, 100), word("are", 40, 100), word("payable", 60, 100), word("within", 110, 100),
            word("thirty", 10, 112), word("days", 50, 112), word("of", 80, 112), word("invoice.", 95, 112),
        ]
        let page = AnalysisPage(number: 1, text: "Fees are payable within\nthirty days of invoice.", words: words)
        let result = QuoteVerifier(pages: [page]).verify("payable within thirty days", page: 1)
        let boxes = try #require(result.locations.first?.boxes)
        #expect(boxes == [words[2].box.union(words[3].box), words[4].box.union(words[5].box)])
    }

    /// What extraction does to text that a quote may or may not reproduce.
    static let extracted = QuoteVerifier(pages: [
        AnalysisPage(number: 1, text: """
            13.1This Agreement shall be governed by the laws of England.
            Licensor grants a non-
            exclusive licence, which the Licensee may termi-
            nate on notice, and Customer agrees not to:
            (i)transfer, assign or sublicense its rights.
            """)
    ])

    @Test("extraction's quirks are normalised away", arguments: [
        // A clause number glued to the first word.
        "This Agreement shall be governed by the laws of England",
        // A line-end hyphen: kept, dropped, or kept with the line break as a space.
        "Licensor grants a non-exclusive licence",
        "Licensor grants a nonexclusive licence",
        "Licensor grants a non- exclusive licence",
        "which the Licensee may terminate on notice",
        // A space beside punctuation that extraction lost.
        "Customer agrees not to: (i) transfer, assign or sublicense its rights",
        // CUAD's annotators' gap marker.
        "This Agreement shall be<omitted>laws of England",
    ])
    func extractionQuirks(quote: String) {
        #expect(Self.extracted.verify(quote, page: 1).verified)
    }

    @Test("but a glued number is still a number: '13.1This' does not verify '3.1This'")
    func gluedNumbers() {
        #expect(!Self.extracted.verify("3.1This Agreement shall be governed by the laws of England", page: 1).verified)
        #expect(!Self.extracted.verify("Licensor grants an exclusive licence, which the Licensee", page: 1).verified)
        // An elision over "non-exclusive" hides a negation.
        #expect(!Self.extracted.verify("This Agreement shall be governed<omitted>licence, which the Licensee may terminate", page: 1).verified)
    }

    /// A franchise agreement whose clause numbers extraction reads as a column of lines of their own at
    /// the top of a page, and whose list markers come as a column before the items.
    static let margins = QuoteVerifier(pages: [
        AnalysisPage(number: 1, text: """
            ACME FRANCHISE AGREEMENT
            27.1 Choice of Law. This Agreement will be interpreted under the laws of the State of Texas;
            provided that if the covenants in Section 19 would not be enforced as written under
            Page 1 of 3
            """),
        AnalysisPage(number: 2, text: """
            ACME FRANCHISE AGREEMENT
            27.2
            27.3
            9.4
            Texas law, then the covenants will be construed under the laws of the state of the franchise.
            To develop other systems using the same marks without giving you any rights to those marks.
            Change to Marks. We reserve the right to substitute different marks.
            Fees are payable within
            30
            days of invoice.
            Page 2 of 3
            """),
        AnalysisPage(number: 3, text: """
            ACME FRANCHISE AGREEMENT
            We may terminate this Agreement in the following events:
            a)
            b)
            c)
            Serious default of your obligations.
            Your dissolution as a legal person.
            The unauthorized assignment of this Agreement by you.
            6.1.3the Owner ceases to trade; or
            SILICON SMELTERS \u{00AB} Pty \u{00BB} Ltd, a company registered in South Africa.
            Page 3 of 3
            """),
    ])

    @Test("clause numbers and list markers in the margin are layout: a quote passes over them or has them where its clause starts", arguments: [
        // A column of clause numbers at the top of the next page, inside a sentence.
        "would not be enforced as written under Texas law, then the covenants will be construed",
        // The footer quoted as well.
        "would not be enforced as written under Page 1 of 3 Texas law, then the covenants will be construed",
        // The clause number where the clause starts, as the page has it in its margin.
        "without giving you any rights to those marks. 9.4 Change to Marks. We reserve the right",
        // A list marker before an item the page lists after a column of markers.
        "in the following events:<omitted>c) The unauthorized assignment of this Agreement by you.",
        "c) The unauthorized assignment of this Agreement by you.",
        // A space between a clause number and its first word that extraction lost.
        "6.1.3 the Owner ceases to trade",
        // Guillemets typed as "<<" and ">>".
        "SILICON SMELTERS << Pty >> Ltd",
    ])
    func marginNumbers(quote: String) {
        let result = Self.margins.verify(quote, page: nil)
        #expect(result.verified, "\(quote): \(result.match)")
    }

    @Test("but a number inside a sentence, or one the margin does not have, is never passed over", arguments: [
        // "30" on a line of its own inside a sentence is the sentence's.
        "Fees are payable within days of invoice.",
        "Fees are payable within 31 days of invoice.",
        // A clause number the page has nowhere.
        "without giving you any rights to those marks. 9.5 Change to Marks. We reserve the right",
        // A list marker the margin does not have.
        "in the following events:<omitted>d) The unauthorized assignment of this Agreement by you.",
        // A changed clause number glued to its word.
        "6.1.4 the Owner ceases to trade",
        // A "not" dropped next to the column.
        "would be enforced as written under Texas law, then the covenants will be construed",
    ])
    func marginNumbersRefused(quote: String) {
        let result = Self.margins.verify(quote, page: nil)
        #expect(!result.verified, "\(quote): \(result.match)")
    }

    static let listed = QuoteVerifier(pages: [
        AnalysisPage(number: 1, text: """
            If a payment is late: (i) the Supplier shall not charge interest for the first week, and no fee \
            is due; or (ii) after the first week, the Customer shall pay interest at the statutory rate.
            The Licensee shall pay the fees quarterly.

            """ + String(repeating: "The parties shall meet each month to review the services.\n", count: 60)
            + "This Agreement is governed by the laws of England and Wales.")
    ])

    @Test("an elision may pass over whole sentences and list items, and reach a far part that stands alone")
    func elidedFar() {
        let items = Self.listed.verify(
            "If a payment is late: <omitted> (ii) after the first week, the Customer shall pay interest at the statutory rate", page: 1)
        #expect(items.verified)
        let far = Self.listed.verify("The Licensee shall pay the fees quarterly. <omitted> governed by the laws of England and Wales", page: 1)
        #expect(far.verified)
        #expect(far.locations.count == 1)
    }

    @Test("but not over a negation in the sentence a part is in, nor to a far part too short to stand alone", arguments: [
        // "not" hidden inside the sentence of the first part.
        "If a payment is late: (i) the Supplier shall <omitted> charge interest for the first week",
        // "no" hidden in the item the second part ends.
        "If a payment is late: (i) the Supplier shall not charge interest for the first week, and <omitted> fee is due",
        // Two words three thousand characters on: anywhere.
        "The Licensee shall pay the fees quarterly. <omitted> and Wales",
    ])
    func elidedFarRefused(quote: String) {
        #expect(!Self.listed.verify(quote, page: 1).verified)
    }

    @Test("normalisation")
    func normalizer() {
        #expect(TextNormalizer.normalize("  Con\u{FB01}dential  \n Infor-\n  mation\u{2019}s \u{201C}X\u{201D} ") == "confidential information's \"x\"")
        // A hyphen before a capital or a number is a real hyphen.
        #expect(TextNormalizer.normalize("Non-\nCompete") == "non- compete")
        // Compatibility forms: full-width letters, superscript digits stay digits.
        #expect(TextNormalizer.normalize("\u{FF21}\u{FF22}\u{FF23} Ltd") == "abc ltd")
    }
}

@Suite("Findings that contradict themselves")
struct GroundingFlagTests {
    func finding(
        _ presence: Presence, value: NormalizedValue = NormalizedValue(), quotes: [(String, QuoteMatch)]
    ) -> Finding {
        var finding = Finding(
            category: "x", presence: presence, value: nil, normalized: value, pages: [],
            quotes: quotes.map { VerifiedQuote(text: $0.0, page: 1, match: $0.1) }, confidence: 0.9, risk: .low,
            riskRationale: nil)
        finding.assessGrounding()
        return finding
    }

    @Test("present without a verified quote, absent with quotes")
    func presence() {
        #expect(finding(.present, quotes: [("shall pay the fees", .approximate)]).flags == [.presentWithoutVerifiedQuote])
        #expect(finding(.present, quotes: []).flags == [.presentWithoutVerifiedQuote])
        #expect(finding(.absent, quotes: [("shall pay the fees", .exact)]).flags == [.absentWithQuotes])
        #expect(finding(.absent, quotes: []).flags.isEmpty)
        #expect(finding(.present, quotes: [("shall pay the fees", .exact)]).flags.isEmpty)
    }

    @Test("a value read in a verified quote is grounded", arguments: [
        (NormalizedValue(date: "2021-03-15"), "effective as of March 15, 2021 (the Effective Date)"),
        (NormalizedValue(date: "2021-03-15"), "made on the 15th day of March, 2021 between"),
        (NormalizedValue(date: "2021-03-15"), "dated 15/03/2021 and signed by both"),
        (NormalizedValue(amount: 1_000_000, currency: "USD"), "shall not exceed $1,000,000 in the aggregate"),
        (NormalizedValue(amount: 5_000_000, currency: "EUR"), "a cap of five million euros in total"),
        (NormalizedValue(duration: "P30D"), "upon thirty (30) days' prior written notice"),
        (NormalizedValue(duration: "P1Y"), "renews for successive twelve month periods"),
        (NormalizedValue(duration: "P2Y"), "for a further term of two (2) years"),
    ])
    func grounded(value: NormalizedValue, quote: String) {
        let f = finding(.present, value: value, quotes: [(quote, .exact)])
        #expect(f.valueGrounded == true)
        #expect(f.flags.isEmpty)
    }

    @Test("a value found in no verified quote is not grounded", arguments: [
        (NormalizedValue(date: "2021-03-16"), "effective as of March 15, 2021 (the Effective Date)"),
        (NormalizedValue(amount: 2_000_000, currency: "USD"), "shall not exceed $1,000,000 in the aggregate"),
        (NormalizedValue(duration: "P60D"), "upon thirty (30) days' prior written notice"),
    ])
    func ungrounded(value: NormalizedValue, quote: String) {
        let f = finding(.present, value: value, quotes: [(quote, .exact)])
        #expect(f.valueGrounded == false)
        #expect(f.flags == [.valueNotInQuotes])
        // An approximate quote does not ground a value either.
        let approximate = finding(.present, value: value, quotes: [(quote, .approximate)])
        #expect(approximate.valueGrounded == false)
    }

    @Test("no date, amount or duration: nothing to ground")
    func noValue() {
        #expect(finding(.present, value: NormalizedValue(boolean: true), quotes: [("shall pay the fees", .exact)]).valueGrounded == nil)
    }
}
