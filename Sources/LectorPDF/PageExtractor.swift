/// Turns an open page into an ``ExtractedPage`` under the options: text, words, image coverage, the
/// vision decision and, when asked, the image.
///
/// Blocking (Poppler); runs where the document lives (the child process).
public enum PageExtractor {
    /// Extracts page `page` of its document.
    public static func extract(
        _ page: PDFPage, options: ExtractionOptions, limits: ExtractionLimits
    ) throws(PDFError) -> ExtractedPage {
        let (width, height) = page.size
        // When every page gets an image anyway, render first: poppler-glib collects the page's text
        // during the render and text() then reuses it instead of interpreting the page a second time.
        var image: RenderedImage?
        if options.vision == .all, options.renderImages, width > 0, height > 0 {
            image = try page.render(
                format: options.imageFormat, jpegQuality: options.jpegQuality, maxSide: options.maxSide,
                maxWidth: options.maxWidth, limits: limits)
        }
        let text = page.text()
        var chars = 0
        var visible = 0
        var garbage = 0
        for scalar in text.unicodeScalars {
            chars += 1
            if scalar.isWhitespaceFast { continue }
            visible += 1
            switch scalar.value {
            case 0xFFFD, 0xE000...0xF8FF, 0x00...0x1F, 0x7F...0x9F: garbage += 1
            default: break
            }
        }
        let coverage = page.imageCoverage()
        let needsVision =
            switch options.vision {
            case .all: true
            case .none: false
            case .auto:
                options.thresholds.needsVision(visibleChars: visible, garbageChars: garbage, imageCoverage: coverage)
            }
        var result = ExtractedPage(
            number: page.number, width: width, height: height, rotation: page.rotation, text: text,
            words: options.words ? page.words(text: text) : [], chars: chars, visibleChars: visible,
            imageCoverage: coverage, needsVision: needsVision)
        // A page without area (broken MediaBox) has nothing to look at; it keeps its text.
        if needsVision, width > 0, height > 0 {
            let (imageWidth, imageHeight) = try page.imageSize(
                maxSide: options.maxSide, maxWidth: options.maxWidth, limits: limits)
            result.imageWidth = imageWidth
            result.imageHeight = imageHeight
            if let image {
                result.image = image
            } else if options.renderImages {
                result.image = try page.render(
                    format: options.imageFormat, jpegQuality: options.jpegQuality, maxSide: options.maxSide,
                    maxWidth: options.maxWidth, limits: limits)
            }
        }
        return result
    }
}

extension Unicode.Scalar {
    /// `properties.isWhitespace`, answered without the Unicode tables for ASCII: that lookup was 6 % of
    /// extraction time when asked for every character of every page.
    @inline(__always)
    var isWhitespaceFast: Bool {
        if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
        return properties.isWhitespace
    }
}
