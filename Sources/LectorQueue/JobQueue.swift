import Foundation
import LectorDB
import Logging

/// The job queue over `lector.jobs`: enqueue, claim, heartbeat, fenced completion, failure, release,
/// cancel, retry, pause, rescue, pruning and statistics.
///
/// Every operation is one statement (or one short transaction); no transaction stays open while a job
/// runs. Operations on a claimed job present its ``JobLease`` and do nothing when the token no longer
/// matches. Safe to use from any number of tasks and processes.
public struct JobQueue: Sendable {
    /// The channel `NOTIFY` uses on enqueue; the payload is the queue name.
    public static let notifyChannel = "lector_jobs"

    public let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    private static let liveStates = "('available', 'scheduled', 'running', 'retryable')"
    private static let uniqueConflict =
        "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'failed', 'cancelled') DO NOTHING"

    // MARK: - Enqueue

    /// Enqueues one job and notifies workers; with a unique key that a live job already has, returns
    /// that job instead (`inserted == false`).
    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        try await enqueue(job, on: nil)
    }

    /// Enqueues one job on `connection` (inside the caller's transaction, so that the job exists only if
    /// the caller's writes commit).
    @discardableResult
    public func enqueue(_ job: NewJob, on connection: PostgresConnection?) async throws -> EnqueueResult {
        let sql = """
            WITH ins AS (
                INSERT INTO lector.jobs (queue, kind, args, priority, run_at, max_attempts, unique_key, tenant, batch_id, state)
                VALUES ($1, $2, $3, $4::smallint, COALESCE($5::timestamptz, now()), $6::integer, $7, $8, $9,
                        CASE WHEN $5::timestamptz > now() THEN 'scheduled' ELSE 'available' END::lector.job_state)
                \(Self.uniqueConflict)
                RETURNING id
            )
            SELECT id, true AS inserted, pg_notify('\(Self.notifyChannel)', $1) IS NULL AS notified FROM ins
            UNION ALL
            SELECT id, false, false FROM lector.jobs
            WHERE $7::text IS NOT NULL AND unique_key = $7 AND state IN \(Self.liveStates)
              AND NOT EXISTS (SELECT 1 FROM ins)
            """
        let binds: [any PostgresEncodable] = [
            job.queue, job.kind, job.args, job.priority, job.runAt, job.maxAttempts, job.uniqueKey, job.tenant,
            job.batchID,
        ]
        // A concurrent insert of the same key that commits between our INSERT's wait and our SELECT's
        // snapshot leaves both branches empty; the next try sees it.
        for _ in 0..<5 {
            let rows = try await run(sql, binds, on: connection)
            if let row = rows.first {
                return EnqueueResult(id: try row.decode("id", as: Int64.self), inserted: try row.decode("inserted", as: Bool.self))
            }
        }
        throw QueueError(kind: .invalidState, message: "enqueue with a contended unique key did not settle")
    }

    /// Enqueues many jobs in one multi-row statement; jobs whose unique key a live job already has are
    /// skipped. Returns the ids of the jobs inserted.
    @discardableResult
    public func enqueue(_ jobs: [NewJob]) async throws -> [Int64] {
        guard !jobs.isEmpty else { return [] }
        let rows = try await run(Self.multiRowInsert(select: "SELECT id, (SELECT count(*) FROM notified) AS n FROM ins ORDER BY id"),
                                 Self.multiRowBinds(jobs), on: nil)
        return try rows.map { try $0.decode("id", as: Int64.self) }
    }

    /// Enqueues many jobs that each have a unique key in one multi-row statement, on `connection` when
    /// given (inside the caller's transaction). Returns one result per job, in input order: the new job,
    /// or the live job that already had the key (`inserted == false`); nil when the key is repeated
    /// within `jobs` or its live job finished between the insert and the look-up.
    ///
    /// - Precondition: every job has a unique key.
    public func enqueueKeyed(_ jobs: [NewJob], on connection: PostgresConnection? = nil) async throws -> [EnqueueResult?] {
        precondition(jobs.allSatisfy { $0.uniqueKey != nil }, "enqueueKeyed needs a unique key on every job")
        guard !jobs.isEmpty else { return [] }
        // The statement's snapshot does not see its own inserts, so `live` finds only jobs that existed
        // before it: exactly the ones whose key made the insert skip.
        let select = """
            SELECT input.ord, coalesce(ins.id, live.id) AS id, ins.id IS NOT NULL AS inserted,
                   (SELECT count(*) FROM notified) AS n
            FROM input
            LEFT JOIN ins ON ins.unique_key = input.u
            LEFT JOIN LATERAL (
                SELECT j.id FROM lector.jobs j
                WHERE ins.id IS NULL AND j.unique_key = input.u AND j.state IN \(Self.liveStates)
                LIMIT 1
            ) live ON true
            ORDER BY input.ord
            """
        let rows = try await run(Self.multiRowInsert(select: select), Self.multiRowBinds(jobs), on: connection)
        var results = [EnqueueResult?](repeating: nil, count: jobs.count)
        for row in rows {
            let ordinal = try row.decode("ord", as: Int.self) - 1
            guard let id = try row.decode("id", as: Int64?.self) else { continue }
            results[ordinal] = EnqueueResult(id: id, inserted: try row.decode("inserted", as: Bool.self))
        }
        return results
    }

    /// The multi-row insert both bulk paths share, followed by `select` (which may read `input`, `ins`
    /// and `notified`).
    private static func multiRowInsert(select: String) -> String {
        // Arrays cannot carry NULL elements here: empty strings (and batch 0) stand for "none".
        """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[],
                                 $8::text[], $9::bigint[])
                 WITH ORDINALITY AS input(q, k, a, p, r, m, u, t, b, ord)
        ), ins AS (
            INSERT INTO lector.jobs (queue, kind, args, priority, run_at, max_attempts, unique_key, tenant, batch_id, state)
            SELECT q, k, a::jsonb, p::smallint, COALESCE(NULLIF(r, '')::timestamptz, now()), m::integer,
                   NULLIF(u, ''), t, NULLIF(b, 0),
                   CASE WHEN NULLIF(r, '')::timestamptz > now() THEN 'scheduled' ELSE 'available' END::lector.job_state
            FROM input
            ORDER BY ord
            \(uniqueConflict)
            RETURNING id, queue, unique_key
        ), notified AS (
            SELECT pg_notify('\(notifyChannel)', queue) FROM (SELECT DISTINCT queue FROM ins) d
        )
        \(select)
        """
    }

    private static func multiRowBinds(_ jobs: [NewJob]) -> [any PostgresEncodable] {
        [
            jobs.map(\.queue), jobs.map(\.kind), jobs.map(\.args.text), jobs.map { Int64($0.priority) },
            jobs.map { $0.runAt.map(Self.timestampText) ?? "" }, jobs.map { Int64($0.maxAttempts) },
            jobs.map { $0.uniqueKey ?? "" }, jobs.map(\.tenant), jobs.map { $0.batchID ?? 0 },
        ]
    }

    /// Enqueues many jobs with `COPY`, the fastest way in (a nightly batch of 100,000 jobs). Jobs with a
    /// unique key go through the multi-row insert instead, since `COPY` cannot skip duplicates.
    /// Returns the number of jobs inserted.
    @discardableResult
    public func copyEnqueue(_ jobs: [NewJob]) async throws -> Int {
        let keyed = jobs.filter { $0.uniqueKey != nil }
        let plain = jobs.filter { $0.uniqueKey == nil }
        var count = 0
        if !plain.isEmpty {
            let now = Self.timestampText(Date())
            let rows: [[String?]] = plain.map { job in
                let runAt = job.runAt.map(Self.timestampText)
                let state = (job.runAt.map { $0 > Date() } ?? false) ? "scheduled" : "available"
                return [
                    job.queue, job.kind, job.args.text, String(job.priority), runAt ?? now, String(job.maxAttempts),
                    job.tenant, job.batchID.map(String.init), state,
                ]
            }
            let queues = Array(Set(plain.map(\.queue)))
            count += try await client.withTransaction { connection in
                let copied = try await connection.copyIn(
                    "COPY lector.jobs (queue, kind, args, priority, run_at, max_attempts, tenant, batch_id, state) FROM STDIN",
                    rows: rows)
                try await connection.query(
                    "SELECT pg_notify('\(Self.notifyChannel)', q) FROM unnest($1::text[]) AS q", [queues])
                return copied
            }
        }
        if !keyed.isEmpty { count += try await enqueue(keyed).count }
        return count
    }

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

    // MARK: - Operator actions

    /// Cancels a job that has not finished. A running job's lease is revoked, so its worker's completion
    /// is rejected. Returns the job as it is now.
    ///
    /// - Throws: ``QueueError`` `notFound`, or `invalidState` when it already finished.
    @discardableResult
    public func cancel(jobID: Int64) async throws -> Job {
        let rows = try await client.query(
            """
            UPDATE lector.jobs SET state = 'cancelled', finished_at = now(), lease_token = NULL, lease_expires_at = NULL
            WHERE id = $1 AND state IN \(Self.liveStates)
            RETURNING \(Job.columns)
            """, [jobID])
        if let row = rows.first { return try Job(row: row) }
        let current = try await job(id: jobID)
        throw QueueError(kind: .invalidState, jobID: jobID, message: "cannot cancel a \(current.state.rawValue) job")
    }

    /// Makes a failed or cancelled job available again, with at least one more attempt.
    ///
    /// - Throws: ``QueueError`` `notFound`, `invalidState` (it is live or completed), or
    ///   `duplicateUniqueKey` when another live job has its unique key.
    @discardableResult
    public func retry(jobID: Int64) async throws -> Job {
        let rows: PostgresRows
        do {
            rows = try await client.query(
                """
                WITH retried AS (
                    UPDATE lector.jobs SET state = 'available', run_at = now(), finished_at = NULL,
                        max_attempts = GREATEST(max_attempts, attempt + 1)
                    WHERE id = $1 AND state IN ('failed', 'cancelled')
                    RETURNING \(Job.columns)
                )
                SELECT *, pg_notify('\(Self.notifyChannel)', queue) IS NULL AS n FROM retried
                """, [jobID])
        } catch let error as DatabaseError where error.kind == .uniqueViolation {
            throw QueueError(
                kind: .duplicateUniqueKey, jobID: jobID, message: "another live job has this job's unique key")
        }
        if let row = rows.first { return try Job(row: row) }
        let current = try await job(id: jobID)
        throw QueueError(kind: .invalidState, jobID: jobID, message: "cannot retry a \(current.state.rawValue) job")
    }

    /// Stops workers from claiming jobs of `queue` until ``resume(queue:)``; running jobs go on.
    public func pause(queue: String) async throws {
        try await client.query("INSERT INTO lector.queue_pauses (queue) VALUES ($1) ON CONFLICT DO NOTHING", [queue])
    }

    /// Lets workers claim from `queue` again, and wakes them.
    public func resume(queue: String) async throws {
        try await client.query(
            "WITH d AS (DELETE FROM lector.queue_pauses WHERE queue = $1) SELECT pg_notify('\(Self.notifyChannel)', $1)",
            [queue])
    }

    /// The queues that are paused.
    public func pausedQueues() async throws -> [String] {
        try await client.query("SELECT queue FROM lector.queue_pauses ORDER BY queue").map { try $0.decode("queue") }
    }

    /// The retention of finished jobs when nothing else is configured: seven days.
    public static let defaultRetentionSeconds: Double = 7 * 86_400

    /// Deletes completed (and cancelled) jobs that finished more than `retention` seconds ago, in batches
    /// of `batchSize` so no statement holds many locks. Failed jobs are kept for inspection, but their
    /// arguments lose any `password` (a PDF's password must not outlive the retention). Analyses keep
    /// their findings (their `job_id` becomes NULL). Returns the number deleted.
    @discardableResult
    public func pruneFinished(olderThan retention: Double, batchSize: Int = 10_000) async throws -> Int {
        // From a flag or a configuration file: NaN or a negative retention would delete everything.
        guard !retention.isNaN, retention >= 0 else {
            throw QueueError(kind: .invalidState, message: "the retention must be a non-negative number of seconds")
        }
        if retention == .infinity { return 0 }
        let batch = max(1, batchSize)
        var total = 0
        while true {
            let deleted = try await client.query(
                """
                DELETE FROM lector.jobs WHERE id IN (
                    SELECT id FROM lector.jobs
                    WHERE state IN ('completed', 'cancelled') AND finished_at < now() - $1::float8 * interval '1 second'
                    LIMIT $2 FOR UPDATE SKIP LOCKED)
                """, [retention, batch]
            ).affectedRows
            total += deleted
            if deleted < batch { break }
        }
        while true {
            let scrubbed = try await client.query(
                """
                UPDATE lector.jobs SET args = args - 'password' WHERE id IN (
                    SELECT id FROM lector.jobs
                    WHERE state = 'failed' AND finished_at < now() - $1::float8 * interval '1 second'
                      AND args ? 'password'
                    LIMIT $2 FOR UPDATE SKIP LOCKED)
                """, [retention, batch]
            ).affectedRows
            if scrubbed < batch { break }
        }
        return total
    }

    /// One job by id.
    ///
    /// - Throws: ``QueueError`` `notFound`.
    public func job(id: Int64) async throws -> Job {
        let rows = try await client.query("SELECT \(Job.columns) FROM lector.jobs WHERE id = $1", [id])
        guard let row = rows.first else { throw QueueError(kind: .notFound, jobID: id, message: "no such job") }
        return try Job(row: row)
    }

    /// A job's error history, one entry per failed attempt.
    public func errors(jobID: Int64) async throws -> [JobAttemptError] {
        let rows = try await client.query("SELECT errors FROM lector.jobs WHERE id = $1", [jobID])
        guard let row = rows.first else { throw QueueError(kind: .notFound, jobID: jobID, message: "no such job") }
        return try row.decode("errors", as: PostgresJSON.self).decode(as: [JobAttemptError].self)
    }

    // MARK: - Helpers

    func run(_ sql: String, _ binds: [any PostgresEncodable], on connection: PostgresConnection?)
        async throws -> PostgresRows
    {
        if let connection { return try await connection.query(sql, binds) }
        return try await client.query(sql, binds)
    }

    /// A timestamp in a form PostgreSQL parses, for array and COPY values.
    static func timestampText(_ date: Date) -> String {
        String(decoding: date.postgresBind.bytes ?? [], as: UTF8.self)
    }
}
