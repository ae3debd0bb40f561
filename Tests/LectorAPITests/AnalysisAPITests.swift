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
import NIOCore
import Testing

/// Upload through the API, a real worker with real Poppler and a fake engine, then status, findings and
/// the metrics the run left behind.
@Suite("HTTP API: analysis and metrics")
struct AnalysisAPITests {
    static let lawQuote = NDAFixture.lawQuote
    static let answer = NDAFixture.answer
    static var profile: AnalysisProfile { NDAFixture.profile }

    @Test func uploadRunFindingsAndMetrics() async throws {
        let nda = try await SampleContracts.bytes(SampleContracts.nda)
        try await APITest.with(configuration: APIConfiguration(maxUploadBytes: 1 << 22, profiles: ["test"])) { database, client in
            var headers = try await APITest.token("acme", database: database)
            headers[.contentType] = "application/pdf"
            let unknownProfile = try await client.execute(
                uri: "/v1/documents?profile=nope", method: .post, headers: headers, body: ByteBuffer(bytes: nda))
            #expect(unknownProfile.status == .badRequest)
            #expect(try JSONBody(unknownProfile).errorCode == "request.unknown_profile")

            let created = try JSONBody(
                try await client.execute(
                    uri: "/v1/documents?profile=test&filename=nda.pdf", method: .post, headers: headers, body: ByteBuffer(bytes: nda)))
            let documentID = try #require(created.int("document_id"))
            let jobID = try #require(created.int("job_id"))

            // The engine fails the first completion with a 503 (a retry, counted by class), then answers.
            let script = FakeScript(
                dialect: .vllm, replies: [.json(503, ["error": ["code": 503, "message": "busy", "type": "unavailable_error"]])],
                otherwise: FakeResponses.completion(dialect: .vllm, answer: Self.answer))
            try await Self.work(database: database, reply: script.handler)

            let job = try JSONBody(try await client.execute(uri: "/v1/jobs/\(jobID)", method: .get, headers: headers))
            #expect(job["state"] as? String == "completed")
            let document = try JSONBody(try await client.execute(uri: "/v1/documents/\(documentID)", method: .get, headers: headers))
            let analysis = try #require(document["analysis"] as? [String: Any])
            #expect(analysis["findings_present"] as? Int == 1)
            #expect(document["page_count"] as? Int ?? 0 >= 1)

            let findingsResponse = try await client.execute(uri: "/v1/documents/\(documentID)/findings", method: .get, headers: headers)
            #expect(findingsResponse.status == .ok)
            let findings = try #require(try JSONBody(findingsResponse)["findings"] as? [[String: Any]])
            #expect(findings.map { $0["category"] as? String } == ["governing_law"])
            let quotes = try #require(findings.first?["quotes"] as? [[String: Any]])
            #expect(quotes.first?["text"] as? String == Self.lawQuote)
            #expect(quotes.first?["verified"] as? Bool == true)
            #expect(quotes.first?["match"] as? String == "exact")
            let location = try #require((quotes.first?["locations"] as? [[String: Any]])?.first)
            #expect(location["page"] as? Int == 1)
            #expect((location["boxes"] as? [[String: Any]])?.isEmpty == false)
            #expect(findings.first?["grounding_flags"] as? [String] == [])

            // The queue gauges are read from the database by a service; one refresh here, deterministically.
            try await QueueMetrics(queue: JobQueue(client: database, logger: TestDatabase.logger), logger: TestDatabase.logger).refresh()
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            let text = String(buffer: metrics.body)
            for series in [
                #"lector_jobs_total{queue="default",kind="analyze",outcome="completed"}"#,
                "lector_job_duration_seconds_bucket", "lector_job_duration_seconds_count",
                #"lector_queue_depth{queue="default",state="completed"}"#, "lector_queue_oldest_age_seconds",
                "lector_extraction_duration_seconds_count", "lector_extraction_pages_total",
                #"lector_engine_request_duration_seconds_count{outcome="ok"}"#,
                #"lector_engine_request_duration_seconds_count{outcome="unavailable"}"#,
                #"lector_engine_tokens_total{direction="in"}"#, #"lector_engine_tokens_total{direction="out"}"#,
                #"lector_engine_retries_total{error_class="unavailable"}"#,
                "lector_http_requests_total",
            ] {
                #expect(text.contains(series), "missing \(series)")
            }
            // Label values are bounded: no ids, tenants or file names.
            #expect(!text.contains("acme") && !text.contains("nda.pdf") && !text.contains("/v1/jobs/\(jobID)"))
        }
    }

    /// Runs one worker with the analyze job until no job is left open.
    static func work(database: PostgresClient, reply: @escaping @Sendable (FakeRequest) async -> FakeReply) async throws {
        try await FakeEngineWorker.run(
            database: database, profiles: [Self.profile], concurrency: 1, maxAttempts: 3, seconds: 120, reply: reply)
    }
}

/// Health, readiness and the OpenAPI description.
@Suite("HTTP API: health, readiness, OpenAPI")
struct ServiceAPITests {
    @Test func healthAndReadiness() async throws {
        try await APITest.with(engineCheck: { true }) { _, client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            let checks = try JSONBody(ready)["checks"] as? [String: String]
            #expect(checks == ["database": "ok", "migrations": "ok", "engine": "ok"])
        }
        try await APITest.with(engineCheck: { false }) { database, client in
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect((try JSONBody(ready)["checks"] as? [String: String])?["engine"] == "unreachable")
            // A migration missing from the database: not ready either.
            try await database.query("DELETE FROM lector.schema_migrations WHERE version = 30")
            let behind = try JSONBody(try await client.execute(uri: "/readyz", method: .get))
            #expect((behind["checks"] as? [String: String])?["migrations"]?.contains("0030_tenancy.sql") == true)
        }
    }
}
