import CPoppler
import Foundation

/// PDFs the tests make themselves, with cairo (and qpdf to encrypt them).
enum GeneratedPDF {
    /// One A4 page per element of `pages`, each a list of (x, y, text) runs in 11 pt DejaVu Sans.
    static func text(pages: [[(x: Double, y: Double, text: String)]], width: Double = 595, height: Double = 842) -> [UInt8] {
        draw(width: width, height: height, pageCount: pages.count) { cairo, index in
            cairo_select_font_face(cairo, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
            cairo_set_font_size(cairo, 11)
            cairo_set_source_rgb(cairo, 0, 0, 0)
            for run in pages[index] {
                cairo_move_to(cairo, run.x, run.y)
                cairo_show_text(cairo, run.text)
            }
        }
    }

    /// A page with two columns of `lines` lines each: "Left column line N" and "Right column line N".
    static func twoColumns(lines: Int = 12) -> [UInt8] {
        var runs: [(x: Double, y: Double, text: String)] = []
        for line in 1...lines {
            let y = 80 + Double(line) * 16
            runs.append((60, y, "Left column line \(line) alpha"))
            runs.append((320, y, "Right column line \(line) omega"))
        }
        return text(pages: [runs])
    }

    /// A page that is one big photograph-like image and no text (a scan).
    static func imageOnly() -> [UInt8] {
        draw(width: 595, height: 842, pageCount: 1) { cairo, _ in
            let side: Int32 = 400
            guard let image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, side, side) else { return }
            defer { cairo_surface_destroy(image) }
            let stride = Int(cairo_image_surface_get_stride(image))
            if let data = cairo_image_surface_get_data(image) {
                // Noise, so that the image is not a flat colour cairo could turn into a fill.
                var seed: UInt32 = 12345
                for y in 0..<Int(side) {
                    for x in 0..<Int(side) {
                        seed = seed &* 1_103_515_245 &+ 12345
                        let pixel = data.advanced(by: y * stride + x * 4).withMemoryRebound(to: UInt32.self, capacity: 1) { $0 }
                        pixel.pointee = seed >> 8
                    }
                }
            }
            cairo_surface_mark_dirty(image)
            cairo_save(cairo)
            cairo_scale(cairo, 595.0 / Double(side), 842.0 / Double(side))
            cairo_set_source_surface(cairo, image, 0, 0)
            cairo_paint(cairo)
            cairo_restore(cairo)
        }
    }

    /// A text page whose page object gets `/Rotate degrees` in an incremental update (cairo cannot set
    /// it): a proper appended revision with its own xref section.
    static func rotated(degrees: Int, lines: [String]) -> [UInt8] {
        let base = text(pages: [lines.enumerated().map { (72, 100 + Double($0.offset) * 16, $0.element) }])
        let source = String(decoding: base, as: UTF8.self)
        let objectPattern = try! NSRegularExpression(pattern: #"(\d+) 0 obj\s*<<\s*/Type /Page\b(?!s)(.*?)>>\s*endobj"#, options: [.dotMatchesLineSeparators])
        let match = objectPattern.firstMatch(in: source, range: NSRange(source.startIndex..., in: source))!
        let number = Int(source[Range(match.range(at: 1), in: source)!])!
        let body = String(source[Range(match.range(at: 2), in: source)!])
        let trailer = try! NSRegularExpression(pattern: #"trailer\s*<<(.*?)>>\s*startxref\s*(\d+)"#, options: [.dotMatchesLineSeparators])
        let tail = trailer.matches(in: source, range: NSRange(source.startIndex..., in: source)).last!
        let trailerBody = String(source[Range(tail.range(at: 1), in: source)!])
        let previous = String(source[Range(tail.range(at: 2), in: source)!])
        let size = try! NSRegularExpression(pattern: #"/Size (\d+)"#).firstMatch(in: trailerBody, range: NSRange(trailerBody.startIndex..., in: trailerBody))!
        let root = try! NSRegularExpression(pattern: #"/Root (\d+ \d+ R)"#).firstMatch(in: trailerBody, range: NSRange(trailerBody.startIndex..., in: trailerBody))!
        let sizeValue = String(trailerBody[Range(size.range(at: 1), in: trailerBody)!])
        let rootValue = String(trailerBody[Range(root.range(at: 1), in: trailerBody)!])

        var bytes = base
        if bytes.last != 0x0A { bytes.append(0x0A) }
        let offset = bytes.count
        bytes += Array("\(number) 0 obj\n<< /Type /Page /Rotate \(degrees)\(body)>>\nendobj\n".utf8)
        let xref = bytes.count
        bytes += Array("xref\n\(number) 1\n\(String(format: "%010d", offset)) 00000 n \n".utf8)
        bytes += Array("trailer\n<< /Size \(sizeValue) /Root \(rootValue) /Prev \(previous) >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return bytes
    }

    /// `bytes` encrypted with AES-256 by qpdf (a test dependency, installed by deploy/local/setup).
    static func encrypted(_ bytes: [UInt8], userPassword: String, ownerPassword: String = "owner-secret") throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lector-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.pdf")
        let output = directory.appendingPathComponent("out.pdf")
        try Data(bytes).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["qpdf", "--encrypt", userPassword, ownerPassword, "256", "--", input.path, output.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GenerationError(reason: "qpdf failed (\(process.terminationStatus)); is it installed (deploy/local/setup)?")
        }
        return Array(try Data(contentsOf: output))
    }

    struct GenerationError: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    private final class Sink {
        var bytes: [UInt8] = []
    }

    private static func draw(
        width: Double, height: Double, pageCount: Int, _ body: (OpaquePointer, Int) -> Void
    ) -> [UInt8] {
        let sink = Sink()
        let surface = cairo_pdf_surface_create_for_stream(
            { closure, data, length in
                let sink = Unmanaged<Sink>.fromOpaque(closure!).takeUnretainedValue()
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(sink).toOpaque(), width, height)
        // Uncompressed object dictionaries are what the rotation helper edits; cairo writes them so.
        cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_4)
        let cairo = cairo_create(surface)!
        for index in 0..<pageCount {
            body(cairo, index)
            cairo_show_page(cairo)
        }
        cairo_destroy(cairo)
        cairo_surface_finish(surface)
        cairo_surface_destroy(surface)
        return sink.bytes
    }
}
