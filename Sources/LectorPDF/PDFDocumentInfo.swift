/// Facts about a document as a whole.
public struct PDFDocumentInfo: Sendable, Equatable {
    /// Number of pages.
    public var pageCount: Int
    /// The Info dictionary's (or XMP's) title, author, creator and producer, when present.
    public var title: String?
    public var author: String?
    public var creator: String?
    public var producer: String?
    /// Creation and modification dates, seconds since 1970 (UTC), when present and parseable.
    public var creationDate: Int64?
    public var modificationDate: Int64?
    /// The header's version, for example `PDF-1.7`.
    public var pdfVersion: String
    /// PDF/A, PDF/X, ... conformance claimed in the metadata (for example `PDF/A-1b`), when any.
    public var pdfSubtype: String?
    /// Whether the file is encrypted (with or without a user password).
    public var encrypted: Bool
    /// Whether the catalog declares `/OutputIntents` (typical of PDF/A) in a place Lector can see:
    /// an uncompressed catalog object.
    public var declaresOutputIntents: Bool
    /// Whether extraction ran with the output intents hidden from Poppler to avoid its per-page colour
    /// transform cost (see ``OutputIntentsBypass``).
    public var outputIntentsBypassed: Bool

    public init(
        pageCount: Int, title: String? = nil, author: String? = nil, creator: String? = nil,
        producer: String? = nil, creationDate: Int64? = nil, modificationDate: Int64? = nil,
        pdfVersion: String = "", pdfSubtype: String? = nil, encrypted: Bool = false,
        declaresOutputIntents: Bool = false, outputIntentsBypassed: Bool = false
    ) {
        self.pageCount = pageCount
        self.title = title
        self.author = author
        self.creator = creator
        self.producer = producer
        self.creationDate = creationDate
        self.modificationDate = modificationDate
        self.pdfVersion = pdfVersion
        self.pdfSubtype = pdfSubtype
        self.encrypted = encrypted
        self.declaresOutputIntents = declaresOutputIntents
        self.outputIntentsBypassed = outputIntentsBypassed
    }
}
