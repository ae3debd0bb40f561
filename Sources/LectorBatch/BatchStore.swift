import Foundation
import LectorDB
import LectorEngine

/// The one home of `lector.batches` SQL: creates runs, records what they enqueued, reads status, listings
/// and reports, and ends batches.
public struct BatchStore: Sendable {
    let database: PostgresClient

    public init(database: PostgresClient) {
        self.database = database
    }

    /// Ends the batch if none of its members is pending, writing its summary. Returns whether this call
    /// ended it. Safe to call from any number of processes.
    @discardableResult
    public func finishIfDone(batchID: Int64) async throws -> Bool {
        try await database.query("SELECT lector.finish_batch($1) AS ended", batchID).one().decode("ended", as: Bool.self)
    }

    /// Ends every running batch whose members are all done or failed; returns the ids it ended.
    @discardableResult
    public func finishAllDone() async throws -> [Int64] {
        try await database.query(
            "SELECT id FROM lector.batches WHERE state = 'running' AND enqueued_at IS NOT NULL AND lector.finish_batch(id) ORDER BY id"
        ).map { try $0.decode("id", as: Int64.self) }
    }

    /// One batch, ended first if it is done.
    ///
    /// - Throws: ``BatchError`` `notFound`.
    public func status(batchID: Int64) async throws -> BatchStatus {
        try await finishIfDone(batchID: batchID)
        guard let row = try await database.query(BatchStatus.select + " WHERE b.id = $1", batchID).first else {
            throw BatchError(kind: .notFound, reason: "no batch \(batchID)")
        }
        return try BatchStatus(row: row)
    }

    /// The latest batches, newest first; of one definition when `name` is given.
    public func list(name: String? = nil, limit: Int = 50) async throws -> [BatchStatus] {
        try await finishAllDone()
        return try await database.query(
            BatchStatus.select + " WHERE ($1::text IS NULL OR b.name = $1) ORDER BY b.id DESC LIMIT $2", name, limit
        ).map(BatchStatus.init(row:))
    }

    /// The report of a batch: what it brought that was not known before it started.
    ///
    /// - Throws: ``BatchError`` `notFound`.
    public func report(batchID: Int64) async throws -> [BatchReportRow] {
        _ = try await status(batchID: batchID)
        return try await database.query(
            """
            SELECT kind, document_id, filename, category, risk, to_char(due_date, 'YYYY-MM-DD') AS due_date, detail
            FROM lector.batch_report WHERE batch_id = $1
            ORDER BY CASE kind WHEN 'failed_document' THEN 0 WHEN 'high_risk_finding' THEN 1 ELSE 2 END,
                     due_date NULLS LAST, filename, category
            """, batchID
        ).map { row in
            BatchReportRow(
                kind: try row.decode("kind"), documentID: try row.decode("document_id", as: Int64?.self),
                filename: try row.decode("filename", as: String?.self), category: try row.decode("category", as: String?.self),
                risk: try row.decode("risk", as: String?.self), dueDate: try row.decode("due_date", as: String?.self),
                detail: try row.decode("detail", as: String?.self))
        }
    }

    // MARK: - Writing a run

    /// Creates a batch started by hand; returns its id.
    func create(_ definition: BatchDefinition) async throws -> Int64 {
        try await database.query(
            """
            INSERT INTO lector.batches (name, tenant, profile, trigger, definition_file, horizon_days,
                                        price_input_per_million, price_output_per_million)
            VALUES ($1, $2, $3, 'manual', $4, $5, $6, $7) RETURNING id
            """,
            definition.name, definition.tenant, definition.profile, definition.file, definition.report.horizonDays,
            definition.price.inputPerMillion, definition.price.outputPerMillion
        ).one().decode("id", as: Int64.self)
    }

    /// The batch of a scheduled tick, created once however many times this is called; whether its
    /// analyses were already enqueued (by an earlier call that finished).
    func createTick(_ definition: BatchDefinition, scheduledFor: Date) async throws -> (id: Int64, alreadyEnqueued: Bool) {
        let row = try await database.query(
            """
            WITH ins AS (
                INSERT INTO lector.batches (name, tenant, profile, scheduled_for, trigger, definition_file, horizon_days,
                                            price_input_per_million, price_output_per_million)
                VALUES ($1, $2, $3, $4, 'schedule', $5, $6, $7, $8)
                ON CONFLICT (name, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING
                RETURNING id, enqueued_at
            )
            SELECT id, enqueued_at FROM ins
            UNION ALL
            SELECT id, enqueued_at FROM lector.batches WHERE name = $1 AND scheduled_for = $4 AND NOT EXISTS (SELECT 1 FROM ins)
            """,
            definition.name, definition.tenant, definition.profile, scheduledFor, definition.file,
            definition.report.horizonDays, definition.price.inputPerMillion, definition.price.outputPerMillion
        ).one()
        return (try row.decode("id"), try row.decode("enqueued_at", as: Date?.self) != nil)
    }

    /// Marks a running batch failed with `reason`.
    func fail(batchID: Int64, reason: String) async throws {
        try await database.query(
            "UPDATE lector.batches SET state = 'failed', finished_at = now(), error = $2 WHERE id = $1 AND state = 'running'",
            batchID, String(reason.prefix(2000)))
    }

    /// Records what a run enqueued, in the run's transaction.
    static func recordEnqueued(
        batchID: Int64, selected: Int, plan: BatchPlan, promptVersion: String, source: BatchSourceRecord,
        on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            UPDATE lector.batches SET selected = $2, deferred = $3, estimated_tokens = $4, estimated_cost_usd = $5,
                prompt_version = $6, source = $7::jsonb, enqueued_at = now()
            WHERE id = $1
            """,
            batchID, selected, plan.deferred.count, Int64(plan.estimatedTokens),
            plan.estimatedCostUSD, promptVersion, try PostgresJSON(encoding: source))
    }

    /// The batch's state (`running`, `completed`, ...), or nil when there is no such batch.
    func state(batchID: Int64) async throws -> String? {
        try await database.query("SELECT state FROM lector.batches WHERE id = $1", batchID).first?.decode("state", as: String.self)
    }
}
