import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LectorAPI
import LectorAnalysis
import LectorDB
import LectorEngine
import LectorFakeEngine
import LectorPDF
import LectorQueue
import LectorService
import LectorTestSupport
import LectorWeb
import NIOCore
import Prometheus
import Testing

/// A fresh database holding the sample NDA analysed for two tenants (`acme` and `globex`) by a real worker
/// (real Poppler) with a fake engine that answers three findings with quotes, and the API with the review
/// desk served on a real port.
enum DeskTest {
    /// The three findings the fake engine answers for the NDA.
    static let lawQuote = NDAFixture.lawQuote
    static let terminationQuote = "Either party may terminate this Agreement by giving thirty (30) days' written notice"
    static let effectiveQuote = "entered into as of 3 March 2025"

    static let answer = """
        {"document": {"title": "Mutual Non-Disclosure Agreement", "type": "nda", "parties": [], "governing_law": "England and Wales",
          "currency": null, "total_value": null},
         "findings": {
          "governing_law": {"presence": "present", "value": "England and Wales", "normalized": null, "pages": [1],
            "quotes": [{"page": 1, "text": "\(lawQuote)"}], "confidence": 0.9, "risk": "low", "risk_rationale": "A neutral choice."},
          "termination_for_convenience": {"presence": "present", "value": "60 days' notice", "normalized": null, "pages": [1],
            "quotes": [{"page": 1, "text": "\(terminationQuote)"}], "confidence": 0.7, "risk": "medium", "risk_rationale": "Short exit."},
          "effective_date": {"presence": "present", "value": "2025-03-03", "normalized": null, "pages": [1],
            "quotes": [{"page": 1, "text": "\(effectiveQuote)"}], "confidence": 0.95, "risk": "none", "risk_rationale": null}}}
        """

    static var profile: AnalysisProfile { profile(named: "test") }

    /// The three-category profile; another name makes another analysis of the same document.
    static func profile(named name: String) -> AnalysisProfile {
        AnalysisProfile(
            name: name, promptVersion: "\(name)/1",
            categories: FindingCategory.all.filter { ["governing_law", "termination_for_convenience", "effective_date"].contains($0.key) },
            reasoningEffort: .off, imagePolicy: .auto, maxOutputTokens: 2048, marginTokens: 128, contextTokens: 32_768)
    }

    struct Seeded: Sendable {
        var acmeDocument: Int64
        var globexDocument: Int64
    }

    /// Runs `body` with the database, a client of the live server, the server's base URL and the seeded ids.
    static func with<T: Sendable>(
        configuration: ReviewDeskConfiguration = .init(),
        _ body: @escaping @Sendable (PostgresClient, any TestClientProtocol, String, Seeded) async throws -> T
    ) async throws -> T {
        try await TestDatabase.with { database, _ in
            let seeded = try await seed(database)
            let router = LectorAPI.makeRouter(
                database: database, configuration: APIConfiguration(maxUploadBytes: 1 << 20),
                registry: PrometheusCollectorRegistry(), logger: TestDatabase.logger)
            try ReviewDesk(
                database: database, extractor: PDFExtractor(executable: RepoPaths.lectorBinary.path),
                configuration: configuration, logger: TestDatabase.logger
            ).add(to: router)
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestDatabase.logger)
            return try await app.test(.live) { client in
                let port = try #require(client.port)
                return try await body(database, client, "http://127.0.0.1:\(port)", seeded)
            }
        }
    }

    /// The NDA submitted by both tenants and analysed.
    static func seed(_ database: PostgresClient) async throws -> Seeded {
        let nda = try await SampleContracts.bytes(SampleContracts.nda)
        let submitter = Submitter(database: database, queue: JobQueue(client: database, logger: TestDatabase.logger))
        let acme = try await submitter.submit(bytes: nda, filename: "nda-northwind.pdf", tenant: "acme", profile: "test")
        let globex = try await submitter.submit(bytes: nda, filename: "nda-globex-secret.pdf", tenant: "globex", profile: "test")
        let answer = Self.answer
        try await FakeEngineWorker.run(
            database: database, profiles: [profile], concurrency: 2, maxAttempts: 3, seconds: 300,
            reply: { _ in FakeResponses.completion(dialect: .vllm, answer: answer) })
        return Seeded(acmeDocument: acme.documentID, globexDocument: globex.documentID)
    }

    /// Analyses `document` of `tenant` again, under the profile `test-again`: a new latest analysis with new
    /// finding ids.
    static func reanalyse(_ document: Int64, tenant: String, database: PostgresClient) async throws {
        let queue = JobQueue(client: database, logger: TestDatabase.logger)
        _ = try await queue.enqueue(AnalyzeJob.newJob(documentID: document, profile: "test-again", tenant: tenant))
        let answer = Self.answer
        try await FakeEngineWorker.run(
            database: database, profiles: [profile(named: "test-again")], concurrency: 1, maxAttempts: 3, seconds: 300,
            reply: { _ in FakeResponses.completion(dialect: .vllm, answer: answer) })
    }

    /// The finding id of `category` in the document's latest analysis.
    static func finding(_ category: String, document: Int64, database: PostgresClient) async throws -> Int64 {
        try await database.query(
            "SELECT finding_id FROM lector.latest_findings WHERE document_id = $1 AND category = $2", document, category
        ).one().decode("finding_id", as: Int64.self)
    }

    /// The review status of `category` in `lector.latest_findings`.
    static func status(_ category: String, document: Int64, database: PostgresClient) async throws -> String {
        try await database.query(
            "SELECT review_status FROM lector.latest_findings WHERE document_id = $1 AND category = $2", document, category
        ).one().decode("review_status", as: String.self)
    }
}

/// A browser's cookie jar for the HTTP tests: what Set-Cookie gave, sent back as Cookie.
struct CookieJar {
    var cookies: [String: String] = [:]
    /// The raw Set-Cookie lines of the last response, by cookie name.
    var lastSet: [String: String] = [:]

    mutating func take(_ response: TestResponse) {
        lastSet = [:]
        for line in response.headers[values: .setCookie] {
            guard let pair = line.split(separator: ";").first, let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals]).trimmingCharacters(in: .whitespaces)
            let value = String(pair[pair.index(after: equals)...])
            lastSet[name] = line
            if line.lowercased().contains("max-age=0") || value.isEmpty { cookies[name] = nil } else { cookies[name] = value }
        }
    }

    var header: HTTPFields {
        var fields = HTTPFields()
        if !cookies.isEmpty { fields[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        return fields
    }
}

extension String {
    /// The value of the hidden input `name` in an HTML page.
    func hiddenInput(_ name: String) -> String? {
        guard let range = range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = self[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    var formEscaped: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// A url-encoded form body.
func formBody(_ fields: [(String, String)]) -> ByteBuffer {
    ByteBuffer(string: fields.map { "\($0.0.formEscaped)=\($0.1.formEscaped)" }.joined(separator: "&"))
}
