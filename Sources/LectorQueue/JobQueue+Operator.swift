import Foundation
import LectorDB
import Logging

/// What operators do: cancel, retry, pause and resume queues, prune finished jobs, look jobs up.
extension JobQueue {
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
}
