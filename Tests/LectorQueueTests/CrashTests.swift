import Foundation
import LectorDB
import LectorQueue
import LectorTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Crashes and restarts")
struct CrashTests {
    /// The handler the surviving workers run: records the job with fenced completion.
    static func recordingHandlers(worker: String) -> JobHandlers {
        var handlers = JobHandlers()
        handlers.register("record") { context in
            _ = try await context.complete { connection in
                try await connection.query(
                    "INSERT INTO queue_test_results (job_id, worker) VALUES ($1, $2)", [context.job.id, worker])
            }
        }
        return handlers
    }

    @Test func jobsOfAWorkerKilledWithSIGKILLComeBackAndCompleteOnce() async throws {
        let binary = RepoPaths.benchBinary
        try await QueueTestDatabase.with { client, queue, url in
            try await client.query("CREATE TABLE queue_test_results (job_id bigint PRIMARY KEY, worker text NOT NULL)")
            let total = 40
            let ids = try await queue.enqueue(
                // 1.5 s a job: the doomed worker is mid-way for about 15 s, a window that a poll starved by
                // the rest of the suite for a few seconds still sees (at 300 ms it lasted 3 s, and was missed).
                (0..<total).map { _ in NewJob(queue: "crash", kind: "record", args: PostgresJSON(text: "{\"ms\": 1500}")) })
            #expect(ids.count == total)
            let pid = try ProcessHelpers.spawn([
                binary.path, "work", "--database-url", url, "--in-place", "--allow-existing-data", "--queue", "crash", "--concurrency", "4",
                "--lease-seconds", "2", "--rescue-seconds", "3600", "--worker-id", "doomed",
            ])
            // In the middle of its jobs: some finished, four running.
            let midway = try await eventually(120) {
                let done = try await client.scalar("SELECT count(*) FROM queue_test_results")
                let running = try await client.scalar(
                    "SELECT count(*) FROM lector.jobs WHERE state = 'running' AND worker_id = 'doomed'")
                return done >= 8 && running == 4
            }
            kill(pid, SIGKILL)
            #expect(ProcessHelpers.wait(pid) == 128 + SIGKILL)
            #expect(midway)
            let stale = try await client.query(
                "SELECT id, lease_token FROM lector.jobs WHERE state = 'running' AND worker_id = 'doomed'"
            ).map { JobLease(jobID: try $0.decode("id"), token: try $0.decode("lease_token")) }
            #expect(!stale.isEmpty)
            let doneByDoomed = try await client.scalar("SELECT count(*) FROM queue_test_results")

            // A surviving worker rescues the jobs once their 2 s leases expire and finishes everything.
            let survivor = Worker(
                queue: queue, handlers: Self.recordingHandlers(worker: "survivor"),
                configuration: WorkerConfiguration(queue: "crash", concurrency: 4, rescueSeconds: 0.2, workerID: "survivor"),
                logger: QueueTestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await survivor.run() }
                #expect(try await eventually(120) {
                    try await client.scalar("SELECT count(*) FROM lector.jobs WHERE state = 'completed'") == Int64(total)
                })
                survivor.shutdown()
                try await group.waitForAll()
            }
            // Every job completed exactly once: one result row each, none by the dead worker after its death.
            #expect(try await client.scalar("SELECT count(*) FROM queue_test_results") == Int64(total))
            #expect(try await client.scalar("SELECT count(*) FROM queue_test_results WHERE worker = 'doomed'") == doneByDoomed)
            for lease in stale {
                let job = try await queue.job(id: lease.jobID)
                #expect(job.state == .completed)
                #expect(job.attempt == 2)
                #expect(try await queue.errors(jobID: lease.jobID).map(\.class) == ["lease_expired"])
                // The dead worker's late completion (as if it had only been frozen) is rejected by the fence.
                await #expect(throws: QueueError.lostLease(lease.jobID)) {
                    try await queue.complete(lease) { connection in
                        try await connection.query(
                            "INSERT INTO queue_test_results (job_id, worker) VALUES ($1, 'late')", [-lease.jobID])
                    }
                }
            }
            #expect(try await client.scalar("SELECT count(*) FROM queue_test_results WHERE worker = 'late'") == 0)
        }
    }

    @Test func sigtermShutsTheRealBinaryDownGracefullyAndReleasesItsJobs() async throws {
        let binary = RepoPaths.benchBinary
        try await QueueTestDatabase.with { client, queue, url in
            let ids = try await queue.enqueue(
                (0..<3).map { _ in NewJob(queue: "term", kind: "sleep", args: PostgresJSON(text: "{\"ms\": 600000}")) })
            let pid = try ProcessHelpers.spawn([
                binary.path, "work", "--database-url", url, "--in-place", "--allow-existing-data", "--queue", "term", "--concurrency", "2",
                "--grace-seconds", "0.5", "--worker-id", "terminated",
            ])
            let running = try await eventually(120) {
                try await client.scalar("SELECT count(*) FROM lector.jobs WHERE state = 'running'") == 2
            }
            kill(pid, SIGTERM)
            #expect(ProcessHelpers.wait(pid) == 0)
            #expect(running)
            let rows = try await client.query(
                "SELECT state::text AS state, attempt FROM lector.jobs WHERE id = ANY($1)", [ids])
            #expect(try rows.map { try $0.decode("state", as: String.self) } == ["available", "available", "available"])
            #expect(try rows.map { try $0.decode("attempt", as: Int.self) } == [0, 0, 0])
        }
    }

    @Test func workersSurviveAPostgreSQLRestartWithoutLosingOrDuplicatingJobs() async throws {
        let cluster = try await TemporaryPostgresCluster.start()
        defer { cluster.destroy() }
        try await QueueTestDatabase.with(base: cluster.url, maxConnections: 10) { client, queue, _ in
            try await client.query("CREATE TABLE queue_test_results (job_id bigint PRIMARY KEY, worker text NOT NULL)")
            let total = 400
            try await queue.enqueue((0..<total).map { _ in NewJob(queue: "restart", kind: "record") })
            let workers = (0..<2).map { i in
                Worker(
                    queue: queue, handlers: Self.recordingHandlers(worker: "w\(i)"),
                    configuration: WorkerConfiguration(
                        queue: "restart", concurrency: 4, rescueSeconds: 1, pollSeconds: 0.2,
                        retryPolicy: RetryPolicy(base: 0.2, cap: 2), workerID: "w\(i)"),
                    logger: QueueTestDatabase.logger)
            }
            let restarted = try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in workers { group.addTask { try await worker.run() } }
                // Restart while the workers are busy.
                let busy = try await eventually(120) {
                    try await client.scalar("SELECT count(*) FROM queue_test_results") >= 50
                }
                try await cluster.restartAsync()
                let finished = try await eventually(300) {
                    (try? await client.scalar("SELECT count(*) FROM lector.jobs WHERE state = 'completed'")) == Int64(total)
                }
                for worker in workers { worker.shutdown() }
                try await group.waitForAll()
                return busy && finished
            }
            #expect(restarted)
            #expect(try await client.scalar("SELECT count(*) FROM queue_test_results") == Int64(total))
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE state <> 'completed'") == 0)
            // No attempt died on a duplicate result: the fence kept every job to one committed result.
            #expect(try await client.scalar(
                "SELECT count(*) FROM lector.jobs WHERE errors::text LIKE '%unique%' OR errors::text LIKE '%duplicate%'") == 0)
        }
    }
}
