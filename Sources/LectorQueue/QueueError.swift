import LectorCore

/// A queue operation that could not be done, with a stable code.
public struct QueueError: LectorError, Equatable {
    public enum Kind: String, Sendable {
        /// The job's lease token no longer matches: the lease expired and the job was rescued, it was
        /// cancelled, or it was already finished. Nothing the caller wrote was committed.
        case lostLease = "lost_lease"
        /// No job with that id.
        case notFound = "not_found"
        /// The job is in a state that does not allow the operation (retrying a completed job).
        case invalidState = "invalid_state"
        /// Retrying would make a second live job with the same unique key.
        case duplicateUniqueKey = "duplicate_unique_key"
        /// A cron expression or time zone that cannot be used.
        case invalidSchedule = "invalid_schedule"
    }

    public var kind: Kind
    public var jobID: Int64?
    /// What is wrong, without job arguments.
    public var message: String

    public init(kind: Kind, jobID: Int64? = nil, message: String) {
        self.kind = kind
        self.jobID = jobID
        self.message = message
    }

    public var code: String { "queue.\(kind.rawValue)" }
    public var description: String { jobID.map { "job \($0): \(message)" } ?? message }

    /// The error for a completion, failure or release whose lease no longer matches.
    public static func lostLease(_ id: Int64) -> QueueError {
        QueueError(kind: .lostLease, jobID: id, message: "the lease was lost; nothing was committed")
    }
}
