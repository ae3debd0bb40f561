import Foundation
import LectorDB
import LectorPDF
import LectorQueue
import LectorService
import LectorTestSupport
import Testing

/// Page images with word boxes for the review desk (issue 20): rendered on demand in the extraction
/// child from the stored PDF, cached in lector.page_renders, scoped to the tenant (real PDFs, PostgreSQL).
@Suite("Page renders (real PDFs, extraction child, PostgreSQL)")
struct PageRenderStoreTests {
    static var extractor: PDFExtractor { PDFExtractor(executable: RepoPaths.lectorBinary.path) }
    /// An extractor that cannot start a child: whatever it returns came from the cache.
    static var noChildren: PDFExtractor { PDFExtractor(executable: "/nonexistent/lector") }

    static func store(_ database: PostgresClient, _ extractor: PDFExtractor = extractor) -> PageRenderStore {
        PageRenderStore(database: database, extractor: extractor, logger: TestDatabase.logger)
    }

    static func rows(_ database: PostgresClient) async throws -> Int {
        try await database.query("SELECT count(*)::int AS n FROM lector.page_renders").one().decode("n", as: Int.self)
    }

    /// Width and height from a PNG's IHDR chunk.
    static func pngSize(_ png: [UInt8]) throws -> (width: Int, height: Int) {
        try #require(png.count > 24 && png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "not a PNG")
        func int(_ range: Range<Int>) -> Int { png[range].reduce(0) { $0 << 8 | Int($1) } }
        return (int(16..<20), int(20..<24))
    }

    @Test("rendered once in a child and stored; read back from the cache; words in reading order with boxes on the page")
    func rendersOnceThenReadsTheCache() async throws {
        let bytes = try await SampleContracts.bytes(SampleContracts.nda)
        try await TestDatabase.with { database, _ in
            let submitted = try await Submitter(database: database, queue: JobQueue(client: database, logger: TestDatabase.logger))
                .submit(bytes: bytes, filename: SampleContracts.nda, tenant: "tenant_a")
            let store = Self.store(database)
            #expect(try await Self.rows(database) == 0)

            let first = try #require(try await store.render(tenant: "tenant_a", documentID: submitted.documentID, page: 1, width: 1000))
            #expect(try await Self.rows(database) == 1)
            // 1000 is rounded up to the 1100 step; the PNG is what the render says it is.
            let size = try Self.pngSize(first.png)
            #expect(first.mimeType == "image/png")
            #expect(size.width == first.widthPixels && size.height == first.heightPixels)
            #expect(first.widthPixels == 1100)
            #expect(abs(Double(first.heightPixels) / Double(first.widthPixels) - first.heightPoints / first.widthPoints) < 0.01)
            #expect(first.widthPoints > 500 && first.heightPoints > 700)

            // The words are the page's words, in the order a text extraction of the page gives them, each
            // with a box on the page; the quoted sentence's words are there in a row.
            var wordOptions = ExtractionOptions()
            wordOptions.pages = 1...1
            wordOptions.words = true
            let page = try #require(try await Self.extractor.extract(bytes, options: wordOptions).pages.first)
            #expect(first.words.map(\.text) == page.words.map(\.text))
            #expect(first.words.count > 50)
            for word in first.words {
                #expect(!word.text.isEmpty)
                #expect(0 <= word.x1 && word.x1 < word.x2 && word.x2 <= first.widthPoints, "\(word)")
                #expect(0 <= word.y1 && word.y1 < word.y2 && word.y2 <= first.heightPoints, "\(word)")
            }
            let quote = NDAFixture.lawQuote.split(separator: " ").map(String.init)
            let texts = first.words.map { $0.text.trimmingCharacters(in: .punctuationCharacters) }
            #expect(texts.indices.contains { texts[$0...].starts(with: quote) }, "the quote's words are not in a row on page 1: \(texts)")

            // The second request reads the row: a store whose extractor cannot start a child still answers,
            // with the same image and words.
            let cachedStore = Self.store(database, Self.noChildren)
            let second = try #require(try await cachedStore.render(tenant: "tenant_a", documentID: submitted.documentID, page: 1, width: 1100))
            #expect(second.png == first.png && second.words == first.words)
            #expect(second.widthPoints == first.widthPoints && second.heightPixels == first.heightPixels)
            #expect(try await Self.rows(database) == 1)
            // ...and that store does need a child for anything not cached.
            await #expect(throws: PDFError.self) {
                _ = try await cachedStore.render(tenant: "tenant_a", documentID: submitted.documentID, page: 1, width: 700)
            }

            // Another step is another row, narrower for a narrower screen.
            let small = try #require(try await store.render(tenant: "tenant_a", documentID: submitted.documentID, page: 1, width: 1))
            #expect(try small.widthPixels == 800 && Self.pngSize(small.png).width == 800)
            #expect(small.words == first.words)
            #expect(try await Self.rows(database) == 2)
        }
    }

    @Test("another tenant's document, a missing document and pages out of range are nil, and store nothing")
    func tenantAndRangeAreNil() async throws {
        let bytes = try await SampleContracts.bytes(SampleContracts.nda)
        try await TestDatabase.with { database, _ in
            let submitted = try await Submitter(database: database, queue: JobQueue(client: database, logger: TestDatabase.logger))
                .submit(bytes: bytes, filename: SampleContracts.nda, tenant: "tenant_a")
            let store = Self.store(database)
            let id = submitted.documentID
            #expect(try await store.render(tenant: "tenant_a", documentID: id, page: 1, width: 800) != nil)
            // Cached for tenant_a, still nothing for tenant_b.
            #expect(try await store.render(tenant: "tenant_b", documentID: id, page: 1, width: 800) == nil)
            #expect(try await store.render(tenant: "tenant_b", documentID: id, page: 2, width: 800) == nil)
            #expect(try await store.render(tenant: "tenant_a", documentID: id + 1000, page: 1, width: 800) == nil)
            #expect(try await store.render(tenant: "tenant_a", documentID: id, page: 0, width: 800) == nil)
            // The page count is not recorded before an analysis: the child is asked, and says no.
            #expect(try await store.render(tenant: "tenant_a", documentID: id, page: 99, width: 800) == nil)
            try await database.query("UPDATE lector.documents SET page_count = 2 WHERE id = $1", id)
            #expect(try await store.render(tenant: "tenant_a", documentID: id, page: 3, width: 800) == nil)
            #expect(try await Self.rows(database) == 1)
            let tenants = try await database.query("SELECT DISTINCT tenant FROM lector.page_renders").map {
                try $0.decode("tenant", as: String.self)
            }
            #expect(tenants == ["tenant_a"])
            // Rows go with their document.
            try await database.query("DELETE FROM lector.documents WHERE id = $1", id)
            #expect(try await Self.rows(database) == 0)
        }
    }

    @Test("an encrypted PDF opens with the password its analyze job carries, and fails typed without one")
    func encryptedUsesTheJobsPassword() async throws {
        let file = RepoPaths.corpus.appendingPathComponent("tricky/qpdf__20-pages.pdf")
        let bytes = [UInt8](try Data(contentsOf: file))
        try await TestDatabase.with { database, _ in
            let submitter = Submitter(database: database, queue: JobQueue(client: database, logger: TestDatabase.logger))
            let withPassword = try await submitter.submit(bytes: bytes, filename: "20-pages.pdf", tenant: "tenant_a", password: "user")
            let without = try await submitter.submit(bytes: bytes, filename: "20-pages.pdf", tenant: "tenant_b")
            let store = Self.store(database)
            let render = try #require(try await store.render(tenant: "tenant_a", documentID: withPassword.documentID, page: 20, width: 800))
            #expect(try Self.pngSize(render.png).width == render.widthPixels)
            #expect(!render.words.isEmpty)
            let error = await #expect(throws: PDFError.self) {
                _ = try await store.render(tenant: "tenant_b", documentID: without.documentID, page: 1, width: 800)
            }
            #expect(error?.kind == .passwordRequired)
            #expect(try await Self.rows(database) == 1)
        }
    }

    @Test("a broken or hostile PDF is a PDFError, not a crash, and nothing is stored", arguments: ["garbage", "hostile/pdfjs__REDHAT-1531897-0.pdf"])
    func brokenPDFIsAnError(source: String) async throws {
        let bytes: [UInt8] =
            source == "garbage"
            ? Array("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF".utf8)
            : [UInt8](try Data(contentsOf: RepoPaths.corpus.appendingPathComponent(source)))
        try await TestDatabase.with { database, _ in
            let document = try await database.withConnection { connection in
                try await DocumentStore().insert(tenant: "tenant_a", filename: "broken.pdf", bytes: bytes, on: connection)
            }
            await #expect(throws: PDFError.self) {
                _ = try await Self.store(database).render(tenant: "tenant_a", documentID: document.id, page: 1, width: 1100)
            }
            #expect(try await Self.rows(database) == 0)
        }
    }

    @Test("requested widths round up to a step; wider requests get the widest")
    func widthSteps() {
        #expect(PageRenderStore.widthStep(0) == 800)
        #expect(PageRenderStore.widthStep(800) == 800)
        #expect(PageRenderStore.widthStep(801) == 1100)
        #expect(PageRenderStore.widthStep(1400) == 1400)
        #expect(PageRenderStore.widthStep(5000) == 1400)
    }
}
