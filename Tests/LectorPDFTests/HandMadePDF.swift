import Foundation

/// PDFs written byte by byte, for structures cairo would never write.
enum HandMadePDF {
    static let helvetica = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"

    /// A file of `objects` (numbered from 1; the first is the catalog) with a cross-reference table.
    /// Latin-1, so that bytes in streams stay single bytes.
    static func file(objects: [String]) -> [UInt8] {
        var pdf = Array("%PDF-1.4\n".utf8)
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(pdf.count)
            pdf += "\(index + 1) 0 obj\n\(object)\nendobj\n".unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        }
        let xref = pdf.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { table += String(format: "%010d 00000 n \n", offset) }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return pdf + Array(table.utf8)
    }

    /// One US Letter page drawing `content` with font `/F1` (Helvetica unless given).
    static func onePage(content: String, font: String = helvetica) -> [UInt8] {
        file(objects: [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
            font,
        ])
    }
}
