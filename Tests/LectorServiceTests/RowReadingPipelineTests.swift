import Foundation
import LectorAnalysis
import LectorDB
import LectorEngine
import LectorFakeEngine
import LectorQueue
import LectorService
import LectorTestSupport
import Testing

/// A quote that Poppler's reading order scrambles, read again by rows through the whole pipeline: the
/// real CUAD contract (Poppler in the isolated child), a fake engine quoting it, PostgreSQL.
@Suite("Quotes read again by rows through the pipeline (fake engine, real PDF and PostgreSQL)")
struct RowReadingPipelineTests {
    /// Page 23 of this agency agreement has a justified line whose wide gaps make Poppler read "shall be
    /// construed in" after the next line.
    static let file = "cuad__ALAMOGORDOFINANCIALCORP_12_16_1999-EX-1-AGENCY_AGREEMENT.PDF"
    static let quote = "This Agreement shall be construed in accordance with the laws of the State of Kansas."
    static let edited = "This Agreement shall not be construed in accordance with the laws of the State of Kansas."

    static var profile: AnalysisProfile {
        AnalysisProfile(
            name: "test", promptVersion: "test/rows", categories: [FindingCategory.all.first { $0.key == "governing_law" }!],
            reasoningEffort: .off, imagePolicy: .auto, maxOutputTokens: 4096, marginTokens: 128, contextTokens: 262_144)
    }

    static var answer: String {
        let finding: [String: Any] = [
            "presence": "present", "value": "Kansas", "normalized": NSNull(), "pages": [23],
            "quotes": [["page": 23, "text": quote], ["page": 23, "text": edited]],
            "confidence": 0.9, "risk": "low", "risk_rationale": NSNull(),
        ]
        let document: [String: Any] = [
            "title": NSNull(), "type": NSNull(), "parties": [], "governing_law": "Kansas", "currency": NSNull(),
            "total_value": NSNull(),
        ]
        let data = try! JSONSerialization.data(withJSONObject: ["document": document, "findings": ["governing_law": finding]])
        return String(decoding: data, as: UTF8.self)
    }

    @Test("the scrambled justified line verifies by rows, located with boxes; the edited quote stays not found")
    func scrambledLineVerifies() async throws {
        let url = RepoPaths.corpus.appendingPathComponent("contracts/\(Self.file)")
        let bytes = [UInt8](try Data(contentsOf: url))
        try await TestDatabase.with { client, _ in
            let queue = JobQueue(client: client, logger: TestDatabase.logger)
            _ = try await Submitter(database: client, queue: queue).submit(bytes: bytes, filename: Self.file, profile: "test")
            let answer = Self.answer
            try await FakeEngineWorker.run(database: client, profiles: [Self.profile], seconds: 120) { _ in
                FakeResponses.completion(dialect: .vllm, answer: answer)
            }
            // Poppler's text of the page does not have the sentence in order.
            let pageText = try await client.query(
                "SELECT text FROM lector.pages WHERE number = 23").one().decode("text", as: String.self)
            #expect(!TextNormalizer.normalize(pageText).contains(TextNormalizer.normalize(Self.quote)))

            let rows = try await client.query(
                "SELECT q.text, q.match, q.locations::text AS locations FROM lector.finding_quotes q ORDER BY q.ordinal")
            var byText: [String: (match: String, locations: [QuoteLocation])] = [:]
            for row in rows {
                let locations = try JSONDecoder().decode(
                    [QuoteLocation].self, from: Data(try row.decode("locations", as: String.self).utf8))
                byText[try row.decode("text")] = (try row.decode("match"), locations)
            }
            let verified = try #require(byText[Self.quote])
            #expect(verified.match == "normalized")
            let location = try #require(verified.locations.first)
            #expect(location.page == 23)
            #expect(location.boxes.count == 2)
            let scalars = Array(pageText.unicodeScalars)
            #expect(location.start < location.end && location.end <= scalars.count)
            #expect(String(String.UnicodeScalarView(scalars[location.start..<location.end])).hasPrefix("This Agreement"))
            #expect(byText[Self.edited]?.match == "not_found")

            let finding = try await client.query(
                "SELECT grounding_flags::text AS flags, verified_quote_count FROM lector.latest_findings").one()
            #expect(try finding.decode("flags", as: String.self) == "{}")
            #expect(try finding.decode("verified_quote_count", as: Int.self) == 1)
        }
    }
}
