/// One extracted page as the analysis sees it; the service maps the PDF module's output onto it.
public struct AnalysisPage: Sendable {
    /// The page number, from 1.
    public var number: Int
    /// The extracted text.
    public var text: String
    /// Whether the page needs to be seen (scanned, image-only, too little text).
    public var needsVision: Bool
    /// The rendered image, when the page can be rendered.
    public var image: PageImageSource?
    /// The words of `text` in reading order with their boxes, for locating quotes on the page; may be
    /// empty (then quotes are located by offsets only).
    public var words: [Word]

    /// A page.
    public init(number: Int, text: String, needsVision: Bool = false, image: PageImageSource? = nil, words: [Word] = []) {
        self.number = number
        self.text = text
        self.needsVision = needsVision
        self.image = image
        self.words = words
    }

    /// A word of the page text and its box.
    public struct Word: Sendable, Hashable {
        public var text: String
        public var box: QuoteBox

        public init(text: String, box: QuoteBox) {
            self.text = text
            self.box = box
        }
    }
}

/// A page image: its size, for planning, and a way to get its bytes only when a request is built.
public struct PageImage: Sendable, Hashable {
    /// Encoded JPEG or PNG bytes.
    public var bytes: [UInt8]
    /// `image/jpeg` or `image/png`.
    public var mimeType: String

    public init(bytes: [UInt8], mimeType: String) {
        self.bytes = bytes
        self.mimeType = mimeType
    }
}

/// Where a page image comes from: the size is known up front, the bytes are rendered on demand.
public struct PageImageSource: Sendable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Renders or reads the image; called once per request that includes the page.
    public var load: @Sendable () async throws -> PageImage

    public init(width: Int, height: Int, load: @escaping @Sendable () async throws -> PageImage) {
        self.width = width
        self.height = height
        self.load = load
    }
}
