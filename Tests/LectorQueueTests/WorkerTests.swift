import Foundation
import LectorDB
import LectorQueue
import Logging
import Synchronization
import LectorTestSupport
import Testing

/// Counts handler executions per job, across tasks.
final class ExecutionLog: Sendable {
    private let counts = Mutex<[Int64: Int]>([:])
    func record(_ id: Int64) { counts.withLock { $0[id, default: 0] += 1 } }
    var snapshot: [Int64: Int] { counts.withLock { $0 } }
}

@Suite("Worker runtime")
struct WorkerTests {
    @Test func eightWorkersCompleteTenThousandJobsExactlyOnce() async throws {
        try await QueueTestDatabase.with(maxConnections: 24) { client, queue, _ in
            try await client.query("CREATE TABLE results (job_id bigint PRIMARY KEY, worker text NOT NULL)")
            let total = 10_000
            let jobs = (0..<total).map { NewJob(kind: "echo", args: PostgresJSON(text: "{\"n\": \($0)}")) }
            #expect(try await queue.copyEnqueue(jobs) == total)
            let executions = ExecutionLog()
            let workers = (0..<8).map { i in
                var handlers = JobHandlers()
                handlers.register("echo") { context in
                    executions.record(context.job.id)
                    // The handler's own write commits with the completion, fenced by the lease.
                    try await context.complete { connection in
                        try await connection.query(
                            "INSERT INTO results (job_id, worker) VALUES ($1, $2)", [context.job.id, "w\(i)"])
                    }
                }
                return Worker(
                    queue: queue, handlers: handlers,
                    configuration: WorkerConfiguration(concurrency: 8, leaseSeconds: 60, workerID: "w\(i)"),
                    logger: QueueTestDatabase.logger)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in workers { group.addTask { try await worker.run() } }
                let done = try await eventually(600) {
                    try await client.scalar("SELECT count(*) FROM lector.jobs WHERE state = 'completed'") == Int64(total)
                }
                #expect(done)
                for worker in workers { worker.shutdown() }
                try await group.waitForAll()
            }
            #expect(try await client.scalar("SELECT count(*) FROM results") == Int64(total))
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE state <> 'completed' OR attempt <> 1") == 0)
            let counts = executions.snapshot
            #expect(counts.count == total)
            #expect(counts.values.allSatisfy { $0 == 1 })
            // Every worker took part.
            #expect(try await client.scalar("SELECT count(DISTINCT worker) FROM results") == 8)
        }
    }

    @Test func gracefulShutdownReleasesUnfinishedJobsWithoutBurningAttempts() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            var handlers = JobHandlers()
            handlers.register("slow") { context in
                // Runs until the worker gives up waiting for it.
                try await Task.sleep(for: .seconds(3600))
            }
            handlers.register("quick") { _ in }
            let ids = try await queue.enqueue((0..<6).map { _ in NewJob(kind: "slow") })
            let worker = Worker(
                queue: queue, handlers: handlers,
                configuration: WorkerConfiguration(concurrency: 4, leaseSeconds: 60, shutdownGraceSeconds: 0.2),
                logger: QueueTestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                #expect(try await eventually {
                    try await client.scalar("SELECT count(*) FROM lector.jobs WHERE state = 'running'") == 4
                })
                worker.shutdown()
                try await group.waitForAll()
            }
            let rows = try await client.query(
                "SELECT state::text AS state, attempt, jsonb_array_length(errors) AS errors FROM lector.jobs WHERE id = ANY($1)",
                [ids])
            #expect(rows.count == 6)
            for row in rows {
                #expect(try row.decode("state", as: String.self) == "available")
                #expect(try row.decode("attempt", as: Int.self) == 0)
                #expect(try row.decode("errors", as: Int.self) == 0)
            }
        }
    }

    @Test func cancellingTheWorkerReleasesItsJobs() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            var handlers = JobHandlers()
            handlers.register("slow") { _ in try await Task.sleep(for: .seconds(3600)) }
            handlers.register("quick") { _ in }
            let ids = try await queue.enqueue((0..<3).map { _ in NewJob(kind: "slow") })
            let worker = Worker(
                queue: queue, handlers: handlers, configuration: WorkerConfiguration(concurrency: 3),
                logger: QueueTestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                #expect(try await eventually { worker.runningCount == 3 })
                group.cancelAll()
                try await group.waitForAll()
            }
            #expect(try await client.scalar(
                "SELECT count(*) FROM lector.jobs WHERE id = ANY($1) AND state = 'available' AND attempt = 0", [ids]) == 3)
        }
    }

    @Test func gracefulShutdownLetsJobsFinishWithinTheGracePeriod() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            let gate = AsyncStream<Void>.makeStream()
            var handlers = JobHandlers()
            handlers.register("gated") { _ in
                for await _ in gate.stream { break }
            }
            let id = try await queue.enqueue(NewJob(kind: "gated")).id
            let worker = Worker(
                queue: queue, handlers: handlers,
                configuration: WorkerConfiguration(concurrency: 2, shutdownGraceSeconds: 600),
                logger: QueueTestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                #expect(try await eventually { worker.runningCount == 1 })
                worker.shutdown()
                gate.continuation.yield()
                try await group.waitForAll()
            }
            #expect(try await queue.job(id: id).state == .completed)
        }
    }

    @Test func handlerFailuresAreClassified() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            var handlers = JobHandlers()
            handlers.register("permanent") { _ in throw JobFailure.permanent("corrupt pdf") }
            handlers.register("limited") { _ in throw JobFailure.rateLimited(retryAfter: 3600, "429") }
            handlers.register("flaky") { _ in throw CancellationError() }
            let permanent = try await queue.enqueue(NewJob(kind: "permanent")).id
            let limited = try await queue.enqueue(NewJob(kind: "limited")).id
            let flaky = try await queue.enqueue(NewJob(kind: "flaky")).id
            let unknown = try await queue.enqueue(NewJob(kind: "nobody")).id
            let worker = Worker(
                queue: queue, handlers: handlers, configuration: WorkerConfiguration(concurrency: 4),
                logger: QueueTestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                #expect(try await eventually {
                    try await client.scalar("SELECT count(*) FROM lector.jobs WHERE jsonb_array_length(errors) = 1") == 4
                })
                worker.shutdown()
                try await group.waitForAll()
            }
            #expect(try await queue.job(id: permanent).state == .failed)
            let limitedJob = try await queue.job(id: limited)
            #expect(limitedJob.state == .retryable)
            #expect(limitedJob.attempt == 0)
            #expect(try await queue.job(id: flaky).state == .retryable)
            #expect(try await queue.job(id: unknown).state == .failed)
            #expect(try await queue.errors(jobID: unknown).first?.error == "no handler for job kind nobody")
        }
    }
}

@Suite("Worker wake-up, heartbeats and pruning")
struct WorkerLoopTests {
    @Test func notificationWakesAnIdleWorkerWithoutPolling() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            var handlers = JobHandlers()
            handlers.register("k") { _ in }
            // A poll interval of an hour: only NOTIFY can bring the job to the worker within the test.
            let worker = Worker(
                queue: queue, handlers: handlers,
                configuration: WorkerConfiguration(concurrency: 2, pollSeconds: 3600), logger: QueueTestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                // Wait until the worker listens (its listener connection shows up), then enqueue.
                #expect(try await eventually {
                    try await client.scalar(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'") >= 1
                })
                // Two jobs in turn: once a claim came back empty, only a notification makes the worker
                // claim again (with notifications ignored, neither job completes within the deadline).
                let first = try await queue.enqueue(NewJob(kind: "k")).id
                #expect(try await eventually(60) { try await queue.job(id: first).state == .completed })
                let id = try await queue.enqueue(NewJob(kind: "k")).id
                #expect(try await eventually(60) { try await queue.job(id: id).state == .completed })
                worker.shutdown()
                try await group.waitForAll()
            }
        }
    }

    @Test func heartbeatsKeepALongJobLeasedAndPruningRuns() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            // The handler runs until the test lets it go: no race between a sleeping handler and the
            // rescue loop, whatever the load on the machine.
            let release = Mutex(false)
            var handlers = JobHandlers()
            handlers.register("long") { _ in
                while !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(20)) }
            }
            let old = try await queue.enqueue(NewJob(kind: "long", maxAttempts: 1))
            let oldJob = try #require(try await queue.claim(queue: "default", limit: 1, workerID: "t", leaseSeconds: 30).first)
            try await queue.complete(oldJob.lease)
            try await client.query("UPDATE lector.jobs SET finished_at = now() - interval '2 days' WHERE id = $1", [old.id])
            let id = try await queue.enqueue(NewJob(kind: "long", maxAttempts: 1)).id
            let worker = Worker(
                queue: queue, handlers: handlers,
                configuration: WorkerConfiguration(
                    concurrency: 1, leaseSeconds: 600, heartbeatSeconds: 0.2, rescueSeconds: 0.1, pruneAfterSeconds: 86_400),
                logger: QueueTestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                #expect(try await eventually(60) { try await queue.job(id: id).state == .running })
                // Each heartbeat sets the lease to now() + 600 s: the expiry moves forward while the job runs.
                let first = try #require(try await queue.job(id: id).leaseExpiresAt)
                #expect(try await eventually(60) {
                    try await queue.job(id: id).leaseExpiresAt.map { $0 > first } ?? false
                })
                // The rescue loop pruned the job that finished two days ago.
                #expect(try await eventually(60) {
                    do { _ = try await queue.job(id: old.id); return false } catch is QueueError { return true }
                })
                release.withLock { $0 = true }
                #expect(try await eventually(60) { try await queue.job(id: id).state == .completed })
                worker.shutdown()
                try await group.waitForAll()
            }
            let job = try await queue.job(id: id)
            #expect(job.attempt == 1)
            #expect(try await queue.errors(jobID: id).isEmpty)
        }
    }
}
