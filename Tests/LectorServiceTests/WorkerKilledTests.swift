import Foundation
import LectorDB
import LectorEngine
import LectorFakeEngine
import LectorQueue
import LectorService
import LectorTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `lector worker` binary killed with SIGKILL while its jobs wait for the engine: a second
/// worker takes the jobs over once their leases expire, and every document ends with exactly one analysis.
@Suite("A worker killed during the engine call")
struct WorkerKilledTests {
    /// A profile asking for one category, written into the folder the workers read with `--profiles`.
    static let profileJSON = """
        {
          "description": "One category, for the worker-crash test.",
          "prompt_version": "e2e-crash/1",
          "categories": ["governing_law"],
          "reasoning_effort": "none",
          "image_policy": "auto",
          "max_output_tokens": 1024,
          "margin_tokens": 128,
          "context_tokens": 32768,
          "temperature": 0,
          "seed": 0
        }
        """

    static let documents = [
        "mutual-nda-northwind-harbor.pdf", "services-agreement-meridian-cloud.pdf", "software-licence-orbital.pdf",
    ]


    @Test func afterASIGKILLDuringTheEngineCallEveryDocumentHasExactlyOneAnalysis() async throws {
        let samples = try await SampleContracts.makeFolder()
        let profiles = FileManager.default.temporaryDirectory.appendingPathComponent("lector-profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        try Data(Self.profileJSON.utf8).write(to: profiles.appendingPathComponent("e2e.json"))
        defer {
            try? FileManager.default.removeItem(at: samples)
            try? FileManager.default.removeItem(at: profiles)
        }
        // Requests of the doomed worker are held until it is dead (it can never see an answer); the
        // survivor's are held a while, then answered.
        let doomedIsDead = Mutex(false)
        let handler: @Sendable (FakeRequest) async -> FakeReply = { request in
            guard request.path.hasSuffix("/chat/completions") else {
                return await FakeScript(dialect: .vllm).handler(request)
            }
            let answer = FakeResponses.completion(dialect: .vllm, answer: AnalyzeJobTests.answer)
            return doomedIsDead.withLock { $0 } ? .delayed(.seconds(2), answer) : .stall
        }
        let logger = TestDatabase.logger
        try await TestDatabase.with { client, configuration in
            let submitter = Submitter(database: client, queue: JobQueue(client: client, logger: logger))
            var jobIDs: [Int64] = []
            for name in Self.documents {
                let bytes = [UInt8](try Data(contentsOf: samples.appendingPathComponent(name)))
                jobIDs.append(try await submitter.submit(bytes: bytes, filename: name, profile: "e2e").jobID)
            }
            try await FakeEngine.withRunning(handler: handler) { engine in
                // The doomed worker's short lease lets its jobs return soon after it dies; the survivor's
                // long one keeps a busy machine from taking its jobs away too (a third attempt).
                func arguments(_ id: String, leaseSeconds: Int) -> [String] {
                    [
                        "worker", "--database-url", configuration.databaseURL, "--engine-url", engine.baseURL,
                        "--engine-dialect", "vllm", "--profiles", profiles.path, "--concurrency", "3",
                        "--lease-seconds", "\(leaseSeconds)", "--rescue-seconds", "1", "--worker-id", id,
                    ]
                }
                let doomed = try LectorProcess.start(arguments("doomed", leaseSeconds: 2))
                defer { doomed.removeLog() }
                let inEngineCall = try await eventually(300) {
                    let running = try await client.query(
                        "SELECT count(*) AS n FROM lector.jobs WHERE state = 'running' AND worker_id = 'doomed'"
                    ).one().decode("n", as: Int.self)
                    return engine.chatRequests.count >= Self.documents.count && running == Self.documents.count
                }
                doomed.signal(SIGKILL)
                #expect(await doomed.wait() == 128 + SIGKILL)
                doomedIsDead.withLock { $0 = true }
                #expect(inEngineCall, "the doomed worker never had every job in the engine call: \(doomed.log)")
                // Nothing of the dead worker's was written.
                #expect(try await client.query("SELECT count(*) AS n FROM lector.analyses").one().decode("n", as: Int.self) == 0)
                #expect(try await client.query("SELECT count(*) AS n FROM lector.pages").one().decode("n", as: Int.self) == 0)

                let survivor = try LectorProcess.start(arguments("survivor", leaseSeconds: 120) + ["--exit-when-idle"])
                defer { survivor.removeLog() }
                let finished = try await eventually(300) {
                    try await client.query("SELECT count(*) AS n FROM lector.jobs WHERE state = 'completed'")
                        .one().decode("n", as: Int.self) == Self.documents.count
                }
                // It exits by itself once idle; SIGTERM only ends it sooner (or ends a worker gone astray).
                survivor.signal(SIGTERM)
                #expect(await survivor.wait() == 0, "\(survivor.log)")
                #expect(finished, "not every job completed: \(survivor.log)")
                #expect(engine.chatRequests.count >= 2 * Self.documents.count)
            }

            // Each job: completed on its second attempt, by the survivor, after its lease expired.
            let jobs = try await client.query(
                "SELECT id, state::text AS state, attempt, worker_id, errors::text AS errors FROM lector.jobs ORDER BY id")
            #expect(try jobs.map { try $0.decode("id", as: Int64.self) } == jobIDs)
            for job in jobs {
                #expect(try job.decode("state", as: String.self) == "completed")
                #expect(try job.decode("attempt", as: Int.self) == 2)
                #expect(try job.decode("errors", as: String.self).contains("lease_expired"))
            }
            // Exactly one analysis per document and per job; one finding per analysis and category.
            let analyses = try await client.query(
                """
                SELECT count(*) AS n, count(DISTINCT document_id) AS documents, count(DISTINCT job_id) AS jobs
                FROM lector.analyses
                """).one()
            #expect(try analyses.decode("n", as: Int.self) == Self.documents.count)
            #expect(try analyses.decode("documents", as: Int.self) == Self.documents.count)
            #expect(try analyses.decode("jobs", as: Int.self) == Self.documents.count)
            let findings = try await client.query(
                "SELECT count(*) AS n, count(DISTINCT (analysis_id, category)) AS distinct_n FROM lector.findings").one()
            #expect(try findings.decode("n", as: Int.self) == Self.documents.count)
            #expect(try findings.decode("distinct_n", as: Int.self) == Self.documents.count)
            let quotes = try await client.query(
                "SELECT count(*) AS n, count(DISTINCT finding_id) AS findings FROM lector.finding_quotes").one()
            #expect(try quotes.decode("n", as: Int.self) == Self.documents.count)
            #expect(try quotes.decode("findings", as: Int.self) == Self.documents.count)
            let pages = try await client.query(
                "SELECT count(DISTINCT document_id) AS documents FROM lector.pages").one()
            #expect(try pages.decode("documents", as: Int.self) == Self.documents.count)
        }
    }
}
