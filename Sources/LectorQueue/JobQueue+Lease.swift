import Foundation
import LectorDB
import Logging

/// A claimed job's life: claim, heartbeat, fenced completion, failure, release, and the rescue of
/// expired leases.
extension JobQueue {
    // MARK: - Claim, heartbeat

    /// Claims up to `limit` runnable jobs of `queue` in one statement, highest priority first, and leases
    /// them to `workerID` for `leaseSeconds`. Returns nothing when the queue is paused.
    public func claim(queue: String, limit: Int, workerID: String, leaseSeconds: Double) async throws -> [Job] {
        guard limit > 0 else { return [] }
        // The CTE with LIMIT and SKIP LOCKED keeps the UPDATE to exactly the rows this worker locked.
        let sql = """
            WITH picked AS (
                SELECT id FROM lector.jobs
                WHERE queue = $1 AND state IN ('available', 'scheduled', 'retryable') AND run_at <= now()
                  AND NOT EXISTS (SELECT 1 FROM lector.queue_pauses WHERE queue = $1)
                ORDER BY priority DESC, run_at, id
                LIMIT $2
                FOR UPDATE SKIP LOCKED
            )
            UPDATE lector.jobs j
            SET state = 'running', attempt = j.attempt + 1, lease_token = gen_random_uuid(),
                lease_expires_at = now() + $4::float8 * interval '1 second', worker_id = $3, attempted_at = now()
            FROM picked WHERE j.id = picked.id
            RETURNING \(Job.columns.split(separator: ",").map { "j." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
            """
        let rows = try await client.query(sql, [queue, limit, workerID, leaseSeconds])
        return try rows.map(Job.init(row:)).sorted { ($0.priority, $1.runAt, $1.id) > ($1.priority, $0.runAt, $0.id) }
    }

    /// Renews the leases of all the given running jobs in one statement (a worker's heartbeat). Returns
    /// the leases that were renewed; a lease missing from the answer was lost (rescued or cancelled).
    @discardableResult
    public func heartbeat(_ leases: [JobLease], leaseSeconds: Double) async throws -> Set<JobLease> {
        guard !leases.isEmpty else { return [] }
        let rows = try await client.query(
            """
            UPDATE lector.jobs j SET lease_expires_at = now() + $3::float8 * interval '1 second'
            FROM unnest($1::bigint[], $2::text[]::uuid[]) AS l(id, token)
            WHERE j.id = l.id AND j.lease_token = l.token
            RETURNING j.id, j.lease_token
            """, [leases.map(\.jobID), leases.map { $0.token.uuidString }, leaseSeconds])
        return Set(try rows.map { JobLease(jobID: try $0.decode("id"), token: try $0.decode("lease_token")) })
    }

    // MARK: - Completion

    /// Fenced completion: runs `writes` and marks the job `completed` in one transaction that commits
    /// only if `lease` still holds the job.
    ///
    /// The job's row is locked first, so a rescue cannot take the job while `writes` run.
    /// - Throws: ``QueueError`` `lostLease` (and nothing is committed) when the lease no longer matches;
    ///   whatever `writes` throws, after rolling back.
    public func complete<T: Sendable>(
        _ lease: JobLease, _ writes: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await client.withTransaction { connection in
            let fenced = try await connection.query(
                """
                UPDATE lector.jobs SET state = 'completed', finished_at = now(), lease_token = NULL,
                    lease_expires_at = NULL
                WHERE id = $1 AND lease_token = $2 RETURNING id
                """, [lease.jobID, lease.token])
            guard fenced.count == 1 else { throw QueueError.lostLease(lease.jobID) }
            // A worker's sessions carry a statement timeout sized for queue statements; a large document's
            // results may take longer to write, and cancelling them would only repeat the whole analysis.
            try await connection.query("SET LOCAL statement_timeout = '15min'")
            return try await writes(connection)
        }
    }

    /// Completes a job that has nothing else to write.
    ///
    /// - Throws: ``QueueError`` `lostLease` when the lease no longer matches.
    public func complete(_ lease: JobLease) async throws {
        let done = try await complete([lease])
        guard done.contains(lease.jobID) else { throw QueueError.lostLease(lease.jobID) }
    }

    /// Completes many jobs in one statement; returns the ids completed (a job whose lease was lost is
    /// left alone and missing from the answer).
    public func complete(_ leases: [JobLease]) async throws -> Set<Int64> {
        guard !leases.isEmpty else { return [] }
        let rows = try await client.query(
            """
            UPDATE lector.jobs j SET state = 'completed', finished_at = now(), lease_token = NULL,
                lease_expires_at = NULL
            FROM unnest($1::bigint[], $2::text[]::uuid[]) AS l(id, token)
            WHERE j.id = l.id AND j.lease_token = l.token
            RETURNING j.id
            """, [leases.map(\.jobID), leases.map { $0.token.uuidString }])
        return Set(try rows.map { try $0.decode("id", as: Int64.self) })
    }

    // MARK: - Failure, release

    /// What ``fail(_:attempt:maxAttempts:failure:policy:)`` did with the job.
    public struct FailOutcome: Sendable, Equatable {
        public var state: JobState
        public var runAt: Date
        public var attempt: Int
    }

    /// Records a failed attempt, fenced by the lease: `permanent` ends in `failed`; `retryable` waits the
    /// policy's backoff, or ends in `failed` once `maxAttempts` is used; `rateLimited` and
    /// `dependencyUnavailable` wait `retryAfter` (clamped to 0 ... one day) and give the attempt back.
    ///
    /// - Throws: ``QueueError`` `lostLease` when the lease no longer matches.
    @discardableResult
    public func fail(_ job: Job, failure: JobFailure, policy: RetryPolicy = RetryPolicy()) async throws -> FailOutcome {
        let state: JobState
        var delay = 0.0
        var giveBack = 0
        switch failure.class {
        case .permanent:
            state = .failed
        case .retryable:
            if job.attempt >= job.maxAttempts {
                state = .failed
            } else {
                state = .retryable
                delay = policy.delay(afterAttempt: job.attempt)
            }
        case .rateLimited(let retryAfter), .dependencyUnavailable(let retryAfter):
            state = .retryable
            // The wait may come from the network (`Retry-After`): NaN, infinite or negative values must
            // not reach the interval arithmetic, where they would fail the statement.
            delay = retryAfter.isNaN ? 0 : min(max(0, retryAfter), Self.maxGivenBackDelay)
            giveBack = 1
        }
        let rows = try await client.query(
            """
            UPDATE lector.jobs SET state = $3::text::lector.job_state,
                run_at = CASE WHEN $3 = 'failed' THEN run_at ELSE now() + $4::float8 * interval '1 second' END,
                attempt = attempt - $5::integer,
                errors = errors || jsonb_build_array(jsonb_build_object(
                    'attempt', attempt, 'at', now(), 'class', $6::text, 'error', $7::text)),
                lease_token = NULL, lease_expires_at = NULL,
                finished_at = CASE WHEN $3 = 'failed' THEN now() END
            WHERE id = $1 AND lease_token = $2
            RETURNING state::text AS state, run_at, attempt
            """,
            [job.id, job.lease.token, state.rawValue, delay, giveBack, failure.label, String(failure.reason.prefix(2000))])
        guard let row = rows.first else { throw QueueError.lostLease(job.id) }
        return FailOutcome(
            state: JobState(rawValue: try row.decode("state", as: String.self)) ?? state,
            runAt: try row.decode("run_at"), attempt: try row.decode("attempt"))
    }

    /// The longest wait a rate-limited or deferred job is rescheduled by (one day).
    public static let maxGivenBackDelay: Double = 86_400

    /// Puts claimed jobs back to `available` without using an attempt (graceful shutdown). Returns the
    /// ids released; jobs whose lease was lost are left alone.
    @discardableResult
    public func release(_ leases: [JobLease]) async throws -> Set<Int64> {
        guard !leases.isEmpty else { return [] }
        let rows = try await client.query(
            """
            WITH released AS (
                UPDATE lector.jobs j SET state = 'available', attempt = GREATEST(j.attempt - 1, 0), run_at = now(),
                    lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
                FROM unnest($1::bigint[], $2::text[]::uuid[]) AS l(id, token)
                WHERE j.id = l.id AND j.lease_token = l.token
                RETURNING j.id, j.queue
            ), notified AS (SELECT pg_notify('\(Self.notifyChannel)', queue) FROM (SELECT DISTINCT queue FROM released) d)
            SELECT id, (SELECT count(*) FROM notified) AS n FROM released
            """, [leases.map(\.jobID), leases.map { $0.token.uuidString }])
        return Set(try rows.map { try $0.decode("id", as: Int64.self) })
    }

    /// Requeues jobs whose lease expired (their worker died or hung): each expired lease counts as a
    /// failed attempt (`lease_expired` in the error history), so a job that kills its worker ends in
    /// `failed` after `max_attempts`. Any worker may run this; no leader is needed. Returns the number
    /// of jobs rescued.
    @discardableResult
    public func rescueExpired(limit: Int = 1000) async throws -> Int {
        let rows = try await client.query(
            """
            WITH expired AS (
                SELECT id FROM lector.jobs
                WHERE state = 'running' AND lease_expires_at < now()
                ORDER BY lease_expires_at LIMIT $1
                FOR UPDATE SKIP LOCKED
            ), rescued AS (
                UPDATE lector.jobs j SET
                    state = CASE WHEN j.attempt >= j.max_attempts THEN 'failed' ELSE 'retryable' END::lector.job_state,
                    errors = j.errors || jsonb_build_array(jsonb_build_object(
                        'attempt', j.attempt, 'at', now(), 'class', 'lease_expired',
                        'error', 'the lease expired: worker ' || COALESCE(j.worker_id, '?') || ' stopped renewing it')),
                    lease_token = NULL, lease_expires_at = NULL, run_at = now(),
                    finished_at = CASE WHEN j.attempt >= j.max_attempts THEN now() END
                FROM expired WHERE j.id = expired.id
                RETURNING j.id, j.queue
            ), notified AS (SELECT pg_notify('\(Self.notifyChannel)', queue) FROM (SELECT DISTINCT queue FROM rescued) d)
            SELECT id, (SELECT count(*) FROM notified) AS n FROM rescued
            """, [limit])
        if !rows.isEmpty { logger.info("rescued jobs with expired leases", metadata: ["jobs.count": "\(rows.count)"]) }
        return rows.count
    }
}
