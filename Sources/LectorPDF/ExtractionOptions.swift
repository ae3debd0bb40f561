/// Which encoding page images use.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png

    /// The usual file name extension.
    public var fileExtension: String { self == .jpeg ? "jpg" : "png" }
}

/// When a page gets an image for the model.
public enum VisionPolicy: String, Sendable, CaseIterable {
    /// Pages whose text layer is missing or thin, or that images cover to a large extent.
    case auto
    /// Every page.
    case all
    /// No page.
    case none
}

/// The thresholds of ``VisionPolicy/auto``.
public struct VisionThresholds: Sendable, Equatable {
    /// A page with fewer visible (non-whitespace) characters has a thin text layer. A contract page
    /// holds 1,500 to 4,000; a signature page or a scan with a stray header holds a few dozen.
    public var minVisibleChars: Int = 80
    /// A page whose text is mostly unmapped glyphs (U+FFFD, private use, control characters) has no
    /// usable text layer, whatever its length.
    public var maxGarbageShare: Double = 0.3
    /// Images covering at least this share of the page carry content that text cannot (scans with an
    /// OCR layer, stamps, figures, tables as pictures).
    public var minImageCoverage: Double = 0.4

    public init() {}

    /// Whether a page with these measurements needs vision.
    public func needsVision(visibleChars: Int, garbageChars: Int, imageCoverage: Double) -> Bool {
        if visibleChars < minVisibleChars { return true }
        if Double(garbageChars) > maxGarbageShare * Double(visibleChars) { return true }
        return imageCoverage >= minImageCoverage
    }
}

/// What to extract from each page.
public struct ExtractionOptions: Sendable, Equatable {
    /// Which pages get an image.
    public var vision: VisionPolicy = .auto
    public var thresholds = VisionThresholds()
    /// Render (and return) the images of the pages that need vision. When false, only their size and
    /// token cost are computed.
    public var renderImages = false
    public var imageFormat: ImageFormat = .jpeg
    /// JPEG quality, 1...100.
    public var jpegQuality = 85
    /// Longest side of a page image in pixels; 1540 is the native limit of Mistral's vision encoder.
    public var maxSide = 1540
    /// Width of a page image in pixels, when set: the image is scaled to this width (the height
    /// follows the page), still within `maxSide`, 300 dpi and the pixel limit. For a page shown at a
    /// screen's width rather than sent to an engine.
    public var maxWidth: Int?
    /// Collect words with boxes (costs a text-layout pass per page).
    public var words = true
    /// Hide `/OutputIntents` from Poppler so that it does not build colour transforms on every page
    /// (see ``OutputIntentsBypass``).
    public var bypassOutputIntents = true
    /// Cut text that lies far above or below a page out of its content before Poppler reads it (see
    /// ``OffPageText``); Poppler would drop those characters anyway.
    public var cutOffPageText = true
    /// Only these pages (1-based, clamped to the document); nil for all.
    public var pages: ClosedRange<Int>?

    public init() {}
}

/// Limits of one isolated extraction (one child process).
public struct ExtractionLimits: Sendable, Equatable {
    /// Wall-clock time a child may take, from start to its last page.
    public var wallClockSeconds: Double = 120
    /// CPU seconds a child may use (RLIMIT_CPU).
    public var cpuSeconds: Int = 120
    /// Address space of a child in bytes (RLIMIT_AS); Poppler's allocations beyond it fail.
    public var addressSpaceBytes: Int = 2 << 30
    /// Largest document accepted, in bytes.
    public var maxBytes: Int = 256 << 20
    /// Most pages accepted.
    public var maxPages: Int = 10_000
    /// Most pixels of one page image; with `maxSide` this also bounds the render buffer.
    public var maxImagePixels: Int = 1540 * 1540
    /// Largest page side accepted for rendering, in points (PDF's own limit is 14,400).
    public var maxPageSidePoints: Double = 14_400
    /// Wall-clock time for the whole document, all its children together (each child also has
    /// `wallClockSeconds`): a 10,000-page file cannot hold the extraction slots for hours. Kept in the
    /// parent; not sent to children.
    public var documentWallClockSeconds: Double = 900
    /// Total bytes of page images one document may produce, over all its children. Kept in the parent.
    public var maxDocumentImageBytes: Int = 512 << 20

    public init() {}
}
