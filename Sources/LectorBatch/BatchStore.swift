import Foundation
import LectorDB

/// A batch run as stored in `lector.batches`, with its live counts from `lector.batch_progress`.
public struct BatchStatus: Sendable, Codable, Equatable {
    public var id: Int64
    public var name: String
    /// `running`, `completed`, `failed`, `cancelled`.
    public var state: String
    public var profile: String?
    public var trigger: String
    public var scheduledFor: Date?
    public var createdAt: Date
    public var enqueuedAt: Date?
    public var finishedAt: Date?
    /// Documents the run took (members), and those left for the next run by a limit.
    public var selected: Int
    public var deferred: Int
    public var done: Int
    public var failed: Int
    public var pending: Int
    public var skipped: Int
    public var tokensIn: Int64
    public var tokensOut: Int64
    public var costUSD: Double
    public var estimatedTokens: Int64
    public var estimatedCostUSD: Double
    /// Why the run itself failed (a source that could not be read).
    public var error: String?
    /// The summary written when the batch ended, as JSON text.
    public var summary: String?

    enum CodingKeys: String, CodingKey {
        case id, name, state, profile, trigger, selected, deferred, done, failed, pending, skipped, error, summary
        case scheduledFor = "scheduled_for", createdAt = "created_at", enqueuedAt = "enqueued_at", finishedAt = "finished_at"
        case tokensIn = "tokens_in", tokensOut = "tokens_out", costUSD = "cost_usd", estimatedTokens = "estimated_tokens"
        case estimatedCostUSD = "estimated_cost_usd"
    }

    /// Whether no member waits for its analysis any more.
    public var isFinished: Bool { state != "running" }

    static let select = """
        SELECT b.id, b.name, b.state, b.profile, b.trigger, b.scheduled_for, b.created_at, b.enqueued_at, b.finished_at,
               b.selected, b.deferred, p.done, p.failed, p.pending, p.skipped, p.tokens_in, p.tokens_out,
               p.cost_usd::float8 AS cost_usd, b.estimated_tokens, b.estimated_cost_usd::float8 AS estimated_cost_usd,
               b.error, b.summary::text AS summary
        FROM lector.batches b JOIN lector.batch_progress p ON p.batch_id = b.id
        """

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        name = try row.decode("name")
        state = try row.decode("state")
        profile = try row.decode("profile", as: String?.self)
        trigger = try row.decode("trigger")
        scheduledFor = try row.decode("scheduled_for", as: Date?.self)
        createdAt = try row.decode("created_at")
        enqueuedAt = try row.decode("enqueued_at", as: Date?.self)
        finishedAt = try row.decode("finished_at", as: Date?.self)
        selected = try row.decode("selected")
        deferred = try row.decode("deferred")
        done = try row.decode("done")
        failed = try row.decode("failed")
        pending = try row.decode("pending")
        skipped = try row.decode("skipped")
        tokensIn = try row.decode("tokens_in")
        tokensOut = try row.decode("tokens_out")
        costUSD = try row.decode("cost_usd")
        estimatedTokens = try row.decode("estimated_tokens")
        estimatedCostUSD = try row.decode("estimated_cost_usd")
        error = try row.decode("error", as: String?.self)
        summary = try row.decode("summary", as: String?.self)
    }
}

/// One line of a batch's report (`lector.batch_report`): a new high-risk finding, a new deadline within
/// the horizon, or a document that failed.
public struct BatchReportRow: Sendable, Codable, Equatable {
    /// `high_risk_finding`, `deadline`, `failed_document`.
    public var kind: String
    public var documentID: Int64?
    public var filename: String?
    /// The finding's category, or the deadline's kind (`expiration`, `notice`).
    public var category: String?
    public var risk: String?
    /// ISO date (yyyy-mm-dd) of a deadline.
    public var dueDate: String?
    /// The risk rationale, the deadline's detail, or the failure's reason.
    public var detail: String?

    enum CodingKeys: String, CodingKey {
        case kind, filename, category, risk, detail
        case documentID = "document_id", dueDate = "due_date"
    }

    /// The CSV columns, in order.
    public static let csvHeader = ["kind", "document_id", "filename", "category", "risk", "due_date", "detail"]

    public var csvFields: [String] {
        [kind, documentID.map(String.init) ?? "", filename ?? "", category ?? "", risk ?? "", dueDate ?? "", detail ?? ""]
    }
}

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
