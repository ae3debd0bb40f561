import LectorAnalysis
import LectorPDF

/// What an analysis needs of a document's pages beyond their text, fetched only when it is needed:
/// the image of a page that must be seen, when a request that includes it is built, and the word boxes
/// of the pages that hold located quotes, after the analysis.
///
/// Extraction therefore streams only text: a 10,000-page document costs the worker its text, not its
/// images and words (DESIGN §6). Each fetch is a child extraction of the pages concerned, under the
/// same isolation and limits; the images fetched for one document share one byte budget.
struct DocumentPageSource: Sendable {
    let extractor: PDFExtractor
    let bytes: [UInt8]
    let password: String?
    /// The extraction options of the text pass (image format, size).
    let options: ExtractionOptions
    private let imageBytes: ImageByteBudget

    init(extractor: PDFExtractor, bytes: [UInt8], password: String?, options: ExtractionOptions) {
        self.extractor = extractor
        self.bytes = bytes
        self.password = password
        self.options = options
        self.imageBytes = ImageByteBudget(limit: extractor.limits.maxDocumentImageBytes)
    }

    /// The analysis page for an extracted page: its image, when it needs one, rendered on demand.
    func analysisPage(_ page: ExtractedPage) -> AnalysisPage {
        var analysisPage = AnalyzeJob.analysisPage(page)
        if page.needsVision, analysisPage.image == nil, let width = page.imageWidth, let height = page.imageHeight {
            let number = page.number
            analysisPage.image = PageImageSource(width: width, height: height, load: { try await self.image(of: number) })
        }
        return analysisPage
    }

    /// Renders page `number`.
    /// - Throws: ``PDFError`` (`tooLarge` once the document's images exceed their budget).
    func image(of number: Int) async throws -> PageImage {
        var render = options
        render.words = false
        guard let image = try await Self.render(page: number, of: bytes, password: password, options: render, extractor: extractor)?
            .image
        else {
            throw PDFError(.renderFailed, "page \(number) could not be rendered")
        }
        try imageBytes.spend(image.bytes.count)
        return PageImage(bytes: image.bytes, mimeType: image.format == .png ? "image/png" : "image/jpeg")
    }

    /// Page `number` of a document rendered in one isolated child extraction under `options` (its
    /// format, size and whether words come along): the one place page images are made, for the engine
    /// (``image(of:)``) and for the review desk (``PageRenderStore``).
    ///
    /// - Returns: the page, with its image unless it has no area; nil when the document has no page
    ///   `number` (the extractor clamps page ranges to the document, so the number is checked).
    /// - Throws: ``PDFError``.
    static func render(
        page number: Int, of bytes: [UInt8], password: String?, options: ExtractionOptions, extractor: PDFExtractor
    ) async throws -> ExtractedPage? {
        guard number >= 1 else { return nil }
        var render = options
        render.pages = number...number
        render.vision = .all
        render.renderImages = true
        let document = try await extractor.extract(bytes, password: password, options: render)
        return document.pages.first { $0.number == number }
    }

    /// The words of `numbers` (sorted), fetched in runs of nearby pages; yields each page's words as its
    /// run arrives, so at most one run's words are held.
    func words(of numbers: [Int], each: (Int, [AnalysisPage.Word]) -> Void) async throws {
        let wanted = Set(numbers)
        for run in Self.runs(numbers) {
            var wordOptions = options
            wordOptions.pages = run
            wordOptions.vision = .none
            wordOptions.renderImages = false
            wordOptions.words = true
            for page in try await extractor.extract(bytes, password: password, options: wordOptions).pages
            where wanted.contains(page.number) {
                each(page.number, AnalyzeJob.analysisPage(page).words)
            }
        }
    }

    /// Sorted page numbers grouped into ranges, joining neighbours less than `gap` pages apart and
    /// capping a range at `longest` pages.
    static func runs(_ numbers: [Int], gap: Int = 4, longest: Int = 200) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        for number in numbers {
            if let last = runs.last, number - last.upperBound <= gap, number - last.lowerBound < longest {
                runs[runs.count - 1] = last.lowerBound...number
            } else {
                runs.append(number...number)
            }
        }
        return runs
    }
}
