import Foundation
import LectorDB
import LectorQueue
import Testing

@Suite("JobQueue against PostgreSQL")
struct JobQueueTests {
    /// Makes a job's backoff or schedule due now, instead of waiting for it.
    func makeDue(_ client: PostgresClient, _ id: Int64) async throws {
        try await client.query("UPDATE lector.jobs SET run_at = now() WHERE id = $1", [id])
    }

    func claimOne(_ queue: JobQueue, _ name: String = "default", worker: String = "w1") async throws -> Job? {
        try await queue.claim(queue: name, limit: 1, workerID: worker, leaseSeconds: 30).first
    }

    @Test func uniqueKeysKeepOneLiveJob() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            let first = try await queue.enqueue(NewJob(kind: "k", uniqueKey: "doc-1"))
            let again = try await queue.enqueue(NewJob(kind: "k", uniqueKey: "doc-1"))
            #expect(first.inserted)
            #expect(!again.inserted)
            #expect(again.id == first.id)
            // A multi-row enqueue skips keys with a live job, and duplicates within itself.
            let ids = try await queue.enqueue([
                NewJob(kind: "k", uniqueKey: "doc-1"), NewJob(kind: "k", uniqueKey: "doc-2"),
                NewJob(kind: "k", uniqueKey: "doc-2"), NewJob(kind: "k"),
            ])
            #expect(ids.count == 2)
            // Once finished, the key is free again.
            let job = try #require(try await claimOne(queue))
            #expect(job.id == first.id)
            try await queue.complete(job.lease)
            let later = try await queue.enqueue(NewJob(kind: "k", uniqueKey: "doc-1"))
            #expect(later.inserted)
            #expect(later.id != first.id)
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE unique_key = 'doc-1'") == 2)
        }
    }

    @Test func backoffScheduleIsExponentialJitteredAndCapped() async throws {
        let policy = RetryPolicy(base: 5, cap: 60, jitter: 0.2)
        #expect((1...6).map { policy.delay(afterAttempt: $0, random: 0.5) } == [5, 10, 20, 40, 60, 60])
        #expect(policy.delay(afterAttempt: 1, random: 0) == 4)
        #expect(policy.delay(afterAttempt: 1, random: 1) == 6)
        #expect(policy.delay(afterAttempt: 3, random: 1) == 24)
        #expect(policy.delay(afterAttempt: 100, random: 1) == 60)
        for _ in 0..<100 {
            let d = policy.delay(afterAttempt: 2)
            #expect(d >= 8 && d <= 12)
        }
        // In the database: minutes, not seconds, so that "not due before its backoff passes" holds however
        // long a loaded machine stalls between the failure and the claim that follows it.
        let slow = RetryPolicy(base: 600, cap: 3600, jitter: 0.2)
        try await QueueTestDatabase.with { client, queue, _ in
            let id = try await queue.enqueue(NewJob(kind: "k", maxAttempts: 5)).id
            func clock() async throws -> Double {
                try await client.query("SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8 AS t").one().decode("t", as: Double.self)
            }
            for attempt in 1...3 {
                let job = try #require(try await claimOne(queue))
                #expect(job.attempt == attempt)
                // The backoff counts from the failure, whenever it commits between these two instants (on a
                // busy machine that can be long after the claim).
                let before = try await clock()
                let outcome = try await queue.fail(job, failure: .retryable("boom \(attempt)"), policy: slow)
                let after = try await clock()
                #expect(outcome.state == .retryable)
                let runAt = try await client.query(
                    "SELECT EXTRACT(EPOCH FROM run_at)::float8 AS t FROM lector.jobs WHERE id = $1", [id]
                ).one().decode("t", as: Double.self)
                let nominal = 600 * Double(1 << (attempt - 1))
                #expect(runAt - before >= nominal * 0.8 && runAt - after <= nominal * 1.2, "attempt \(attempt)")
                // Not due before its backoff passes.
                #expect(try await claimOne(queue) == nil)
                try await makeDue(client, id)
            }
        }
    }

    @Test func rateLimitedFailureDoesNotBurnAnAttempt() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            let id = try await queue.enqueue(NewJob(kind: "k", maxAttempts: 1)).id
            for _ in 0..<3 {
                let job = try #require(try await claimOne(queue))
                #expect(job.attempt == 1)
                let outcome = try await queue.fail(job, failure: .rateLimited(retryAfter: 30, "429 from engine"))
                #expect(outcome.state == .retryable)
                #expect(outcome.attempt == 0)
                #expect(outcome.runAt.timeIntervalSinceNow > 20)
                try await makeDue(client, id)
            }
            let errors = try await queue.errors(jobID: id)
            #expect(errors.map(\.class) == ["rate_limited", "rate_limited", "rate_limited"])
            // With max_attempts 1 and three rate limits behind it, the job still gets its one attempt.
            let job = try #require(try await claimOne(queue))
            try await queue.complete(job.lease)
            #expect(try await queue.job(id: id).state == .completed)
        }
    }

    @Test func permanentFailureIsNotRetried() async throws {
        try await QueueTestDatabase.with { _, queue, _ in
            let id = try await queue.enqueue(NewJob(kind: "k", maxAttempts: 5)).id
            let job = try #require(try await claimOne(queue))
            let outcome = try await queue.fail(job, failure: .permanent("pdf.encrypted: password needed"))
            #expect(outcome.state == .failed)
            #expect(try await claimOne(queue) == nil)
            let stored = try await queue.job(id: id)
            #expect(stored.state == .failed)
            #expect(stored.attempt == 1)
            let errors = try await queue.errors(jobID: id)
            #expect(errors.count == 1)
            #expect(errors.first?.class == "permanent")
            #expect(errors.first?.error == "pdf.encrypted: password needed")
        }
    }

    @Test func maxAttemptsEndsInFailedWithEveryError() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            let id = try await queue.enqueue(NewJob(kind: "k", maxAttempts: 3)).id
            for attempt in 1...3 {
                let job = try #require(try await claimOne(queue))
                let outcome = try await queue.fail(job, failure: .retryable("engine 503 (attempt \(attempt))"))
                #expect(outcome.state == (attempt < 3 ? .retryable : .failed))
                try await makeDue(client, id)
            }
            #expect(try await claimOne(queue) == nil)
            #expect(try await queue.job(id: id).state == .failed)
            let errors = try await queue.errors(jobID: id)
            #expect(errors.map(\.attempt) == [1, 2, 3])
            #expect(errors.map(\.error) == (1...3).map { "engine 503 (attempt \($0))" })
            let stats = try await queue.statistics()
            #expect(stats.recentFailures.first?.id == id)
            #expect(stats.recentFailures.first?.error == "engine 503 (attempt 3)")
        }
    }

    @Test func fencedCompletionRejectsALostLeaseAndRollsBack() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            try await client.query("CREATE TABLE results (job_id bigint PRIMARY KEY, worker text NOT NULL)")
            let id = try await queue.enqueue(NewJob(kind: "k")).id
            let stale = try #require(try await claimOne(queue, worker: "dead"))
            // The lease runs out (as if the worker froze), another worker rescues and claims the job.
            try await client.query("UPDATE lector.jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1", [id])
            #expect(try await queue.rescueExpired() == 1)
            let fresh = try #require(try await claimOne(queue, worker: "alive"))
            #expect(fresh.id == id)
            #expect(fresh.attempt == 2)
            await #expect(throws: QueueError.lostLease(id)) {
                try await queue.complete(stale.lease) { connection in
                    try await connection.query("INSERT INTO results VALUES ($1, 'dead')", [id])
                }
            }
            #expect(try await client.scalar("SELECT count(*) FROM results") == 0)
            try await queue.complete(fresh.lease) { connection in
                try await connection.query("INSERT INTO results VALUES ($1, 'alive')", [id])
            }
            #expect(try await client.scalar("SELECT count(*) FROM results WHERE worker = 'alive'") == 1)
            // The fence also rejects a second completion and a late heartbeat.
            await #expect(throws: QueueError.self) { try await queue.complete(fresh.lease) }
            #expect(try await queue.heartbeat([stale.lease, fresh.lease], leaseSeconds: 30).isEmpty)
            let errors = try await queue.errors(jobID: id)
            #expect(errors.map(\.class) == ["lease_expired"])
        }
    }

    @Test func heartbeatRenewsOnlyHeldLeases() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            try await queue.enqueue([NewJob(kind: "k"), NewJob(kind: "k")])
            let jobs = try await queue.claim(queue: "default", limit: 5, workerID: "w", leaseSeconds: 1)
            #expect(jobs.count == 2)
            let renewed = try await queue.heartbeat(jobs.map(\.lease), leaseSeconds: 600)
            #expect(renewed == Set(jobs.map(\.lease)))
            #expect(try await client.scalar(
                "SELECT count(*) FROM lector.jobs WHERE lease_expires_at > now() + interval '500 seconds'") == 2)
        }
    }

    @Test func cancelRetryPauseResumeRelease() async throws {
        try await QueueTestDatabase.with { _, queue, _ in
            let id = try await queue.enqueue(NewJob(queue: "q", kind: "k")).id
            #expect(try await queue.cancel(jobID: id).state == .cancelled)
            #expect(try await claimOne(queue, "q") == nil)
            #expect(try await queue.retry(jobID: id).state == .available)
            // A cancelled running job's worker cannot complete it.
            let running = try #require(try await claimOne(queue, "q"))
            try await queue.cancel(jobID: id)
            await #expect(throws: QueueError.self) { try await queue.complete(running.lease) }
            try await queue.retry(jobID: id)
            // Paused queues are not claimed from.
            try await queue.pause(queue: "q")
            #expect(try await queue.pausedQueues() == ["q"])
            #expect(try await claimOne(queue, "q") == nil)
            try await queue.resume(queue: "q")
            let job = try #require(try await claimOne(queue, "q"))
            // Release gives the attempt back.
            let attempt = job.attempt
            #expect(try await queue.release([job.lease]) == [id])
            let released = try await queue.job(id: id)
            #expect(released.state == .available)
            #expect(released.attempt == attempt - 1)
            let again = try #require(try await claimOne(queue, "q"))
            try await queue.complete(again.lease)
            await #expect(throws: QueueError.self) { try await queue.retry(jobID: id) }
            await #expect(throws: QueueError.self) { try await queue.cancel(jobID: id) }
            await #expect(throws: QueueError.self) { try await queue.job(id: 999_999) }
        }
    }

    @Test func claimTakesPriorityThenAgeAndRespectsRunAt() async throws {
        try await QueueTestDatabase.with { _, queue, _ in
            let low = try await queue.enqueue(NewJob(kind: "k", priority: 0)).id
            let high = try await queue.enqueue(NewJob(kind: "k", priority: 5)).id
            let later = try await queue.enqueue(NewJob(kind: "k", priority: 9, runAt: Date().addingTimeInterval(3600)))
            #expect(try await queue.job(id: later.id).state == .scheduled)
            let jobs = try await queue.claim(queue: "default", limit: 10, workerID: "w", leaseSeconds: 30)
            #expect(jobs.map(\.id) == [high, low])
            #expect(jobs.allSatisfy { $0.state == .running && $0.leaseToken != nil && $0.attempt == 1 })
        }
    }

    @Test func copyEnqueueAndPrune() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            let jobs = (0..<1000).map { NewJob(kind: "bulk", args: PostgresJSON(text: "{\"n\": \($0), \"s\": \"a\\tb\"}")) }
                + [NewJob(kind: "bulk", uniqueKey: "u1"), NewJob(kind: "bulk", uniqueKey: "u1")]
            #expect(try await queue.copyEnqueue(jobs) == 1001)
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE args->>'s' = E'a\\tb'") == 1000)
            let claimed = try await queue.claim(queue: "default", limit: 600, workerID: "w", leaseSeconds: 30)
            #expect(claimed.count == 600)
            #expect(try await queue.complete(claimed.map(\.lease)).count == 600)
            try await client.query(
                "UPDATE lector.jobs SET finished_at = now() - interval '2 days' WHERE id IN (SELECT id FROM lector.jobs WHERE state = 'completed' LIMIT 500)")
            #expect(try await queue.pruneFinished(olderThan: 86_400, batchSize: 200) == 500)
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs") == 501)
            let stats = try await queue.statistics()
            #expect(stats.rows.first { $0.state == .completed }?.count == 100)
            #expect(stats.rows.first { $0.state == .available }?.count == 401)
            #expect(stats.rows.first { $0.state == .available }?.oldestDueSeconds != nil)
        }
    }
}
