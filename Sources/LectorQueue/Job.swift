import Foundation
import LectorDB

/// The states of a job (the `lector.job_state` enum).
public enum JobState: String, Sendable, CaseIterable, Codable {
    /// Ready to run now.
    case available
    /// Waiting for its `run_at`.
    case scheduled
    /// Claimed by a worker that holds its lease.
    case running
    /// Failed an attempt and waits for its backoff to pass.
    case retryable
    case completed
    /// Dead letter: a permanent failure or every attempt used.
    case failed
    case cancelled

    /// Whether the job is finished (no worker will run it again).
    public var isFinal: Bool { self == .completed || self == .failed || self == .cancelled }
}

/// A job to enqueue.
public struct NewJob: Sendable {
    /// The queue it goes to; workers claim from one queue each.
    public var queue: String
    /// The kind selects the handler that runs it.
    public var kind: String
    /// The handler's arguments, as JSON.
    public var args: PostgresJSON
    /// Higher runs first.
    public var priority: Int
    /// Not before this instant; nil means now.
    public var runAt: Date?
    /// Attempts before the job ends in `failed`.
    public var maxAttempts: Int
    /// At most one live (not completed, failed or cancelled) job per key; enqueueing a duplicate returns
    /// the existing job.
    public var uniqueKey: String?
    public var tenant: String
    public var batchID: Int64?

    public init(
        queue: String = "default", kind: String, args: PostgresJSON = PostgresJSON(text: "{}"), priority: Int = 0,
        runAt: Date? = nil, maxAttempts: Int = 5, uniqueKey: String? = nil, tenant: String = "default",
        batchID: Int64? = nil
    ) {
        self.queue = queue
        self.kind = kind
        self.args = args
        self.priority = priority
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.uniqueKey = uniqueKey
        self.tenant = tenant
        self.batchID = batchID
    }
}

/// A job as stored; a claimed job carries the lease token that fences its completion.
public struct Job: Sendable, Identifiable {
    public var id: Int64
    public var queue: String
    public var kind: String
    public var args: PostgresJSON
    public var state: JobState
    public var priority: Int
    /// The current attempt, counting from 1 once claimed.
    public var attempt: Int
    public var maxAttempts: Int
    public var uniqueKey: String?
    public var tenant: String
    public var batchID: Int64?
    public var runAt: Date
    /// Set while the job runs: the proof a worker still owns it.
    public var leaseToken: UUID?
    public var leaseExpiresAt: Date?
    public var workerID: String?
    public var createdAt: Date
    /// When the current or last attempt started; nil before the first claim.
    public var attemptedAt: Date?
    /// When the job completed, failed for good or was cancelled.
    public var finishedAt: Date?

    /// The lease of a claimed job; a precondition failure for a job that is not claimed.
    public var lease: JobLease {
        guard let leaseToken else { preconditionFailure("job \(id) is not claimed") }
        return JobLease(jobID: id, token: leaseToken)
    }

    /// The columns ``init(row:)`` reads, for SELECT and RETURNING lists.
    static let columns = """
        id, queue, kind, args, state::text AS state, priority, attempt, max_attempts, unique_key, tenant, batch_id, \
        run_at, lease_token, lease_expires_at, worker_id, created_at, attempted_at, finished_at
        """

    init(row: PostgresRow) throws {
        id = try row.decode("id", as: Int64.self)
        queue = try row.decode("queue", as: String.self)
        kind = try row.decode("kind", as: String.self)
        args = try row.decode("args", as: PostgresJSON.self)
        let stateText = try row.decode("state", as: String.self)
        guard let state = JobState(rawValue: stateText) else {
            throw DatabaseError(kind: .decoding, message: "unknown job state \(stateText)")
        }
        self.state = state
        priority = try row.decode("priority", as: Int.self)
        attempt = try row.decode("attempt", as: Int.self)
        maxAttempts = try row.decode("max_attempts", as: Int.self)
        uniqueKey = try row.decode("unique_key", as: String?.self)
        tenant = try row.decode("tenant", as: String.self)
        batchID = try row.decode("batch_id", as: Int64?.self)
        runAt = try row.decode("run_at", as: Date.self)
        leaseToken = try row.decode("lease_token", as: UUID?.self)
        leaseExpiresAt = try row.decode("lease_expires_at", as: Date?.self)
        workerID = try row.decode("worker_id", as: String?.self)
        createdAt = try row.decode("created_at", as: Date.self)
        attemptedAt = try row.decode("attempted_at", as: Date?.self)
        finishedAt = try row.decode("finished_at", as: Date?.self)
    }
}

/// A claimed job's identity and lease token: what completion, failure, release and heartbeats present.
public struct JobLease: Sendable, Hashable {
    public var jobID: Int64
    public var token: UUID

    public init(jobID: Int64, token: UUID) {
        self.jobID = jobID
        self.token = token
    }
}

/// What enqueueing one job did.
public struct EnqueueResult: Sendable, Equatable {
    /// The new job, or the live job that already had the unique key.
    public var id: Int64
    /// False when a live job with the same unique key existed and was returned instead.
    public var inserted: Bool
}

/// One failed attempt in a job's error history (`lector.jobs.errors`).
public struct JobAttemptError: Sendable, Codable, Equatable {
    public var attempt: Int
    public var at: String
    /// `permanent`, `retryable`, `rate_limited`, `lease_expired`.
    public var `class`: String
    public var error: String
}
