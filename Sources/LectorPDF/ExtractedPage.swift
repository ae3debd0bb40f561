import Glibc
import LectorCore

/// A rectangle in PDF points on the page as displayed (rotation applied), origin top left.
public struct PDFRect: Sendable, Equatable {
    public var x1: Double
    public var y1: Double
    public var x2: Double
    public var y2: Double

    public init(x1: Double, y1: Double, x2: Double, y2: Double) {
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }

    /// Width times height; zero for inverted rectangles.
    public var area: Double { max(0, x2 - x1) * max(0, y2 - y1) }
}

/// A word of the page text with its bounding box, for locating quotes on the page.
public struct PDFWord: Sendable, Equatable {
    public var text: String
    public var box: PDFRect

    public init(text: String, box: PDFRect) {
        self.text = text
        self.box = box
    }
}

/// An encoded image of a page.
public struct RenderedImage: Sendable, Equatable {
    public var format: ImageFormat
    public var width: Int
    public var height: Int
    /// The encoded bytes (a complete JPEG or PNG file).
    public var bytes: [UInt8]

    public init(format: ImageFormat, width: Int, height: Int, bytes: [UInt8]) {
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
    }

    /// What the image costs a Pixtral-style vision encoder (Mistral), in tokens.
    public var tokens: Int { ImageTokens.cost(width: width, height: height) }

    /// Writes the encoded bytes to `path` (created or replaced, mode 0644); false on failure.
    ///
    /// A plain write: Foundation's `createFile` writes a temporary file, fsyncs it and renames it, which
    /// for page images written one after another cost more than encoding them.
    public func write(toFile path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        let written = ExtractionChild.writeAll(fd, bytes)
        return close(fd) == 0 && written
    }
}

/// What extraction found on one page.
public struct ExtractedPage: Sendable, Equatable {
    /// 1-based page number.
    public var number: Int
    /// Size in points as displayed (rotation applied).
    public var width: Double
    public var height: Double
    /// The page's `/Rotate`, in degrees clockwise: 0, 90, 180 or 270.
    public var rotation: Int
    /// Plain text in reading order.
    public var text: String
    /// Words with boxes (empty when words were not asked for).
    public var words: [PDFWord]
    /// Number of characters (Unicode scalars) of `text`, whitespace included.
    public var chars: Int
    /// Number of characters of `text` that are not whitespace.
    public var visibleChars: Int
    /// Share of the page area covered by images, 0...1.
    public var imageCoverage: Double
    /// Whether the page needs to be looked at (scan, thin text layer, large images) under the policy.
    public var needsVision: Bool
    /// Size the page image has (or would have) under the render options; nil when the page needs no
    /// image.
    public var imageWidth: Int?
    public var imageHeight: Int?
    /// The page image, when rendering was asked for and the page needs one.
    public var image: RenderedImage?

    public init(
        number: Int, width: Double, height: Double, rotation: Int, text: String, words: [PDFWord],
        chars: Int, visibleChars: Int, imageCoverage: Double, needsVision: Bool, imageWidth: Int? = nil,
        imageHeight: Int? = nil, image: RenderedImage? = nil
    ) {
        self.number = number
        self.width = width
        self.height = height
        self.rotation = rotation
        self.text = text
        self.words = words
        self.chars = chars
        self.visibleChars = visibleChars
        self.imageCoverage = imageCoverage
        self.needsVision = needsVision
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.image = image
    }

    /// Tokens the page image costs the engine; nil when the page needs no image.
    public var imageTokens: Int? {
        guard let imageWidth, let imageHeight else { return nil }
        return ImageTokens.cost(width: imageWidth, height: imageHeight)
    }
}

/// A whole extracted document: its facts and its pages in page order.
public struct ExtractedDocument: Sendable {
    public var info: PDFDocumentInfo
    public var pages: [ExtractedPage]

    public init(info: PDFDocumentInfo, pages: [ExtractedPage]) {
        self.info = info
        self.pages = pages
    }
}
