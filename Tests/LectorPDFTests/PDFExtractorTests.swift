import Foundation
import LectorCore
import LectorPDF
import Testing

/// Extraction of PDFs the tests generate, through the isolated child as the workers run it.
@Suite struct PDFExtractorTests {
    func extract(
        _ bytes: [UInt8], password: String? = nil, options: ExtractionOptions = .init(), pagesPerChild: Int = 40
    ) async throws -> ExtractedDocument {
        try await TestEnvironment.extractor(pagesPerChild: pagesPerChild).extract(bytes, password: password, options: options)
    }

    func failure(_ bytes: [UInt8], password: String? = nil) async throws -> PDFError {
        do {
            _ = try await extract(bytes, password: password)
        } catch let error as PDFError {
            return error
        }
        Issue.record("expected a PDFError")
        throw TestEnvironment.MissingBinary()
    }

    @Test func twoColumnPageReadsColumnByColumn() async throws {
        let document = try await extract(GeneratedPDF.twoColumns(lines: 12))
        let text = try #require(document.pages.first).text
        let positions = (1...12).map { line in
            (left: text.range(of: "Left column line \(line) alpha")?.lowerBound,
             right: text.range(of: "Right column line \(line) omega")?.lowerBound)
        }
        for (line, position) in positions.enumerated() {
            #expect(position.left != nil, "left line \(line + 1) missing")
            #expect(position.right != nil, "right line \(line + 1) missing")
        }
        // Reading order: the whole left column, then the whole right column, each top to bottom.
        let lefts = positions.compactMap(\.left)
        let rights = positions.compactMap(\.right)
        #expect(lefts == lefts.sorted())
        #expect(rights == rights.sorted())
        #expect(try #require(lefts.last) < (try #require(rights.first)))
    }

    @Test func wordsCarryBoxesInsideThePage() async throws {
        var options = ExtractionOptions()
        options.words = true
        let page = try #require(try await extract(GeneratedPDF.twoColumns(lines: 3), options: options).pages.first)
        let omega = page.words.filter { $0.text == "omega" }
        #expect(omega.count == 3)
        for word in page.words {
            #expect(word.box.x1 >= 0 && word.box.x2 <= page.width && word.box.y1 >= 0 && word.box.y2 <= page.height)
            #expect(word.box.x2 > word.box.x1 && word.box.y2 > word.box.y1)
        }
        // Right-column words sit right of the column gap, left-column ones left of it.
        #expect(omega.allSatisfy { $0.box.x1 > 300 })
        #expect(page.words.filter { $0.text == "alpha" }.allSatisfy { $0.box.x2 < 320 })
    }

    @Test(arguments: [90, 180, 270])
    func rotatedPage(degrees: Int) async throws {
        var options = ExtractionOptions()
        options.vision = .all
        options.renderImages = true
        options.maxSide = 600
        let document = try await extract(
            GeneratedPDF.rotated(degrees: degrees, lines: ["Rotated page first line", "Rotated page second line"]),
            options: options)
        let page = try #require(document.pages.first)
        #expect(page.rotation == degrees)
        #expect(page.text.contains("Rotated page first line"))
        let first = try #require(page.text.range(of: "first line"))
        let second = try #require(page.text.range(of: "second line"))
        #expect(first.lowerBound < second.lowerBound)
        let image = try #require(page.image)
        if degrees == 180 {
            #expect(page.width < page.height)
            #expect(image.height == 600 && image.width < 600)
        } else {
            // An A4 portrait page turned a quarter is displayed (and rendered) landscape.
            #expect(page.width > page.height)
            #expect(image.width == 600 && image.height < 600)
        }
    }

    /// A page image at a screen width (the review desk's): the width decides, whatever the page's shape,
    /// within 300 dpi and the pixel limit.
    @Test func maxWidthSetsTheImageWidth() async throws {
        func image(_ bytes: [UInt8], maxWidth: Int?, maxSide: Int) async throws -> RenderedImage {
            var options = ExtractionOptions()
            options.vision = .all
            options.renderImages = true
            options.imageFormat = .png
            options.maxWidth = maxWidth
            options.maxSide = maxSide
            return try #require(try await extract(bytes, options: options).pages.first?.image)
        }
        let line = [(x: 40.0, y: 60.0, text: "A line of text")]
        let portrait = GeneratedPDF.text(pages: [line])
        let byWidth = try await image(portrait, maxWidth: 1100, maxSide: 2200)
        #expect(byWidth.width == 1100 && abs(Double(byWidth.height) - 1100 * 842 / 595) <= 1)
        // The longest side alone would make this page's image another width.
        #expect(try await image(portrait, maxWidth: nil, maxSide: 1100).width == 777)
        let landscape = GeneratedPDF.text(pages: [line], width: 842, height: 595)
        #expect(try await image(landscape, maxWidth: 800, maxSide: 1600).width == 800)
        let quarter = GeneratedPDF.rotated(degrees: 90, lines: ["Rotated"])
        #expect(try await image(quarter, maxWidth: 800, maxSide: 1600).width == 800)
        // A small page stops at 300 dpi; a wide one at the pixel limit (1540 x 1540 by default).
        let small = GeneratedPDF.text(pages: [[(x: 5.0, y: 20.0, text: "tiny")]], width: 100, height: 100)
        #expect(try await image(small, maxWidth: 1100, maxSide: 2200).width == 416)
        let big = try await image(portrait, maxWidth: 1400, maxSide: 2800)
        #expect(big.width < 1400 && big.width * big.height <= 1540 * 1540)
    }

    @Test func imageOnlyPageNeedsVision() async throws {
        var options = ExtractionOptions()
        options.renderImages = true
        let document = try await extract(GeneratedPDF.imageOnly(), options: options)
        let page = try #require(document.pages.first)
        #expect(page.visibleChars == 0)
        #expect(page.imageCoverage > 0.95)
        #expect(page.needsVision)
        let image = try #require(page.image)
        #expect(max(image.width, image.height) == 1540)
        #expect(Array(image.bytes.prefix(3)) == [0xFF, 0xD8, 0xFF])
        #expect(page.imageTokens == (image.height + 27) / 28 * ((image.width + 27) / 28 + 1))
    }

    @Test func textPageNeedsNoVisionUnlessAskedFor() async throws {
        let bytes = GeneratedPDF.text(pages: [(0..<30).map { (60, 60 + Double($0) * 20, "A line of contract text number \($0) with enough words") }])
        var options = ExtractionOptions()
        let auto = try #require(try await extract(bytes, options: options).pages.first)
        #expect(!auto.needsVision)
        #expect(auto.imageCoverage == 0)
        #expect(auto.imageTokens == nil)
        options.vision = .all
        options.renderImages = true
        options.imageFormat = .png
        let all = try #require(try await extract(bytes, options: options).pages.first)
        #expect(all.needsVision)
        #expect(Array(try #require(all.image).bytes.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        options.vision = .none
        #expect(!(try #require(try await extract(bytes, options: options).pages.first)).needsVision)
    }

    @Test func encryptedFileOpensWithItsPasswordOnly() async throws {
        let plain = GeneratedPDF.text(pages: [[(72, 100, "Secret clause about termination")]])
        let bytes = try GeneratedPDF.encrypted(plain, userPassword: "pässwört")
        let opened = try await extract(bytes, password: "pässwört")
        #expect(opened.info.encrypted)
        #expect(opened.pages.first?.text.contains("Secret clause about termination") == true)
        // The same password typed in decomposed form (a + combining diaeresis) opens it after SASLprep.
        let decomposed = "pa\u{0308}sswo\u{0308}rt"
        #expect(Array(decomposed.unicodeScalars) != Array("pässwört".unicodeScalars))
        #expect(try await extract(bytes, password: decomposed).pages.count == 1)
        #expect(try await failure(bytes).kind == .passwordRequired)
        #expect(try await failure(bytes, password: "wrong").kind == .wrongPassword)
    }

    @Test func truncatedFileFailsAsDamaged() async throws {
        let bytes = GeneratedPDF.text(pages: (1...3).map { [(72, 100, "Page \($0) of a document cut in half")] })
        let error = try await failure(Array(bytes.prefix(bytes.count / 2)))
        #expect(error.kind == .damaged)
        #expect(!error.reason.isEmpty)
    }

    @Test func bytesThatAreNoPDF() async throws {
        #expect(try await failure([]).kind == .notPDF)
        #expect(try await failure(Array("just some text, no header".utf8)).kind == .notPDF)
    }

    @Test func longDocumentIsSplitAcrossChildren() async throws {
        let bytes = GeneratedPDF.text(pages: (1...12).map { [(72, 100, "This is page number \($0) of twelve")] })
        let document = try await extract(bytes, pagesPerChild: 5)
        #expect(document.info.pageCount == 12)
        #expect(document.pages.map(\.number) == Array(1...12))
        for page in document.pages {
            #expect(page.text.contains("This is page number \(page.number) of twelve"))
        }
        var options = ExtractionOptions()
        options.pages = 4...9
        let part = try await extract(bytes, options: options, pagesPerChild: 4)
        #expect(part.pages.map(\.number) == Array(4...9))
    }

    @Test func wallClockLimitEndsAHang() async throws {
        // Rendering this form (every field node lists the same child twice, 2^26 visits) keeps
        // Poppler 22.12 busy for minutes.
        let file = TestEnvironment.corpus.appendingPathComponent("hostile/qpdf__shared-unnamed-field.pdf")
        let bytes = Array(try Data(contentsOf: file))
        let extractor = try TestEnvironment.extractor(wallClockSeconds: 2)
        var options = ExtractionOptions()
        options.vision = .all
        options.renderImages = true
        do {
            _ = try await extractor.extract(bytes, options: options)
            Issue.record("the hanging file was extracted")
        } catch let error as PDFError {
            #expect(error.kind == .timedOut, "\(error.code): \(error.reason)")
            #expect(error.reason.contains("wall-clock"))
        }
    }

    @Test func imageTokenFormula() {
        #expect(ImageTokens.cost(width: 1540, height: 1190) == 43 * (55 + 1))
        #expect(ImageTokens.cost(width: 28, height: 28) == 2)
        #expect(ImageTokens.cost(width: 29, height: 1) == 3)
    }
}
