import Foundation
import LectorAnalysis
import LectorDB
import LectorEngine
import LectorFakeEngine
import LectorPDF
import LectorQueue
import LectorService
import LectorTestSupport
import Testing

/// Grounding through the whole pipeline: the real PDF (Poppler in the isolated child), a fake engine
/// that quotes the contract, some quotes verbatim and some with one meaning-changing edit, the findings
/// in PostgreSQL.
@Suite("Grounding through the pipeline (fake engine, real PDF and PostgreSQL)")
struct GroundingPipelineTests {
    static let file = "software-licence-orbital.pdf"

    /// Sentences of the software licence, as the page has them.
    static let verbatim = [
        "Licensee shall not sublicense, reverse engineer or modify the software",
        "Licensee shall pay an annual licence fee of EUR 36,000.",
        "Licensor grants Licensee a non-exclusive, non-transferable licence to use the Orbital Harbour Planner software",
        "This Agreement is governed by the laws of France",
        "unless terminated by either party on sixty (60) days' notice before the renewal date",
        "Licensor may increase the fee once per year by no more than the change in the Eurostat HICP index",
    ]

    /// The same sentences with one edit each that changes what they say.
    static let edited = [
        "Licensee shall sublicense, reverse engineer or modify the software",
        "Licensee shall not sublicense, reverse engineer or modify the software, as permitted by mandatory law",
        "Licensee shall pay an annual licence fee of EUR 37,000.",
        "Licensee shall pay an annual licence fee of USD 36,000.",
        "Licensor grants Licensee an exclusive, non-transferable licence to use the Orbital Harbour Planner software",
        "Licensor grants Licensee a non-exclusive, transferable licence to use the Orbital Harbour Planner software",
        "This Agreement is not governed by the laws of France",
        "terminated by either party on sixty (60) days' notice before the renewal date, and renews automatically",
        "unless terminated by either party on sixty (61) days' notice before the renewal date",
        "unless terminated by neither party on sixty (60) days' notice before the renewal date",
        "Licensor may increase the fee once per year by more than the change in the Eurostat HICP index",
        "Improvements suggested by Licensee may be incorporated by Licensor with charge",
        "Licensor's total liability is not limited to the fees paid in the preceding twelve (12) months",
        "Licensor's total liability is limited to the fees paid in the preceding twelve (13) months",
        "the software will perform materially in accordance with its documentation for ninety (80) days",
        "the software will not perform materially in accordance with its documentation",
    ]

    static var categories: [FindingCategory] { Array(FindingCategory.all.prefix(6)) }

    static var profile: AnalysisProfile {
        AnalysisProfile(
            name: "test", promptVersion: "test/grounding", categories: categories, reasoningEffort: .off, imagePolicy: .auto,
            maxOutputTokens: 4096, marginTokens: 128, contextTokens: 32_768)
    }

    /// Every category present, four quotes each, the verbatim and edited sentences dealt out in turn.
    static var answer: String {
        let quotes = verbatim + edited
        var findings: [String: Any] = [:]
        for (index, category) in categories.enumerated() {
            let mine = quotes.enumerated().filter { $0.offset % categories.count == index }.map { ["page": 1, "text": $0.element] }
            findings[category.key] = [
                "presence": "present", "value": NSNull(), "normalized": NSNull(), "pages": [1], "quotes": mine,
                "confidence": 0.9, "risk": "low", "risk_rationale": NSNull(),
            ] as [String: Any]
        }
        let document: [String: Any] = [
            "title": "Software Licence Agreement", "type": "licence", "parties": [], "governing_law": "France",
            "currency": "EUR", "total_value": NSNull(),
        ]
        let data = try! JSONSerialization.data(withJSONObject: ["document": document, "findings": findings])
        return String(decoding: data, as: UTF8.self)
    }

    @Test("edited quotes: not one verified or approximate; verbatim ones verified and located with their words' boxes")
    func editedQuotesAreNeverVerified() async throws {
        #expect(Self.verbatim.count + Self.edited.count <= Self.categories.count * 4)
        let bytes = try await SampleContracts.bytes(Self.file)
        try await TestDatabase.with { client, _ in
            let queue = JobQueue(client: client, logger: TestDatabase.logger)
            _ = try await Submitter(database: client, queue: queue).submit(bytes: bytes, filename: Self.file, profile: "test")
            let answer = Self.answer
            try await FakeEngineWorker.run(database: client, profiles: [Self.profile], seconds: 120) { _ in
                FakeResponses.completion(dialect: .vllm, answer: answer)
            }
            let rows = try await client.query(
                """
                SELECT q.text, q.verified, q.match, q.locations::text AS locations FROM lector.finding_quotes q
                ORDER BY q.finding_id, q.ordinal
                """)
            var byText: [String: (verified: Bool, match: String, locations: [QuoteLocation])] = [:]
            for row in rows {
                let locations = try JSONDecoder().decode(
                    [QuoteLocation].self, from: Data(try row.decode("locations", as: String.self).utf8))
                byText[try row.decode("text")] = (try row.decode("verified"), try row.decode("match"), locations)
            }
            #expect(byText.count == Self.verbatim.count + Self.edited.count)
            for quote in Self.edited {
                let stored = try #require(byText[quote], "\(quote)")
                #expect(!stored.verified, "\(quote)")
                #expect(stored.match == "not_found", "\(quote)")
            }
            for quote in Self.verbatim {
                let stored = try #require(byText[quote], "\(quote)")
                #expect(stored.verified, "\(quote)")
                #expect(["exact", "normalized"].contains(stored.match), "\(quote)")
                #expect(stored.locations.map(\.page) == [1], "\(quote)")
                #expect(stored.locations.first?.boxes.isEmpty == false, "\(quote)")
            }

            // The boxes cover exactly the quote's words: those Poppler reports for the page, in order.
            let extractor = PDFExtractor(executable: RepoPaths.lectorBinary.path)
            var options = ExtractionOptions()
            options.words = true
            let page = try #require(try await extractor.extract(bytes, options: options).pages.first)
            let quote = "Licensee shall pay an annual licence fee of EUR 36,000."
            let words = quote.split(separator: " ").map(String.init)
            let start = try #require(
                (0...(page.words.count - words.count)).first { i in
                    (0..<words.count).allSatisfy { page.words[i + $0].text == words[$0] }
                })
            let expected = page.words[start..<start + words.count].map(\.box).reduce(nil as PDFRect?) { union, box in
                guard let union else { return box }
                return PDFRect(x1: min(union.x1, box.x1), y1: min(union.y1, box.y1), x2: max(union.x2, box.x2), y2: max(union.y2, box.y2))
            }
            let boxes = try #require(byText[quote]?.locations.first?.boxes)
            #expect(boxes.count == 1)
            let box = try #require(boxes.first)
            let wanted = try #require(expected)
            #expect(box == QuoteBox(x1: wanted.x1, y1: wanted.y1, x2: wanted.x2, y2: wanted.y2))

            // The views count quotes by kind; a reader sees what is not verified.
            let overview = try await client.query(
                "SELECT unverified_quotes, approximate_quotes, not_found_quotes FROM lector.contract_overview").one()
            #expect(try overview.decode("unverified_quotes", as: Int.self) == Self.edited.count)
            #expect(try overview.decode("not_found_quotes", as: Int.self) == Self.edited.count)
            #expect(try overview.decode("approximate_quotes", as: Int.self) == 0)
            let kinds = try await client.query(
                """
                SELECT sum(exact_quote_count + normalized_quote_count)::integer AS verified,
                       sum(not_found_quote_count)::integer AS not_found
                FROM lector.latest_findings
                """).one()
            #expect(try kinds.decode("verified", as: Int.self) == Self.verbatim.count)
            #expect(try kinds.decode("not_found", as: Int.self) == Self.edited.count)
        }
    }
}
