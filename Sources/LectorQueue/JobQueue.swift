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

    static let liveStates = "('available', 'scheduled', 'running', 'retryable')"
    static let uniqueConflict =
        "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'failed', 'cancelled') DO NOTHING"

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
