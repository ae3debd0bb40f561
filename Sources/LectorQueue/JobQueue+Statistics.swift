import Foundation
import LectorDB

/// Counts per queue and state, for `lector status` and metrics.
public struct QueueStatistics: Sendable, Codable {
    public struct Row: Sendable, Codable, Equatable {
        public var queue: String
        public var state: JobState
        public var count: Int64
        /// Seconds since the oldest runnable job of this queue and state became due (available,
        /// scheduled and retryable rows only).
        public var oldestDueSeconds: Double?
    }

    public struct Failure: Sendable, Codable, Equatable {
        public var id: Int64
        public var queue: String
        public var kind: String
        public var attempt: Int
        public var finishedAt: Date?
        /// The last attempt's error.
        public var error: String?
        public var errorClass: String?
    }

    public var rows: [Row]
    public var paused: [String]
    public var recentFailures: [Failure]
    /// What workers report about the dependencies their jobs need (the engine); see ``JobQueue/dependencyHealth()``.
    public var dependencies: [DependencyHealth] = []
}

extension JobQueue {
    /// Job counts by queue and state, the age of the oldest due job, paused queues and the most recent
    /// failures with their reasons.
    public func statistics(recentFailures limit: Int = 10) async throws -> QueueStatistics {
        let rows = try await client.query(
            """
            SELECT queue, state::text AS state, count(*) AS count,
                   EXTRACT(EPOCH FROM now() - min(run_at) FILTER (
                       WHERE state IN ('available', 'scheduled', 'retryable') AND run_at <= now()))::float8 AS oldest
            FROM lector.jobs GROUP BY queue, state ORDER BY queue, state
            """)
        let failures = try await client.query(
            """
            SELECT id, queue, kind, attempt, finished_at, errors -> -1 ->> 'error' AS error,
                   errors -> -1 ->> 'class' AS class
            FROM lector.jobs WHERE state = 'failed' ORDER BY finished_at DESC NULLS LAST LIMIT $1
            """, [limit])
        return QueueStatistics(
            rows: try rows.map { row in
                QueueStatistics.Row(
                    queue: try row.decode("queue"),
                    state: JobState(rawValue: try row.decode("state", as: String.self)) ?? .available,
                    count: try row.decode("count"), oldestDueSeconds: try row.decode("oldest", as: Double?.self))
            },
            paused: try await pausedQueues(),
            recentFailures: try failures.map { row in
                QueueStatistics.Failure(
                    id: try row.decode("id"), queue: try row.decode("queue"), kind: try row.decode("kind"),
                    attempt: try row.decode("attempt"), finishedAt: try row.decode("finished_at", as: Date?.self),
                    error: try row.decode("error", as: String?.self), errorClass: try row.decode("class", as: String?.self))
            })
    }

    /// The number of jobs of `queue` that are running or due now (available, scheduled or retryable
    /// with `run_at` passed): zero means a worker of this queue has nothing to do at the moment.
    public func runnableCount(queue: String) async throws -> Int {
        try await client.query(
            """
            SELECT count(*) AS n FROM lector.jobs
            WHERE queue = $1
              AND (state = 'running' OR (state IN ('available', 'scheduled', 'retryable') AND run_at <= now()))
            """, queue
        ).one().decode("n", as: Int.self)
    }
}
