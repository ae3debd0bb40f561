import Foundation
import LectorPDF
import LectorTestSupport
import Testing

/// Cutting text far outside the page changes speed, never text, words or renders.
///
/// The cut runs in C++ for up to seconds (debug build, 154 pages): tests call it through `cut`, on a
/// thread of its own, never on the cooperative pool.
@Suite struct OffPageTextTests {
    static func cut(_ bytes: [UInt8], pages: ClosedRange<Int> = 1...1) async throws -> OffPageText.Cut? {
        try await onOwnThread { OffPageText.cut(bytes, pages: pages) }
    }

    /// The two stacked-layout contracts of the corpus are the ones the cut is for (on every other file of
    /// the corpus it finds nothing worth cutting, and Poppler gets the untouched bytes): it must find
    /// them, and change nothing Poppler reports.
    @Test(arguments: ["CERES_INC", "GRANTIERRAENERGYINC"])
    func cutsTheStackedLayoutsOfTheCorpusAndChangesNothing(name: String) async throws {
        let file = try #require(CorpusFile.contracts.first { $0.path.contains(name) })
        let bytes = try file.bytes
        let cut = try #require(try await Self.cut(bytes, pages: 1...Int.max), "nothing cut in \(file.path)")
        #expect(cut.pages >= 90, "only \(cut.pages) pages cut")
        #expect(Array(cut.bytes.prefix(bytes.count)) == bytes, "the original bytes must stay, with an update after them")

        let extractor = try #require(TestEnvironment.shared)
        var options = ExtractionOptions()
        options.words = true
        options.vision = .none
        let withCut = try await extractor.extract(bytes, options: options)
        options.cutOffPageText = false
        let untouched = try await extractor.extract(bytes, options: options)
        #expect(withCut.pages.count == untouched.pages.count)
        for (a, b) in zip(withCut.pages, untouched.pages) {
            #expect(a.text == b.text, "page \(a.number) text differs")
            #expect(a.words == b.words, "page \(a.number) words differ")
            #expect(a.imageCoverage == b.imageCoverage, "page \(a.number) image coverage differs")
        }
    }

    /// A tall canvas shown through a page-sized window: lines every 40 pt from far below to far above.
    static func stacked(font: String = HandMadePDF.helvetica, group: (Int, Int) -> String = Self.line) -> [UInt8] {
        var content = "q 0 0 612 792 re W n\n"
        for index in 0..<800 { content += group(index, -16_000 + 40 * index) }
        content += "Q\n"
        return HandMadePDF.onePage(content: content, font: font)
    }

    static func line(_ index: Int, _ y: Int) -> String {
        "q 10 \(y - 5) m 600 \(y - 5) l 600 \(y + 15) l 10 \(y + 15) l h W n q BT /F1 12 Tf 72 \(y) Td (Line \(index)) Tj ET Q Q\n"
    }

    @Test func cutsAStackedPageAndKeepsWhatShows() async throws {
        let bytes = Self.stacked()
        let cut = try #require(try await Self.cut(bytes))
        #expect(cut.pages == 1)
        #expect(cut.bytes.count < bytes.count + 8_000, "the new contents should hold only the lines near the page")
        let extractor = try #require(TestEnvironment.shared)
        var options = ExtractionOptions()
        options.vision = .none
        let withCut = try await extractor.extract(bytes, options: options)
        options.cutOffPageText = false
        let without = try await extractor.extract(bytes, options: options)
        #expect(withCut.pages.map(\.text) == without.pages.map(\.text))
        #expect(withCut.pages.map(\.words) == without.pages.map(\.words))
        let text = withCut.pages.first?.text ?? ""
        #expect(text.contains("Line 400") && text.contains("Line 419"), "the lines on the page are kept: \(text)")
        #expect(!text.contains("Line 0\n"))
    }

    @Test func leavesContentItDoesNotUnderstandAlone() async throws {
        // Marked content (ActualText) anywhere: the whole stream stays.
        let marked = Self.stacked { index, y in
            index == 3 ? "/Span << /ActualText (x) >> BDC " + Self.line(index, y) + "EMC\n" : Self.line(index, y)
        }
        #expect(try await Self.cut(marked) == nil)
        // q inside a text object.
        let nested = Self.stacked { index, y in "BT q /F1 12 Tf 72 \(y) Td (Line \(index)) Tj Q ET\n" }
        #expect(try await Self.cut(nested) == nil)
        // Painted groups and rotated text stay, so there is nothing worth cutting.
        let painted = Self.stacked { index, y in "q 0 \(y) 10 10 re f BT /F1 12 Tf 72 \(y) Td (Line \(index)) Tj ET Q\n" }
        #expect(try await Self.cut(painted) == nil)
        let rotated = Self.stacked { index, y in "q BT /F1 12 Tf 0 1 -1 0 72 \(y) Tm (Line \(index)) Tj ET Q\n" }
        #expect(try await Self.cut(rotated) == nil)
        // A vertical (Identity-V) font advances downwards: its text is never proven off the page.
        let vertical = Self.stacked(font: "<< /Type /Font /Subtype /Type0 /BaseFont /Vertical /Encoding /Identity-V >>")
        #expect(try await Self.cut(vertical) == nil)
        // Text in a show outside any text object.
        let loose = Self.stacked { index, y in "q /F1 12 Tf (Line \(index)) Tj Q\n" }
        #expect(try await Self.cut(loose) == nil)
    }
}
