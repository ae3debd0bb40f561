import Foundation
import LectorAnalysis
import LectorDB
import LectorEngine
import LectorFakeEngine
import LectorQueue
import LectorService
import LectorTestSupport
import Synchronization
import Testing

/// Page images and word boxes are fetched when the analysis needs them, not held for the whole document
/// (issue 16): the scanned page still reaches the engine as an image, and quotes are still located.
@Suite("Page images and words on demand (fake engine, real PDF and PostgreSQL)")
struct OnDemandPagesTests {
    static let file = "services-agreement-meridian-cloud.pdf"
    static let sentence = "The Provider shall provide hosted document-management services as described in each Statement of Work."

    static var profile: AnalysisProfile {
        AnalysisProfile(
            name: "test", promptVersion: "test/on-demand", categories: Array(FindingCategory.all.prefix(2)),
            reasoningEffort: .off, imagePolicy: .auto, maxOutputTokens: 4096, marginTokens: 128, contextTokens: 32_768)
    }

    static var answer: String {
        var findings: [String: Any] = [:]
        for category in profile.categories {
            findings[category.key] = [
                "presence": "present", "value": NSNull(), "normalized": NSNull(), "pages": [1],
                "quotes": [["page": 1, "text": sentence]], "confidence": 0.9, "risk": "low", "risk_rationale": NSNull(),
            ] as [String: Any]
        }
        let document: [String: Any] = [
            "title": "Services Agreement", "type": "services", "parties": [], "governing_law": NSNull(),
            "currency": NSNull(), "total_value": NSNull(),
        ]
        let data = try! JSONSerialization.data(withJSONObject: ["document": document, "findings": findings])
        return String(decoding: data, as: UTF8.self)
    }

    @Test("the scanned page is rendered for the request that includes it; quotes get their boxes afterwards")
    func scannedPageIsSentAndQuotesAreLocated() async throws {
        let bytes = try await SampleContracts.bytes(Self.file)
        try await TestDatabase.with { client, _ in
            let queue = JobQueue(client: client, logger: TestDatabase.logger)
            _ = try await Submitter(database: client, queue: queue).submit(bytes: bytes, filename: Self.file, profile: "test")
            let images = Mutex<[Int]>([])
            let answer = Self.answer
            try await FakeEngineWorker.run(database: client, profiles: [Self.profile], seconds: 120) { request in
                let body = String(decoding: request.body, as: UTF8.self)
                images.withLock { $0.append(body.components(separatedBy: "data:image/jpeg;base64,").count - 1) }
                return FakeResponses.completion(dialect: .vllm, answer: answer)
            }
            let job = try await client.query("SELECT state FROM lector.jobs").one()
            #expect(try job.decode("state", as: String.self) == "completed")
            let pages = try await client.query(
                "SELECT count(*) FILTER (WHERE needs_vision) AS vision, count(*) AS total FROM lector.pages").one()
            let vision = try pages.decode("vision", as: Int.self)
            #expect(vision >= 1)  // the scanned signature page, at least
            // Every page that must be seen went to the engine as an image, once per request.
            #expect(images.withLock { $0 }.reduce(0, +) == vision, "\(images.withLock { $0 })")

            let rows = try await client.query(
                "SELECT q.verified, q.match, q.locations::text AS locations FROM lector.finding_quotes q")
            #expect(rows.count == Self.profile.categories.count)
            for row in rows {
                let match = try row.decode("match", as: String.self)
                #expect(try row.decode("verified", as: Bool.self), "\(match)")
                let locations = try JSONDecoder().decode(
                    [QuoteLocation].self, from: Data(try row.decode("locations", as: String.self).utf8))
                #expect(locations.map(\.page) == [1])
                #expect(locations.first?.boxes.isEmpty == false, "the quote was not located on its page: \(locations)")
            }
        }
    }
}
