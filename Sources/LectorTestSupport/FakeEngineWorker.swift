import Foundation
import LectorAnalysis
import LectorDB
import LectorEngine
import LectorFakeEngine
import LectorPDF
import LectorQueue
import LectorService

/// A real worker running the analyze job (real Poppler in children of the real binary) against a fake
/// engine, for the tests that need a whole pipeline with answers they choose.
public enum FakeEngineWorker {
    /// Runs the worker until every job (of `kind`, when given) is in one of the `until` states, at most
    /// `seconds`, then shuts it down.
    ///
    /// `reply` answers the engine's chat completions; other requests (model listing) get what a server
    /// of `dialect` (vLLM by default) answers, and the client is configured for that dialect. `tokenize`
    /// makes the fake answer `/tokenize` (see ``FakeScript/tokenize``); `price` prices the analyses.
    public static func run(
        database: PostgresClient, profiles: [AnalysisProfile], dialect: EngineDialect = .vllm, concurrency: Int = 3,
        maxAttempts: Int = 2, tokenize: Bool = false, price: TokenPrice = .mistralSmall4,
        kind: String? = nil, until settled: Set<JobState> = [.completed, .failed, .cancelled], seconds: Double = 180,
        reply: @escaping @Sendable (FakeRequest) async -> FakeReply
    ) async throws {
        let logger = TestDatabase.logger
        let queue = JobQueue(client: database, logger: logger)
        let script = FakeScript(dialect: dialect, tokenize: tokenize)
        try await FakeEngine.withRunning(handler: { request in
            request.path.hasSuffix("/chat/completions") ? await reply(request) : await script.handler(request)
        }) { engine in
            var configuration = EngineConfiguration(
                url: engine.baseURL, dialect: dialect,
                retry: LectorEngine.RetryPolicy(
                    maxAttempts: maxAttempts, baseDelay: .milliseconds(1), maxDelay: .milliseconds(4), maxRetryAfter: .seconds(1)))
            configuration.price = price
            try await EngineClient.withClient(configuration: configuration, logger: logger) { engineClient in
                var handlers = JobHandlers()
                AnalyzeJob(
                    database: database, extractor: PDFExtractor(executable: RepoPaths.lectorBinary.path),
                    engine: engineClient, engineDialect: dialect.rawValue,
                    profiles: Dictionary(uniqueKeysWithValues: profiles.map { ($0.name, $0) })
                ).register(in: &handlers)
                let worker = Worker(
                    queue: queue, handlers: handlers, configuration: WorkerConfiguration(concurrency: concurrency),
                    logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await worker.run() }
                    _ = try await eventually(seconds, every: .milliseconds(100)) {
                        try await queue.count(kind: kind, notIn: settled) == 0
                    }
                    worker.shutdown()
                    try await group.waitForAll()
                }
            }
        }
    }
}
