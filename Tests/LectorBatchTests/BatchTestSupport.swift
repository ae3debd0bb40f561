import Foundation
import LectorAnalysis
import LectorBatch
import LectorDB
import LectorEngine
import LectorFakeEngine
import LectorPDF
import LectorQueue
import LectorService
import LectorTestSupport
import Logging

/// Shared pieces of the batch tests: sample PDFs, a profile, the fake engine's answers, a worker.
enum BatchTestSupport {
    static let sampleNames = [
        "mutual-nda-northwind-harbor.pdf", "services-agreement-meridian-cloud.pdf", "software-licence-orbital.pdf",
    ]

    /// Two categories: enough for a risk and a deadline.
    static func profile(_ name: String, promptVersion: String = "batch-test/1") -> AnalysisProfile {
        AnalysisProfile(
            name: name, promptVersion: promptVersion,
            categories: FindingCategory.all.filter { $0.key == "governing_law" || $0.key == "expiration_date" },
            reasoningEffort: .off, imagePolicy: .auto, maxOutputTokens: 1024, marginTokens: 128, contextTokens: 32_768)
    }

    /// The same profiles as JSON files, for the `lector` binary's `--profiles`.
    static func profileJSON(promptVersion: String = "batch-test/1") -> String {
        """
        {"description": "Batch tests.", "prompt_version": "\(promptVersion)", "categories": ["governing_law", "expiration_date"],
         "reasoning_effort": "none", "image_policy": "auto", "max_output_tokens": 1024, "margin_tokens": 128,
         "context_tokens": 32768, "temperature": 0, "seed": 0}
        """
    }

    /// A model answer: the governing law at `risk`, and the contract expiring on `expires`.
    static func answer(risk: String, expires: String) -> String {
        """
        {"document": {"title": "Contract", "type": "other", "parties": [], "governing_law": "England and Wales",
          "currency": null, "total_value": null},
         "findings": {
          "governing_law": {"presence": "present", "value": "England and Wales", "normalized": null, "pages": [1],
            "quotes": [], "confidence": 0.9, "risk": "\(risk)", "risk_rationale": "Risk \(risk) for the test."},
          "expiration_date": {"presence": "present", "value": "\(expires)", "normalized": {"date": "\(expires)"},
            "pages": [1], "quotes": [], "confidence": 0.9, "risk": "low", "risk_rationale": "A date."}}}
        """
    }

    static func temporaryFolder(_ prefix: String) -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }


    static func count(_ client: PostgresClient, _ sql: String, _ binds: [any PostgresEncodable] = []) async throws -> Int {
        try await client.query(sql, binds).one().decode("n", as: Int.self)
    }

    /// Runs an in-process worker with the analyze handler against a fake engine answering `answer` until
    /// no analyze job is left open (or two minutes pass).
    static func work(client: PostgresClient, profiles: [AnalysisProfile], answer: String) async throws {
        let logger = TestDatabase.logger
        let queue = JobQueue(client: client, logger: logger)
        try await FakeEngine.withRunning(handler: { request in
            request.path.hasSuffix("/chat/completions")
                ? FakeResponses.completion(dialect: .vllm, answer: answer) : await FakeScript(dialect: .vllm).handler(request)
        }) { engine in
            let configuration = EngineConfiguration(
                url: engine.baseURL, dialect: .vllm,
                retry: LectorEngine.RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(4), maxRetryAfter: .seconds(1)))
            try await EngineClient.withClient(configuration: configuration, logger: logger) { engineClient in
                var handlers = JobHandlers()
                AnalyzeJob(
                    database: client, extractor: PDFExtractor(executable: RepoPaths.lectorBinary.path),
                    engine: engineClient, engineDialect: "vllm",
                    profiles: Dictionary(uniqueKeysWithValues: profiles.map { ($0.name, $0) })
                ).register(in: &handlers)
                let worker = Worker(queue: queue, handlers: handlers, configuration: WorkerConfiguration(concurrency: 3), logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await worker.run() }
                    _ = try await eventually(180) {
                        try await count(
                            client, "SELECT count(*) AS n FROM lector.jobs WHERE kind = 'analyze' AND state NOT IN ('completed', 'failed', 'cancelled')") == 0
                    }
                    worker.shutdown()
                    try await group.waitForAll()
                }
            }
        }
    }
}
