import Foundation
import LectorAnalysis
import LectorCore
import LectorDB
import LectorEngine
import LectorPDF
import LectorQueue
import LectorService
import LectorTestSupport
import Testing

/// The worker path against the real llama.cpp server that `deploy/local/test` starts
/// (`LECTOR_TEST_ENGINE_URL`, default `http://127.0.0.1:8088/v1`): submit, extract in the isolated child,
/// ask the engine, verify quotes, write the analysis in the job's fenced completion.
///
/// The tiny Gemma 3 270M decodes a few tokens per second on a shared CPU, so the job uses the
/// `local-small` profile (three categories, short answers, text only). It takes a minute or two. When the
/// engine is unreachable this test fails; it never skips.
@Suite("Analyze job with the real local engine", .serialized)
struct LocalEngineJobTests {
    static var url: String {
        let value = Environment.value("LECTOR_TEST_ENGINE_URL") ?? ""
        return value.isEmpty ? EngineConfiguration.defaultURL : value
    }

    @Test("the NDA under local-small: completed, one analysis, a finding per category, every quote marked")
    func ndaWithLocalSmall() async throws {
        let samples = try await SampleContracts.makeFolder()
        defer { try? FileManager.default.removeItem(at: samples) }
        let profile = try AnalysisProfile.load(named: "local-small", from: RepoPaths.root.appendingPathComponent("jobs/profiles"))
        let logger = TestDatabase.logger
        try await TestDatabase.with { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let bytes = [UInt8](try Data(contentsOf: samples.appendingPathComponent("mutual-nda-northwind-harbor.pdf")))
            let submitted = try await Submitter(database: client, queue: queue)
                .submit(bytes: bytes, filename: "mutual-nda-northwind-harbor.pdf", profile: profile.name)

            let configuration = EngineConfiguration(
                url: Self.url, maxInFlight: 2, requestTimeout: .seconds(900), idleTimeout: .seconds(300),
                retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(200)))
            try await EngineClient.withClient(configuration: configuration, logger: logger) { engine in
                let info = try await engine.discover()
                var handlers = JobHandlers()
                AnalyzeJob(
                    database: client, extractor: PDFExtractor(executable: RepoPaths.lectorBinary.path), engine: engine,
                    engineDialect: info.dialect.rawValue, profiles: [profile.name: profile]
                ).register(in: &handlers)
                // A long lease: one request to the tiny model can outlast a short one on a loaded machine.
                let worker = Worker(
                    queue: queue, handlers: handlers,
                    configuration: WorkerConfiguration(concurrency: 1, leaseSeconds: 120), logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await worker.run() }
                    let deadline = ContinuousClock.now + .seconds(1200)
                    while ContinuousClock.now < deadline {
                        let state = try await client.query("SELECT state::text AS s FROM lector.jobs WHERE id = $1", submitted.jobID)
                            .one().decode("s", as: String.self)
                        if state == "completed" || state == "failed" { break }
                        try await Task.sleep(for: .milliseconds(500))
                    }
                    worker.shutdown()
                    try await group.waitForAll()
                }
            }

            let job = try await client.query(
                "SELECT state::text AS s, errors::text AS e FROM lector.jobs WHERE id = $1", submitted.jobID).one()
            let errors = try job.decode("e", as: String.self)
            #expect(try job.decode("s", as: String.self) == "completed", "errors: \(errors)")

            let analyses = try await client.query(
                "SELECT id, profile, model, engine_dialect, tokens_out FROM lector.analyses WHERE document_id = $1",
                submitted.documentID)
            #expect(analyses.count == 1)
            let analysis = try #require(analyses.first)
            #expect(try analysis.decode("profile", as: String.self) == "local-small")
            #expect(try analysis.decode("tokens_out", as: Int64.self) > 0)
            let analysisID = try analysis.decode("id", as: Int64.self)

            let findings = try await client.query(
                "SELECT category, presence FROM lector.findings WHERE analysis_id = $1 ORDER BY category", analysisID)
            #expect(try findings.map { try $0.decode("category", as: String.self) } == profile.categories.map(\.key).sorted())

            // Every stored quote carries a verified flag, and the flag agrees with the stored page text.
            let pageRows = try await client.query(
                "SELECT number, text, needs_vision FROM lector.pages WHERE document_id = $1 ORDER BY number", submitted.documentID)
            #expect(!pageRows.isEmpty)
            let pages = try pageRows.map {
                AnalysisPage(
                    number: try $0.decode("number", as: Int.self), text: try $0.decode("text", as: String.self),
                    needsVision: try $0.decode("needs_vision", as: Bool.self), image: nil)
            }
            let quotes = try await client.query(
                """
                SELECT q.text, q.page, q.verified, q.page_corrected_from FROM lector.finding_quotes q
                JOIN lector.findings f ON f.id = q.finding_id WHERE f.analysis_id = $1
                """, analysisID)
            let verifier = QuoteVerifier(pages: pages)
            for quote in quotes {
                let verified = try quote.decode("verified", as: Bool?.self)
                #expect(verified != nil)
                let named = try quote.decode("page_corrected_from", as: Int?.self) ?? quote.decode("page", as: Int?.self)
                if let named {
                    #expect(verifier.verify(try quote.decode("text", as: String.self), page: named).verified == verified)
                }
            }
            let unverified = try quotes.filter { try $0.decode("verified", as: Bool.self) == false }.count
            print(
                "local engine job: \(findings.count) findings (\(try findings.map { "\(try $0.decode("category", as: String.self))=\(try $0.decode("presence", as: String.self))" }.joined(separator: " "))), \(quotes.count) quotes, \(unverified) unverified"
            )
        }
    }
}
