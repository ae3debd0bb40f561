import Foundation
import LectorAnalysis
import LectorDB
import LectorService
import LectorTestSupport
import Testing

/// The stores and the analysts' views against the real PostgreSQL (a fresh database per test).
@Suite("Document and analysis stores, SQL views")
struct AnalysisStoreTests {
    /// An analysis as the analyzer returns it: dates ahead of today, one unverified quote.
    static func result(expiring expiry: String) -> AnalysisResult {
        func quote(_ text: String, page: Int, verified: Bool = true, from: Int? = nil) -> VerifiedQuote {
            VerifiedQuote(text: text, page: page, match: verified ? .exact : .notFound, pageCorrectedFrom: from)
        }
        let findings = [
            Finding(
                category: "effective_date", presence: .present, value: "1 March 2024", normalized: NormalizedValue(date: "2024-03-01"),
                pages: [1], quotes: [quote("effective as of 1 March 2024", page: 1)], confidence: 0.9, risk: .none, riskRationale: nil),
            Finding(
                category: "expiration_date", presence: .present, value: "expiry", normalized: NormalizedValue(date: expiry),
                pages: [3], quotes: [quote("expires on", page: 3, from: 2)], confidence: 0.9, risk: .low, riskRationale: "Fixed end."),
            Finding(
                category: "renewal_term", presence: .present, value: "one year", normalized: NormalizedValue(duration: "P1Y"),
                pages: [3], quotes: [quote("renews for one year", page: 3)], confidence: 0.8, risk: .medium, riskRationale: "Auto-renews."),
            Finding(
                category: "notice_period", presence: .present, value: "90 days", normalized: NormalizedValue(duration: "P90D"),
                pages: [3], quotes: [quote("ninety days", page: 3)], confidence: 0.8, risk: .medium, riskRationale: nil),
            Finding(
                category: "governing_law", presence: .present, value: "New York", normalized: NormalizedValue(), pages: [2],
                quotes: [quote("laws of the State of New York", page: 2)], confidence: 0.95, risk: .low, riskRationale: nil),
            Finding(
                category: "cap_on_liability", presence: .present, value: "fees paid in 12 months",
                normalized: NormalizedValue(amount: 250_000, currency: "USD"), pages: [5],
                quotes: [quote("shall not exceed USD 250,000", page: 5), quote("an invented sentence", page: 5, verified: false)],
                confidence: 0.7, risk: .high, riskRationale: "Low cap."),
            Finding(
                category: "non_compete", presence: .absent, value: nil, normalized: NormalizedValue(), pages: [], quotes: [],
                confidence: 0.8, risk: .none, riskRationale: nil),
        ]
        let plan = AnalysisPlan(
            contextTokens: 262_144, outputTokens: 32768, marginTokens: 1024, budgetTokens: 228_352, fixedTokens: 3000,
            requests: [.init(firstPage: 1, lastPage: 5, promptTokens: 9000, textTokens: 6000, imageTokens: 0, imagePages: [])],
            visionPagesAsText: [], imagePolicy: .auto)
        return AnalysisResult(
            profile: "contract-review", promptVersion: "contract-review/1",
            facts: DocumentFacts(
                title: "Master Services Agreement", type: "services",
                parties: [Party(name: "Acme Corp", role: "Customer"), Party(name: "Borealis Ltd", role: "Supplier")],
                governingLaw: "New York"),
            findings: findings, plan: plan,
            usage: .init(promptTokens: 9100, completionTokens: 800, cachedPromptTokens: 3000, requests: 1),
            engineMilliseconds: 1234, totalMilliseconds: 1300, model: "mistral-small-4", engineHost: "10.0.0.5",
            externalEngine: false, reasoningEffort: "high")
    }

    static func futureDate(days: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date().addingTimeInterval(Double(days) * 86_400))
    }

    @Test("a document is stored once per tenant; pages are stored and replaced")
    func documents() async throws {
        try await TestDatabase.with { client, _ in
            let store = DocumentStore()
            let bytes = Array("%PDF-1.7 a contract".utf8)
            let first = try await client.withConnection { try await store.insert(tenant: "acme", filename: "a.pdf", bytes: bytes, on: $0) }
            let again = try await client.withConnection { try await store.insert(tenant: "acme", filename: "copy.pdf", bytes: bytes, on: $0) }
            let other = try await client.withConnection { try await store.insert(tenant: "other", filename: "a.pdf", bytes: bytes, on: $0) }
            #expect(first.created && !again.created && other.created)
            #expect(first.id == again.id && first.id != other.id)
            #expect(first.sha256.count == 64)
            let pages = (1...3).map { DocumentStore.Page(number: $0, text: "Page \($0) governing law", needsVision: $0 == 2) }
            try await client.withTransaction { try await store.storePages(pages, documentID: first.id, on: $0) }
            try await client.withTransaction { try await store.storePages(Array(pages.prefix(2)), documentID: first.id, on: $0) }
            let count = try await client.query("SELECT count(*) AS n FROM lector.pages WHERE document_id = $1", first.id).one()
            #expect(try count.decode("n", as: Int.self) == 2)
            let pageCount = try await client.query("SELECT page_count FROM lector.documents WHERE id = $1", first.id).one()
            #expect(try pageCount.decode("page_count", as: Int.self) == 2)
            let search = try await client.query(
                "SELECT number FROM lector.pages WHERE search @@ plainto_tsquery('english', 'governing') ORDER BY number")
            #expect(search.count == 2)
        }
    }

    @Test("an analysis is written once per job; the views return sensible rows")
    func analysesAndViews() async throws {
        try await TestDatabase.with { client, _ in
            let document = try await client.withConnection {
                try await DocumentStore().insert(tenant: "default", filename: "msa.pdf", bytes: Array("%PDF msa".utf8), on: $0)
            }
            let unanalysed = try await client.withConnection {
                try await DocumentStore().insert(tenant: "default", filename: "new.pdf", bytes: Array("%PDF new".utf8), on: $0)
            }
            let job = try await client.query(
                "INSERT INTO lector.jobs (kind, args) VALUES ('analyze', '{}') RETURNING id").one().decode("id", as: Int64.self)
            try await client.query("INSERT INTO lector.jobs (kind, queue) VALUES ('analyze', 'nightly')")
            let expiry = Self.futureDate(days: 400)
            let result = Self.result(expiring: expiry)
            let context = AnalysisStore.Context(
                documentID: document.id, jobID: job, tenant: "default", engineDialect: "vllm", pipelineVersion: "test",
                startedAt: Date(), extractMilliseconds: 50)
            let first = try await client.withTransaction { try await AnalysisStore().write(result, context: context, on: $0) }
            let second = try await client.withTransaction { try await AnalysisStore().write(result, context: context, on: $0) }
            #expect(first.created && !second.created)
            #expect(first.analysisID == second.analysisID)
            let analyses = try await client.query("SELECT count(*) AS n FROM lector.analyses").one()
            #expect(try analyses.decode("n", as: Int.self) == 1)

            let overview = try await client.query(
                """
                SELECT document_id, title, parties, effective_date::text AS effective, expiration_date::text AS expiration,
                       renewal_term, notice_period, governing_law, liability_cap_amount::float8 AS cap, liability_cap_currency,
                       findings_present, findings_total, unverified_quotes, highest_risk
                FROM lector.contract_overview ORDER BY document_id
                """)
            #expect(overview.count == 2)
            let row = overview[0]
            #expect(try row.decode("title", as: String.self) == "Master Services Agreement")
            #expect(try row.decode("parties", as: String.self) == "Acme Corp (Customer); Borealis Ltd (Supplier)")
            #expect(try row.decode("effective", as: String.self) == "2024-03-01")
            #expect(try row.decode("expiration", as: String.self) == expiry)
            #expect(try row.decode("renewal_term", as: String.self) == "P1Y")
            #expect(try row.decode("notice_period", as: String.self) == "P90D")
            #expect(try row.decode("governing_law", as: String.self) == "New York")
            #expect(try row.decode("cap", as: Double.self) == 250_000)
            #expect(try row.decode("liability_cap_currency", as: String.self) == "USD")
            #expect(try row.decode("findings_present", as: Int.self) == 6)
            #expect(try row.decode("findings_total", as: Int.self) == 7)
            #expect(try row.decode("unverified_quotes", as: Int.self) == 1)
            #expect(try row.decode("highest_risk", as: String.self) == "high")
            #expect(try overview[1].decode("document_id", as: Int64.self) == unanalysed.id)
            #expect(try overview[1].decode("title", as: String?.self) == nil)

            let findings = try await client.query(
                "SELECT category, quote_count, verified_quote_count, quotes FROM lector.latest_findings WHERE category = 'expiration_date'")
            let quotes = try findings.one().decode("quotes", as: PostgresJSON.self).text
            #expect(quotes.contains("\"page_corrected_from\": 2"))
            let total = try await client.query("SELECT count(*) AS n FROM lector.latest_findings").one()
            #expect(try total.decode("n", as: Int.self) == 7)

            let deadlines = try await client.query(
                "SELECT kind, due_date::text AS due, days_left FROM lector.upcoming_deadlines ORDER BY due_date, kind")
            #expect(deadlines.map { (try? $0.decode("kind", as: String.self)) ?? "" } == ["notice", "expiration", "renewal"])
            #expect(try deadlines[1].decode("due", as: String.self) == expiry)
            #expect(try deadlines[0].decode("days_left", as: Int.self) == deadlines[1].decode("days_left", as: Int.self) - 90)

            let stats = try await client.query(
                "SELECT queue, state::text AS state, jobs, oldest_available_age IS NOT NULL AS aged FROM lector.job_stats ORDER BY queue")
            #expect(stats.count == 2)
            #expect(try stats[0].decode("queue", as: String.self) == "default")
            #expect(try stats[0].decode("jobs", as: Int.self) == 1)
            #expect(try stats[0].decode("aged", as: Bool.self))
        }
    }
}
