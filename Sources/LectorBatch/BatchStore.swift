import Foundation
import LectorDB

/// Reads batches and ends them: status, listings, reports.
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
}
