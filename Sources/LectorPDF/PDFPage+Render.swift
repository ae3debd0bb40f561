import CLectorPDFShims
import CPoppler
import LectorCore

extension PDFPage {
    /// Pixel size of this page's image under `maxSide` and the limits: the longest side scaled to
    /// `maxSide` (and the width to `maxWidth` when given, but never beyond 300 dpi for small pages), then
    /// shrunk to `maxImagePixels`.
    ///
    /// - Throws: ``PDFError/Kind/tooLarge`` when a page side exceeds `maxPageSidePoints`.
    public func imageSize(
        maxSide: Int, maxWidth: Int? = nil, limits: ExtractionLimits
    ) throws(PDFError) -> (width: Int, height: Int) {
        let (width, height) = size
        let longest = max(width, height)
        guard longest > 0, width > 0, height > 0 else { throw PDFError(.renderFailed, "page \(number) has no area") }
        guard longest <= limits.maxPageSidePoints else {
            throw PDFError(
                .tooLarge,
                "page \(number) is \(Self.points(width)) x \(Self.points(height)) points, over the limit of \(Self.points(limits.maxPageSidePoints))")
        }
        var scale = min(Double(maxSide) / longest, 300.0 / 72.0)
        if let maxWidth { scale = min(scale, Double(max(1, maxWidth)) / width) }
        let pixels = width * scale * height * scale
        if pixels > Double(limits.maxImagePixels) { scale *= (Double(limits.maxImagePixels) / pixels).squareRoot() }
        return (max(1, Int((width * scale).rounded(.down))), max(1, Int((height * scale).rounded(.down))))
    }

    /// A size from the PDF for a message: `Int(_:)` would trap on an infinite MediaBox.
    static func points(_ value: Double) -> String {
        Int(saturating: value).map(String.init) ?? "?"
    }

    /// Renders the page on white (rotation applied) and encodes it.
    ///
    /// Blocking; the render buffer is `width * height * 4` bytes, bounded by `maxImagePixels`.
    public func render(
        format: ImageFormat, jpegQuality: Int = 85, maxSide: Int = 1540, maxWidth: Int? = nil,
        limits: ExtractionLimits = .init()
    ) throws(PDFError) -> RenderedImage {
        let (pixelWidth, pixelHeight) = try imageSize(maxSide: maxSide, maxWidth: maxWidth, limits: limits)
        let surface = try ImageSurface(width: pixelWidth, height: pixelHeight)
        let (width, height) = size
        guard let cairo = cairo_create(surface.handle) else {
            throw PDFError(.renderFailed, "cannot create a cairo context for page \(number)")
        }
        cairo_set_source_rgb(cairo, 1, 1, 1)
        cairo_paint(cairo)
        cairo_scale(cairo, Double(pixelWidth) / width, Double(pixelHeight) / height)
        poppler_page_render(handle, cairo)
        let status = cairo_status(cairo)
        cairo_destroy(cairo)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw PDFError(.renderFailed, "cairo failed on page \(number): \(String(cString: cairo_status_to_string(status)))")
        }
        cairo_surface_flush(surface.handle)
        let bytes = try surface.encode(format: format, jpegQuality: jpegQuality, page: number)
        return RenderedImage(format: format, width: pixelWidth, height: pixelHeight, bytes: bytes)
    }
}

/// The one Swift owner of a cairo image surface (RGB24, white background painted by the caller).
final class ImageSurface {
    let handle: OpaquePointer
    let width: Int
    let height: Int

    init(width: Int, height: Int) throws(PDFError) {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)) else {
            throw PDFError(.renderFailed, "cannot create a \(width) x \(height) image")
        }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(surface)
            throw PDFError(.tooLarge, "cannot allocate a \(width) x \(height) image: \(String(cString: cairo_status_to_string(status)))")
        }
        handle = surface
        self.width = width
        self.height = height
    }

    deinit {
        cairo_surface_destroy(handle)
    }

    func encode(format: ImageFormat, jpegQuality: Int, page: Int) throws(PDFError) -> [UInt8] {
        guard let pixels = cairo_image_surface_get_data(handle) else {
            throw PDFError(.renderFailed, "page \(page) rendered to no pixels")
        }
        let stride = cairo_image_surface_get_stride(handle)
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32 = message.withUnsafeMutableBufferPointer { error in
            switch format {
            case .jpeg:
                lector_encode_jpeg_rgb24(
                    pixels, Int32(width), Int32(height), stride, Int32(max(1, min(100, jpegQuality))), &out, &length,
                    error.baseAddress, error.count)
            case .png:
                lector_encode_png_rgb24(
                    pixels, Int32(width), Int32(height), stride, &out, &length, error.baseAddress, error.count)
            }
        }
        guard status == 0, let out else {
            let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw PDFError(.renderFailed, "cannot encode page \(page): \(reason)")
        }
        defer { free(out) }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }
}
