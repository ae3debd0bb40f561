import Foundation
import LectorAnalysis
import LectorDB
import LectorEngine
import LectorFakeEngine
import LectorPDF
import LectorQueue
import LectorService
import LectorTestSupport
import Logging
import Testing

/// The whole pipeline on the real PostgreSQL, real Poppler (isolated children of the real binary) and a
/// deterministic fake engine: submit, worker, findings in SQL.
@Suite("Submit and analyze end to end (fake engine)")
struct AnalyzeJobTests {
    static let lawQuote = NDAFixture.lawQuote
    static let answer = NDAFixture.answer
    static var profile: AnalysisProfile { NDAFixture.profile }

    @Test func submitWorkAndQuery() async throws {
        let folder = try await SampleContracts.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let logger = TestDatabase.logger
        try await TestDatabase.with { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let submitter = Submitter(database: client, queue: queue)
            var jobs: [String: Submitter.Outcome] = [:]
            for name in ["mutual-nda-northwind-harbor.pdf", "services-agreement-meridian-cloud.pdf", "software-licence-orbital.pdf"] {
                let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
                jobs[name] = try await submitter.submit(bytes: bytes, filename: name, profile: "test")
                #expect(jobs[name]?.newJob == true)
            }
            // The same file again: the same document and job, nothing new.
            let nda = [UInt8](try Data(contentsOf: folder.appendingPathComponent("mutual-nda-northwind-harbor.pdf")))
            let again = try await submitter.submit(bytes: nda, filename: "copy.pdf", profile: "test")
            #expect(again.documentID == jobs["mutual-nda-northwind-harbor.pdf"]?.documentID)
            #expect(again.jobID == jobs["mutual-nda-northwind-harbor.pdf"]?.jobID)
            #expect(again.newDocument == false && again.newJob == false)
            // Not a PDF: refused with a reason, nothing stored.
            await #expect(throws: SubmitError.self) {
                try await submitter.submit(bytes: Array("hello".utf8), filename: "notes.txt", profile: "test")
            }
            // A tenant the API's tokens could never name: refused, nothing stored.
            await #expect(throws: TenancyError.self) {
                try await submitter.submit(bytes: nda, filename: "nda.pdf", tenant: "bad tenant", profile: "test")
            }

            try await Self.work(client: client, until: [.completed, .failed]) { _ in
                FakeResponses.completion(dialect: .vllm, answer: Self.answer)
            }

            let states = try await client.query("SELECT state::text AS s, count(*) AS n FROM lector.jobs GROUP BY 1")
            #expect(try states.map { try $0.decode("s", as: String.self) } == ["completed"])
            let perJob = try await client.query(
                "SELECT count(*) AS analyses, count(DISTINCT job_id) AS jobs FROM lector.analyses").one()
            #expect(try perJob.decode("analyses", as: Int.self) == 3)
            #expect(try perJob.decode("jobs", as: Int.self) == 3)

            // The NDA's quote is on its page; the other contracts do not contain it: flagged, not dropped.
            let quotes = try await client.query(
                """
                SELECT d.filename, q.verified, q.page FROM lector.finding_quotes q
                JOIN lector.findings f ON f.id = q.finding_id JOIN lector.documents d ON d.id = f.document_id
                ORDER BY d.filename
                """)
            let verified = try Dictionary(uniqueKeysWithValues: quotes.map {
                (try $0.decode("filename", as: String.self), try $0.decode("verified", as: Bool.self))
            })
            #expect(verified == [
                "mutual-nda-northwind-harbor.pdf": true, "services-agreement-meridian-cloud.pdf": false,
                "software-licence-orbital.pdf": false,
            ])

            // Pages are stored with text search; the scanned signature page needed vision.
            let scan = try await client.query(
                """
                SELECT p.number, p.needs_vision, p.char_count FROM lector.pages p JOIN lector.documents d ON d.id = p.document_id
                WHERE d.filename = 'services-agreement-meridian-cloud.pdf' ORDER BY p.number DESC LIMIT 1
                """).one()
            #expect(try scan.decode("needs_vision", as: Bool.self))
            #expect(try scan.decode("char_count", as: Int.self) == 0)
            let search = try await client.query(
                """
                SELECT d.filename FROM lector.pages p JOIN lector.documents d ON d.id = p.document_id
                WHERE p.search @@ websearch_to_tsquery('english', 'change of control')
                """)
            #expect(try search.map { try $0.decode("filename", as: String.self) } == ["services-agreement-meridian-cloud.pdf"])

            // `lector findings` reads through FindingsReport: by file name, SHA-256 prefix or id.
            let report = FindingsReport(database: client)
            let ndaID = try await report.documentID("mutual-nda-northwind-harbor.pdf", tenant: "default")
            #expect(ndaID == jobs["mutual-nda-northwind-harbor.pdf"]?.documentID)
            let sha = try #require(jobs["mutual-nda-northwind-harbor.pdf"]?.sha256)
            #expect(try await report.documentID(String(sha.prefix(12)), tenant: "default") == ndaID)
            await #expect(throws: FindingsLookupError.self) { try await report.documentID("nope.pdf", tenant: "default") }
            await #expect(throws: FindingsLookupError.self) { try await report.documentID(String(sha.prefix(12)), tenant: "other") }
            let rows = try await report.findings(documentID: ndaID, tenant: "default")
            #expect(try await report.findings(documentID: ndaID, tenant: "other").isEmpty)
            #expect(rows.map(\.category) == ["governing_law"])
            #expect(rows.first?.presence == "present")
            #expect(rows.first?.quoteCount == 1 && rows.first?.verifiedQuoteCount == 1)

            let overview = try await client.query(
                "SELECT filename, governing_law, unverified_quotes FROM lector.contract_overview ORDER BY filename")
            #expect(overview.count == 3)
            #expect(try overview.first?.decode("governing_law", as: String?.self) == "England and Wales")
        }
    }

    @Test func engineOutageLeavesTheJobRetryableAndAMalformedAnswerFailsWithTheReason() async throws {
        let folder = try await SampleContracts.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let logger = TestDatabase.logger
        try await TestDatabase.with { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent("mutual-nda-northwind-harbor.pdf")))
            let job = try await Submitter(database: client, queue: queue).submit(bytes: bytes, filename: "nda.pdf", profile: "test")
            // The engine answers 503 to everything: after the client's own retries the job is rescheduled.
            try await Self.work(client: client, until: [.retryable]) { _ in
                .json(503, ["error": ["code": 503, "message": "Loading model", "type": "unavailable_error"]])
            }
            let retryable = try await client.query(
                "SELECT state::text AS s, errors::text AS e FROM lector.jobs WHERE id = $1", job.jobID).one()
            #expect(try retryable.decode("s", as: String.self) == "retryable")
            #expect(try retryable.decode("e", as: String.self).contains("engine.unavailable"))
            #expect(try await client.query("SELECT count(*) AS n FROM lector.analyses").one().decode("n", as: Int.self) == 0)

            // The engine is back but answers nonsense: retried once with feedback, then failed with the reason.
            try await client.query("UPDATE lector.jobs SET run_at = now() WHERE id = $1", job.jobID)
            try await Self.work(client: client, until: [.failed]) { _ in
                FakeResponses.completion(dialect: .vllm, answer: #"{"document": {}, "findings": {"governing_law": {"presence": "maybe"}}}"#)
            }
            let failed = try await client.query(
                "SELECT state::text AS s, errors::text AS e FROM lector.jobs WHERE id = $1", job.jobID).one()
            #expect(try failed.decode("s", as: String.self) == "failed")
            #expect(try failed.decode("e", as: String.self).contains("analysis."))
            #expect(try await client.query("SELECT count(*) AS n FROM lector.analyses").one().decode("n", as: Int.self) == 0)
        }
    }

    /// Runs a worker with the analyze job against a fake engine answering `reply`, until every job is in
    /// one of the `settled` states, at most two minutes.
    static func work(
        client: PostgresClient, until settled: Set<JobState>,
        reply: @escaping @Sendable (FakeRequest) async -> FakeReply
    ) async throws {
        try await FakeEngineWorker.run(database: client, profiles: [Self.profile], until: settled, seconds: 120, reply: reply)
    }
}
