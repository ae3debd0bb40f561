import CPoppler
import Foundation
import LectorPDF
import Testing

/// The premise that lets pages with annotations (links, stamps) skip the image-mapping pass: Poppler's
/// pass draws the page's contents only, so an image in an annotation's appearance never counts.
@Suite struct ImageCoverageTests {
    /// One text page whose only image sits in a stamp annotation's appearance stream, covering the page.
    static func stampedPage() -> [UInt8] {
        let image = "<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 4 >>\nstream\n\u{0}\u{FF}\u{FF}\u{0}\nendstream"
        let appearance = "q 595 0 0 842 0 0 cm /Im0 Do Q"
        let content = "BT /F1 12 Tf 72 720 Td (A stamped contract page) Tj ET"
        return HandMadePDF.file(objects: [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R /Annots [6 0 R] >>",
            HandMadePDF.helvetica,
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
            "<< /Type /Annot /Subtype /Stamp /Rect [0 0 595 842] /F 4 /AP << /N 7 0 R >> >>",
            "<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /Im0 8 0 R >> >> /Length \(appearance.utf8.count) >>\nstream\n\(appearance)\nendstream",
            image,
        ])
    }

    @Test func annotationImagesAreNotInPopplersMapping() throws {
        let bytes = Self.stampedPage()
        let data = bytes.withUnsafeBytes { g_bytes_new($0.baseAddress, gsize($0.count)) }
        defer { g_bytes_unref(data) }
        let document = try #require(poppler_document_new_from_bytes(data, nil, nil))
        defer { g_object_unref(UnsafeMutableRawPointer(document)) }
        let page = try #require(poppler_document_get_page(document, 0))
        defer { g_object_unref(UnsafeMutableRawPointer(page)) }
        let mapping = poppler_page_get_image_mapping(page)
        let count = mapping.map { Int(g_list_length($0)) } ?? 0
        if let mapping { poppler_page_free_image_mapping(mapping) }
        // Should Poppler start drawing annotations here, annotated pages need the pass again.
        #expect(count == 0)

        let lector = try PDFDocument(bytes: bytes)
        let lectorPage = try lector.page(1)
        #expect(lectorPage.imageCoverage() == 0)
        #expect(lectorPage.text().contains("stamped contract page"))
    }
}
