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
import Synchronization
import Testing

/// An engine that is down or misconfigured never fails a job: the worker waits for it (issue 16).
///
/// Jobs get one attempt each, so a job that spent its attempt on the outage would end in `failed`.
@Suite("Engine outages: jobs wait without spending attempts")
struct EngineOutageTests {
    static let files = [SampleContracts.nda, "services-agreement-meridian-cloud.pdf"]

    @Test func aStoppedEngineParksTheJobsAndEachCompletesOnceWhenItIsBack() async throws {
        // A port that was just listening and no longer is: connections are refused until the engine
        // starts on it again. It lies below the kernel's ephemeral range (32768-60999), where the suite's
        // outgoing connections and other fake engines take theirs: one of them once took it while this
        // engine was down, and the restart failed with "address already in use".
        let port = try await Self.portBelowEphemeralRange()
        try await Self.withWorker(port: port, workerID: "outage-stopped") { client, jobs in
            try await Self.expectParked(client, jobs: jobs, workerID: "outage-stopped", misconfigured: false)
            try await FakeEngine.withRunning(port: port, handler: Self.answering) { _ in
                try await Self.expectCompletedOnce(client, jobs: jobs)
            }
        }
    }

    /// A free port below the ephemeral range, found by listening on it once.
    static func portBelowEphemeralRange() async throws -> Int {
        for _ in 0..<100 {
            let candidate = Int.random(in: 20_000..<32_000)
            if let port = try? await FakeEngine.withRunning(port: candidate, handler: FakeScript(dialect: .vllm).handler, { $0.port }) {
                return port
            }
        }
        Issue.record("no free port between 20000 and 32000 in 100 tries")
        throw CancellationError()
    }

    @Test("an engine that answers 503, 401 or an unknown model: jobs wait, and run once it is fixed", arguments: [
        (503, #"{"error": {"message": "Loading model", "type": "unavailable_error", "code": 503}}"#, false),
        (401, #"{"error": {"message": "invalid api key", "type": "authentication_error"}}"#, true),
        (404, #"{"object": "error", "message": "The model does not exist.", "type": "NotFoundError", "code": 404}"#, true),
    ] as [(Int, String, Bool)])
    func aBrokenEngineParksTheJobs(status: Int, body: String, misconfigured: Bool) async throws {
        let broken = Mutex(true)
        let failure = FakeReply.respond(status: status, headers: ["Content-Type": "application/json"], body: body)
        try await FakeEngine.withRunning(handler: { request in
            broken.withLock { $0 } ? failure : await Self.answering(request)
        }) { engine in
            let workerID = "outage-\(status)"
            try await Self.withWorker(port: engine.port, workerID: workerID) { client, jobs in
                try await Self.expectParked(client, jobs: jobs, workerID: workerID, misconfigured: misconfigured)
                broken.withLock { $0 = false }
                try await Self.expectCompletedOnce(client, jobs: jobs)
            }
        }
    }

    @Test func cancellingAJobMidRequestStopsTheEngineRequestAndFreesTheSlot() async throws {
        let logger = TestDatabase.logger
        // The engine takes every request and never answers (until the test ends).
        try await FakeEngine.withRunning(handler: { request in
            request.path.hasSuffix("/chat/completions") ? .stall : await FakeScript(dialect: .vllm).handler(request)
        }) { engine in
            try await TestDatabase.with { client, _ in
                let queue = JobQueue(client: client, logger: logger)
                let job = try await Submitter(database: client, queue: queue)
                    .submit(bytes: try await SampleContracts.bytes(SampleContracts.nda), filename: "nda.pdf", profile: "test").jobID
                let configuration = EngineConfiguration(
                    url: engine.baseURL, model: FakeResponses.modelName(.vllm), dialect: .vllm)
                try await EngineClient.withClient(configuration: configuration, logger: logger) { engineClient in
                    var handlers = JobHandlers()
                    AnalyzeJob(
                        database: client, extractor: PDFExtractor(executable: RepoPaths.lectorBinary.path),
                        engine: engineClient, engineDialect: "vllm", profiles: [NDAFixture.profile.name: NDAFixture.profile]
                    ).register(in: &handlers)
                    let worker = Worker(
                        queue: queue, handlers: handlers,
                        configuration: WorkerConfiguration(concurrency: 1, leaseSeconds: 600, heartbeatSeconds: 0.2),
                        dependencies: [EngineHealth.circuit(engine: engineClient)], logger: logger)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await worker.run() }
                        #expect(try await eventually(120) { !engine.chatRequests.isEmpty })
                        try await queue.cancel(jobID: job)
                        // The request would stall for an hour (the idle timeout is 5 minutes): only
                        // cancelling it frees the one slot.
                        #expect(try await eventually(120) { worker.runningCount == 0 })
                        worker.shutdown()
                        try await group.waitForAll()
                    }
                }
                #expect(try await queue.job(id: job).state == .cancelled)
                #expect(try await client.query("SELECT count(*) AS n FROM lector.analyses").one().decode("n", as: Int.self) == 0)
            }
        }
    }

    // MARK: - Helpers

    static let answering: @Sendable (FakeRequest) async -> FakeReply = { request in
        request.path.hasSuffix("/chat/completions")
            ? FakeResponses.completion(dialect: .vllm, answer: NDAFixture.answer)
            : await FakeScript(dialect: .vllm).handler(request)
    }

    /// Submits the files with one attempt each and runs a worker with the engine circuit against the
    /// engine on `port` for the duration of `body`.
    static func withWorker(
        port: Int, workerID: String, _ body: (PostgresClient, [Int64]) async throws -> Void
    ) async throws {
        let logger = TestDatabase.logger
        try await TestDatabase.with { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let submitter = Submitter(database: client, queue: queue)
            var jobs: [Int64] = []
            for name in files {
                jobs.append(try await submitter.submit(bytes: try await SampleContracts.bytes(name), filename: name, profile: "test").jobID)
            }
            try await client.query("UPDATE lector.jobs SET max_attempts = 1")
            // Model and dialect configured: no discovery, so the worker starts whatever the engine does.
            let configuration = EngineConfiguration(
                url: "http://127.0.0.1:\(port)/v1", model: FakeResponses.modelName(.vllm), dialect: .vllm,
                retry: LectorEngine.RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(4)))
            try await EngineClient.withClient(configuration: configuration, logger: logger) { engine in
                var handlers = JobHandlers()
                AnalyzeJob(
                    database: client, extractor: PDFExtractor(executable: RepoPaths.lectorBinary.path), engine: engine,
                    engineDialect: "vllm", profiles: [NDAFixture.profile.name: NDAFixture.profile]
                ).register(in: &handlers)
                let worker = Worker(
                    queue: queue, handlers: handlers,
                    configuration: WorkerConfiguration(concurrency: 2, workerID: workerID),
                    dependencies: [EngineHealth.circuit(engine: engine, backoff: .init(base: 0.05, cap: 0.3))],
                    logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await worker.run() }
                    try await body(client, jobs)
                    worker.shutdown()
                    try await group.waitForAll()
                }
            }
        }
    }

    /// The worker saw the engine down, said so, and gave every job back with its attempt.
    static func expectParked(_ client: PostgresClient, jobs: [Int64], workerID: String, misconfigured: Bool) async throws {
        #expect(try await eventually(120) {
            try await client.query(
                """
                SELECT count(*) AS n FROM lector.dependency_health
                WHERE worker_id = $1 AND dependency = 'engine' AND NOT available AND last_error LIKE 'engine.%'
                  AND misconfigured = $2
                """, workerID, misconfigured
            ).one().decode("n", as: Int.self) == 1
        })
        #expect(try await eventually(120) {
            try await client.query(
                "SELECT count(*) AS n FROM lector.jobs WHERE state = 'running' OR attempt <> 0"
            ).one().decode("n", as: Int.self) == 0
        })
        #expect(try await client.query("SELECT count(*) AS n FROM lector.jobs WHERE state = 'failed'").one().decode("n", as: Int.self) == 0)
        let health = try await JobQueue(client: client, logger: TestDatabase.logger).dependencyHealth()
        #expect(health.first { $0.dependency == EngineHealth.dependency }?.available == false)
    }

    /// Every job completed on its first counted attempt, with exactly one analysis each.
    static func expectCompletedOnce(_ client: PostgresClient, jobs: [Int64]) async throws {
        #expect(try await eventually(180) {
            try await client.query("SELECT count(*) AS n FROM lector.jobs WHERE state = 'completed'").one()
                .decode("n", as: Int.self) == jobs.count
        })
        let rows = try await client.query("SELECT attempt, errors::text AS e FROM lector.jobs ORDER BY id")
        for row in rows {
            #expect(try row.decode("attempt", as: Int.self) == 1)
        }
        #expect(try rows.contains { try $0.decode("e", as: String.self).contains("dependency_unavailable") })
        let analyses = try await client.query(
            "SELECT count(*) AS n, count(DISTINCT job_id) AS jobs FROM lector.analyses").one()
        #expect(try analyses.decode("n", as: Int.self) == jobs.count)
        #expect(try analyses.decode("jobs", as: Int.self) == jobs.count)
    }
}
