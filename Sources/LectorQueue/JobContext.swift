import LectorDB
import Logging
import Synchronization

/// Runs one job of a kind; registered in ``JobHandlers``.
///
/// Returning means success: the worker completes the job (batched with others) unless the handler
/// completed it itself with ``JobContext/complete(_:)``. Throwing a ``JobFailure`` classifies the
/// failure; any other error counts as retryable. On graceful shutdown past the grace period the
/// handler's task is cancelled and the job is released without using an attempt.
public typealias JobHandler = @Sendable (JobContext) async throws -> Void

/// The handlers a worker runs, by job kind.
public struct JobHandlers: Sendable {
    var handlers: [String: JobHandler] = [:]

    public init() {}

    /// Registers `handler` for jobs of `kind`, replacing any earlier one.
    public mutating func register(_ kind: String, _ handler: @escaping JobHandler) {
        handlers[kind] = handler
    }

    /// The kinds with a handler.
    public var kinds: [String] { handlers.keys.sorted() }

    subscript(kind: String) -> JobHandler? { handlers[kind] }
}

/// What a handler gets: the claimed job, and fenced completion for its own writes.
public struct JobContext: Sendable {
    /// The claimed job (its `leaseToken` is set).
    public let job: Job
    public let queue: JobQueue
    /// A logger with `job.id`, `job.kind` and `job.attempt` metadata.
    public let logger: Logger
    let outcome: OutcomeBox

    init(job: Job, queue: JobQueue, logger: Logger) {
        self.job = job
        self.queue = queue
        var logger = logger
        logger[metadataKey: "job.id"] = "\(job.id)"
        logger[metadataKey: "job.kind"] = "\(job.kind)"
        logger[metadataKey: "job.attempt"] = "\(job.attempt)"
        self.logger = logger
        self.outcome = OutcomeBox()
    }

    /// Fenced completion: runs `writes` and completes the job in one transaction that commits only if
    /// this worker still holds the lease.
    ///
    /// - Throws: ``QueueError`` `lostLease` when the lease was lost (nothing is committed; let it
    ///   propagate); whatever `writes` throws, after rolling back.
    @discardableResult
    public func complete<T: Sendable>(_ writes: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            let value = try await queue.complete(job.lease, writes)
            outcome.set(.completed)
            return value
        } catch let error as QueueError where error.kind == .lostLease {
            outcome.set(.lostLease)
            throw error
        }
    }
}

/// Whether a handler settled its job itself.
final class OutcomeBox: Sendable {
    enum Outcome: Sendable { case none, completed, lostLease }
    private let value = Mutex(Outcome.none)
    func set(_ outcome: Outcome) { value.withLock { $0 = outcome } }
    var current: Outcome { value.withLock { $0 } }
}
