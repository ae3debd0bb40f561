import Foundation
import LectorDB
import LectorQueue
import LectorTestSupport
import Logging
import Synchronization
import Testing

/// A dependency that is down is the worker's state, not the jobs' failure (issue 16).
@Suite("Dependencies, lost leases and hostile waits")
struct DependencyTests {
    @Test func aDependencyOutageParksJobsWithoutSpendingAttemptsAndTheyCompleteWhenItIsBack() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            let down = Mutex(true)
            let calls = Mutex(0)
            var handlers = JobHandlers()
            handlers.register("needs-engine") { _ in
                calls.withLock { $0 += 1 }
                if down.withLock({ $0 }) {
                    throw DependencyUnavailable(dependency: "engine", reason: "engine.unavailable: connection refused")
                }
            }
            let circuit = DependencyCircuit(name: "engine", backoff: .init(base: 0.02, cap: 0.1)) {
                if down.withLock({ $0 }) {
                    throw DependencyUnavailable(dependency: "engine", reason: "engine.unavailable: probe refused")
                }
            }
            // One attempt each: a job that spent its attempt on the outage would end in `failed`.
            let ids = try await queue.enqueue((0..<5).map { _ in NewJob(kind: "needs-engine", maxAttempts: 1) })
            let worker = Worker(
                queue: queue, handlers: handlers,
                configuration: WorkerConfiguration(concurrency: 2, workerID: "outage-worker"),
                dependencies: [circuit], logger: QueueTestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                // The circuit opened and the worker says so in the database (with the probe's last error).
                #expect(try await eventually(60) {
                    try await client.scalar(
                        """
                        SELECT count(*) FROM lector.dependency_health
                        WHERE worker_id = 'outage-worker' AND dependency = 'engine' AND NOT available
                          AND last_error LIKE 'engine.unavailable:%'
                        """) == 1
                })
                #expect(!circuit.isAvailable)
                // Everything it had claimed went back; nothing failed; no attempt was spent.
                #expect(try await eventually(60) {
                    try await client.scalar("SELECT count(*) FROM lector.jobs WHERE state = 'running'") == 0
                })
                #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE state = 'failed'") == 0)
                #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE attempt <> 0") == 0)
                // Claiming stopped with the first failures: only the first claim's jobs were tried.
                #expect(calls.withLock { $0 } <= 2)
                let health = try await queue.dependencyHealth()
                #expect(health.map(\.dependency) == ["engine"])
                #expect(health.first?.available == false && health.first?.workers == 1)

                down.withLock { $0 = false }
                #expect(try await eventually(60) {
                    try await client.scalar("SELECT count(*) FROM lector.jobs WHERE state = 'completed'") == 5
                })
                #expect(circuit.isAvailable)
                #expect(try await queue.dependencyHealth().first?.available == true)
                worker.shutdown()
                try await group.waitForAll()
            }
            for id in ids {
                let job = try await queue.job(id: id)
                #expect(job.state == .completed && job.attempt == 1)
                #expect(try await queue.errors(jobID: id).allSatisfy { $0.class == "dependency_unavailable" })
            }
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE errors::text LIKE '%dependency_unavailable%'") >= 1)
            // A stopped worker's view of the engine is gone.
            #expect(try await client.scalar("SELECT count(*) FROM lector.dependency_health") == 0)
        }
    }

    @Test func aJobThatKeepsTakingItsDependencyDownEventuallySpendsAttempts() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            var handlers = JobHandlers()
            handlers.register("poison") { _ in
                throw DependencyUnavailable(dependency: "engine", reason: "engine.unavailable: reset before an answer")
            }
            // The engine answers probes at once: it restarts after each crash this job causes.
            let circuit = DependencyCircuit(name: "engine", backoff: .init(base: 0.01, cap: 0.02)) {}
            let id = try await queue.enqueue(NewJob(kind: "poison", maxAttempts: 1)).id
            try await client.query(
                """
                UPDATE lector.jobs SET errors = (
                    SELECT jsonb_agg(jsonb_build_object('attempt', 0, 'at', now(), 'class', 'dependency_unavailable', 'error', 'x'))
                    FROM generate_series(1, $1::integer))
                """, [Worker.maxDeferralsPerJob - 1])
            let worker = Worker(
                queue: queue, handlers: handlers, configuration: WorkerConfiguration(concurrency: 1),
                dependencies: [circuit], logger: QueueTestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                #expect(try await eventually(60) { try await queue.job(id: id).state == .failed })
                worker.shutdown()
                try await group.waitForAll()
            }
            let errors = try await queue.errors(jobID: id)
            #expect(errors.count == Worker.maxDeferralsPerJob + 1)
            #expect(errors.last?.class == "retryable" && errors.last?.error.contains("counted as an attempt") == true)
        }
    }

    @Test func cancellingARunningJobStopsItsHandlerAndFreesTheSlot() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            let stopped = Mutex(false)
            var handlers = JobHandlers()
            handlers.register("endless") { _ in
                do {
                    try await Task.sleep(for: .seconds(3600))
                } catch {
                    stopped.withLock { $0 = true }
                    throw error
                }
            }
            handlers.register("quick") { _ in }
            let worker = Worker(
                queue: queue, handlers: handlers,
                configuration: WorkerConfiguration(concurrency: 1, leaseSeconds: 600, heartbeatSeconds: 0.1),
                logger: QueueTestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                let endless = try await queue.enqueue(NewJob(kind: "endless")).id
                #expect(try await eventually(60) { try await queue.job(id: endless).state == .running })
                try await queue.cancel(jobID: endless)
                // The next heartbeat finds the lease gone and cancels the handler; the one slot frees.
                #expect(try await eventually(60) { stopped.withLock { $0 } && worker.runningCount == 0 })
                let quick = try await queue.enqueue(NewJob(kind: "quick")).id
                #expect(try await eventually(60) { try await queue.job(id: quick).state == .completed })
                #expect(try await queue.job(id: endless).state == .cancelled)
                worker.shutdown()
                try await group.waitForAll()
            }
        }
    }

    @Test("a rate-limited or deferred failure with any wait is recorded, clamped to a day", arguments: [
        Double.infinity, -Double.infinity, Double.nan, 1e300, -1, 0,
    ])
    func hostileWaits(seconds: Double) async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            try await queue.enqueue([NewJob(kind: "k"), NewJob(kind: "k")])
            let jobs = try await queue.claim(queue: "default", limit: 2, workerID: "w", leaseSeconds: 30)
            #expect(jobs.count == 2)
            let limited = try await queue.fail(jobs[0], failure: .rateLimited(retryAfter: seconds, "429"))
            let deferred = try await queue.fail(jobs[1], failure: JobFailure(.dependencyUnavailable(retryAfter: seconds), reason: "down"))
            for outcome in [limited, deferred] {
                #expect(outcome.state == .retryable && outcome.attempt == 0)
                #expect(outcome.runAt <= Date().addingTimeInterval(JobQueue.maxGivenBackDelay + 60))
            }
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE errors::text LIKE '%dependency_unavailable%'") == 1)
        }
    }

    @Test("probe backoff: capped, jittered between half and all of the ceiling", arguments: [0, 1, 2, 5, 50, 10_000, -3])
    func probeBackoff(probe: Int) {
        let backoff = DependencyCircuit.Backoff(base: 2, cap: 60)
        let ceiling = min(60, 2 * pow(2, Double(min(max(0, probe), 40))))
        for random in [0.0, 0.5, 1.0, .nan, -1, 7] {
            let delay = backoff.delay(beforeProbe: probe, random: random.isNaN ? 0 : random)
            #expect(delay >= ceiling / 2 && delay <= ceiling)
        }
    }

    @Test func pruningKeepsFailedJobsButDropsTheirPasswords() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            try await queue.enqueue([
                NewJob(kind: "k", args: PostgresJSON(text: #"{"document_id": 1, "password": "s3cret"}"#)),
                NewJob(kind: "k", args: PostgresJSON(text: #"{"document_id": 2, "password": "s3cret"}"#)),
            ])
            let jobs = try await queue.claim(queue: "default", limit: 2, workerID: "w", leaseSeconds: 30)
            try await queue.fail(jobs[0], failure: .permanent("broken"))
            try await queue.complete(jobs[1].lease)
            try await client.query("UPDATE lector.jobs SET finished_at = now() - interval '8 days'")
            #expect(try await queue.pruneFinished(olderThan: JobQueue.defaultRetentionSeconds) == 1)
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs") == 1)
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE args ? 'password'") == 0)
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE args ? 'document_id'") == 1)
            await #expect(throws: QueueError.self) { try await queue.pruneFinished(olderThan: .nan) }
            await #expect(throws: QueueError.self) { try await queue.pruneFinished(olderThan: -1) }
        }
    }
}
