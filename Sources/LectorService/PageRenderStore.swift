import Foundation
import LectorDB
import LectorPDF
import LectorQueue
import Logging

/// A page image at screen width with the page's words and their boxes, for the review desk.
public struct PageRender: Sendable {
    /// The encoded image (PNG: text stays sharp at screen size).
    public var png: [UInt8]
    /// The image's media type, `image/png`.
    public var mimeType: String
    public var widthPixels: Int
    public var heightPixels: Int
    /// The page's size in PDF points (rotation applied): the space of ``words`` and of quote boxes.
    public var widthPoints: Double
    public var heightPoints: Double
    /// The page's words in reading order.
    public var words: [Word]

    /// A word with its box in points, origin top left (as `QuoteBox`).
    public struct Word: Sendable, Codable, Equatable {
        public var text: String
        public var x1, y1, x2, y2: Double

        public init(text: String, x1: Double, y1: Double, x2: Double, y2: Double) {
            self.text = text
            self.x1 = x1
            self.y1 = y1
            self.x2 = x2
            self.y2 = y2
        }
    }

    public init(
        png: [UInt8], mimeType: String, widthPixels: Int, heightPixels: Int, widthPoints: Double, heightPoints: Double,
        words: [Word]
    ) {
        self.png = png
        self.mimeType = mimeType
        self.widthPixels = widthPixels
        self.heightPixels = heightPixels
        self.widthPoints = widthPoints
        self.heightPoints = heightPoints
        self.words = words
    }

    /// Image pixels per PDF point: multiply a box in points by this to place it on the image.
    public var pixelsPerPoint: Double { Double(widthPixels) / widthPoints }
}

/// Page images with word boxes, rendered on demand from a stored PDF and cached in `lector.page_renders`.
///
/// A page is rendered in the isolated extraction child (``PDFExtractor``, under the same limits as an
/// analysis), image and words in one child, then stored once per width step; later requests read the
/// row. Every lookup is scoped to the tenant: another tenant's document is nil, like one that does not
/// exist.
public struct PageRenderStore: Sendable {
    /// The width steps a requested width is rounded up to (wider requests get the last): they bound the
    /// cache at a few images per page.
    public static let widths: [Int] = [800, 1100, 1400]

    let database: PostgresClient
    let extractor: PDFExtractor
    let logger: Logger

    public init(database: PostgresClient, extractor: PDFExtractor, logger: Logger) {
        self.database = database
        self.extractor = extractor
        self.logger = logger
    }

    /// The width step `width` is rounded up to.
    public static func widthStep(_ width: Int) -> Int {
        widths.first { $0 >= width } ?? widths[widths.count - 1]
    }

    /// Page `page` of `tenant`'s document `documentID` at about `width` pixels wide: from the cache, else
    /// rendered from the stored PDF in the isolated extraction child and stored.
    ///
    /// The image is `widthStep(width)` pixels wide unless the page is small (300 dpi at most), very tall
    /// or over the pixel limit, when it is narrower; ``PageRender/widthPixels`` says which.
    /// - Returns: nil when the document is not the tenant's (or does not exist) or has no such page.
    /// - Throws: ``PDFError`` when the PDF cannot be rendered (broken, hostile, encrypted without the
    ///   password its analyze job was given); database errors.
    public func render(tenant: String, documentID: Int64, page: Int, width: Int) async throws -> PageRender? {
        guard page >= 1 else { return nil }
        let step = Self.widthStep(width)
        if let cached = try await cached(tenant: tenant, documentID: documentID, page: page, width: step) {
            return cached
        }
        let document: (bytes: [UInt8], pageCount: Int?)?
        do {
            document = try await database.withConnection { connection in
                guard let bytes = try await DocumentStore().content(documentID: documentID, tenant: tenant, on: connection)
                else { return nil }
                let count = try await connection.query("SELECT page_count FROM lector.documents WHERE id = $1", documentID)
                return (bytes, try count.first?.decode("page_count", as: Int?.self))
            }
        } catch let missing as DocumentStore.MissingContent {
            throw PDFError(.damaged, "\(missing.description): its bytes are not in the database")
        }
        guard let document else { return nil }
        if let pageCount = document.pageCount, page > pageCount { return nil }

        // The password an encrypted document was submitted with travels with its analyze job.
        let job = try await JobQueue(client: database, logger: logger)
            .newestJob(AnalyzeJob.Arguments.self, tenant: tenant, argument: "document_id", equals: documentID)
        let password = try job.map { try $0.args.decode(as: AnalyzeJob.Arguments.self) }?.password

        var options = ExtractionOptions()
        options.imageFormat = .png
        options.words = true
        options.maxWidth = step
        // The width decides; the longest side only stops very tall pages (the pixel limit still applies).
        options.maxSide = 2 * step
        let started = ContinuousClock.now
        guard
            let extracted = try await DocumentPageSource.render(
                page: page, of: document.bytes, password: password, options: options, extractor: extractor)
        else { return nil }
        guard let image = extracted.image else {
            throw PDFError(.renderFailed, "page \(page) could not be rendered (it has no area)")
        }
        let render = PageRender(
            png: image.bytes, mimeType: image.format == .png ? "image/png" : "image/jpeg", widthPixels: image.width,
            heightPixels: image.height, widthPoints: extracted.width, heightPoints: extracted.height,
            words: extracted.words.map {
                PageRender.Word(text: $0.text, x1: $0.box.x1, y1: $0.box.y1, x2: $0.box.x2, y2: $0.box.y2)
            })
        logger.debug(
            "page rendered",
            metadata: [
                "document.id": "\(documentID)", "page.number": "\(page)", "page.width_px": "\(image.width)",
                "render.milliseconds": "\(AnalyzeJob.milliseconds(ContinuousClock.now - started))",
            ])
        try await store(render, tenant: tenant, documentID: documentID, page: page, width: step)
        return render
    }

    private func cached(tenant: String, documentID: Int64, page: Int, width: Int) async throws -> PageRender? {
        let rows = try await database.query(
            """
            SELECT mime_type, image, width_px, height_px, width_pt, height_pt, words
            FROM lector.page_renders WHERE document_id = $1 AND page = $2 AND width = $3 AND tenant = $4
            """, documentID, page, width, tenant)
        guard let row = rows.first else { return nil }
        return PageRender(
            png: try row.decode("image", as: PostgresBytes.self).bytes, mimeType: try row.decode("mime_type", as: String.self),
            widthPixels: try row.decode("width_px", as: Int.self), heightPixels: try row.decode("height_px", as: Int.self),
            widthPoints: try row.decode("width_pt", as: Double.self), heightPoints: try row.decode("height_pt", as: Double.self),
            words: try row.decode("words", as: PostgresJSON.self).decode(as: [PageRender.Word].self))
    }

    /// Stores a render; a concurrent render of the same page that stored first wins (the images are the
    /// same), and a document deleted meanwhile stores nothing.
    private func store(_ render: PageRender, tenant: String, documentID: Int64, page: Int, width: Int) async throws {
        try await database.query(
            """
            INSERT INTO lector.page_renders
                (document_id, page, width, tenant, mime_type, image, width_px, height_px, width_pt, height_pt, words)
            SELECT d.id, $2, $3, d.tenant, $5, $6, $7, $8, $9, $10, $11::jsonb
            FROM lector.documents d WHERE d.id = $1 AND d.tenant = $4
            ON CONFLICT (document_id, page, width) DO NOTHING
            """,
            documentID, page, width, tenant, render.mimeType, PostgresBytes(render.png), render.widthPixels,
            render.heightPixels, render.widthPoints, render.heightPoints, try PostgresJSON(encoding: render.words))
    }
}
