import Foundation
import LectorPDF
import Testing

/// One document has one budget, over all its children (issue 16).
@Suite("Per-document extraction budgets")
struct DocumentBudgetTests {
    @Test func pageImagesBeyondTheDocumentsBudgetFailItAsTooLarge() async throws {
        // Eight pages in children of two pages each: each child alone is far under the budget.
        let bytes = GeneratedPDF.text(pages: (0..<8).map { p in [(60, 60, "Page \(p) of a contract with a picture")] })
        var extractor = try TestEnvironment.extractor(pagesPerChild: 2)
        var options = ExtractionOptions()
        options.vision = .all
        options.renderImages = true
        let whole = try await extractor.extract(bytes, options: options)
        let imageBytes = whole.pages.compactMap(\.image).reduce(0) { $0 + $1.bytes.count }
        #expect(whole.pages.count == 8 && imageBytes > 0)
        extractor.limits.maxDocumentImageBytes = imageBytes / 2
        do {
            _ = try await extractor.extract(bytes, options: options)
            Issue.record("the document's images were not limited")
        } catch let error as PDFError {
            #expect(error.kind == .tooLarge && error.reason.contains("budget"), "\(error.code): \(error.reason)")
        }
    }

    @Test func aDocumentThatOutlastsItsWallClockBudgetEndsThoughEachChildIsWithinItsOwn() async throws {
        // Rendering this form keeps Poppler 22.12 busy for minutes (see wallClockLimitEndsAHang).
        let file = TestEnvironment.corpus.appendingPathComponent("hostile/qpdf__shared-unnamed-field.pdf")
        let bytes = Array(try Data(contentsOf: file))
        var extractor = try TestEnvironment.extractor(wallClockSeconds: 600)
        extractor.limits.documentWallClockSeconds = 2
        var options = ExtractionOptions()
        options.vision = .all
        options.renderImages = true
        do {
            _ = try await extractor.extract(bytes, options: options)
            Issue.record("the hanging file was extracted")
        } catch let error as PDFError {
            #expect(error.kind == .timedOut && error.reason.contains("budget") && error.transient, "\(error.code): \(error.reason)")
        }
    }
}
