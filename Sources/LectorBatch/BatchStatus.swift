import Foundation
import LectorDB
import LectorEngine

/// A batch run as stored in `lector.batches`, with its live counts from `lector.batch_progress`.
public struct BatchStatus: Sendable, Encodable, Equatable {
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
    /// The summary written when the batch ended, as JSON text (an object when encoded).
    public var summary: String?

    enum CodingKeys: String, CodingKey {
        case id, name, state, profile, trigger, selected, deferred, done, failed, pending, skipped, error, summary
        case scheduledFor = "scheduled_for", createdAt = "created_at", enqueuedAt = "enqueued_at", finishedAt = "finished_at"
        case tokensIn = "tokens_in", tokensOut = "tokens_out", costUSD = "cost_usd", estimatedTokens = "estimated_tokens"
        case estimatedCostUSD = "estimated_cost_usd"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(state, forKey: .state)
        try container.encode(profile, forKey: .profile)
        try container.encode(trigger, forKey: .trigger)
        try container.encode(scheduledFor, forKey: .scheduledFor)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(enqueuedAt, forKey: .enqueuedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(selected, forKey: .selected)
        try container.encode(deferred, forKey: .deferred)
        try container.encode(done, forKey: .done)
        try container.encode(failed, forKey: .failed)
        try container.encode(pending, forKey: .pending)
        try container.encode(skipped, forKey: .skipped)
        try container.encode(tokensIn, forKey: .tokensIn)
        try container.encode(tokensOut, forKey: .tokensOut)
        try container.encode(costUSD, forKey: .costUSD)
        try container.encode(estimatedTokens, forKey: .estimatedTokens)
        try container.encode(estimatedCostUSD, forKey: .estimatedCostUSD)
        try container.encode(error, forKey: .error)
        // The summary is JSON already: nested as an object, not as a string of JSON.
        let summaryObject = try summary.map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        try container.encode(summaryObject, forKey: .summary)
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
