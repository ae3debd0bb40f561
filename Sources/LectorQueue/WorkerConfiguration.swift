import Foundation

/// How a ``Worker`` runs.
public struct WorkerConfiguration: Sendable {
    /// The queue it claims from.
    public var queue: String
    /// Jobs run at once; claims ask for as many jobs as free slots.
    public var concurrency: Int
    /// How long a claim or heartbeat keeps a job leased; a dead worker's jobs return after this.
    public var leaseSeconds: Double
    /// How often the worker renews its running jobs' leases (one statement for all).
    public var heartbeatSeconds: Double
    /// How often the worker requeues jobs whose lease expired (any worker's).
    public var rescueSeconds: Double
    /// The fallback poll when no notification arrives.
    public var pollSeconds: Double
    /// On graceful shutdown, how long running jobs may take before they are cancelled and released.
    public var shutdownGraceSeconds: Double
    public var retryPolicy: RetryPolicy
    /// When set, completed and cancelled jobs older than this many seconds are deleted on each rescue
    /// round (failed jobs are kept, without passwords); see ``JobQueue/pruneFinished(olderThan:batchSize:)``.
    public var pruneAfterSeconds: Double?
    /// Identifies this process in `lector.jobs.worker_id`.
    public var workerID: String

    public init(
        queue: String = "default", concurrency: Int = 10, leaseSeconds: Double = 30, heartbeatSeconds: Double? = nil,
        rescueSeconds: Double = 15, pollSeconds: Double = 1, shutdownGraceSeconds: Double = 30,
        retryPolicy: RetryPolicy = RetryPolicy(), pruneAfterSeconds: Double? = nil,
        workerID: String = WorkerConfiguration.defaultWorkerID()
    ) {
        precondition(concurrency > 0 && leaseSeconds > 0)
        self.queue = queue
        self.concurrency = concurrency
        self.leaseSeconds = leaseSeconds
        self.heartbeatSeconds = heartbeatSeconds ?? leaseSeconds / 3
        self.rescueSeconds = rescueSeconds
        self.pollSeconds = pollSeconds
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.retryPolicy = retryPolicy
        self.pruneAfterSeconds = pruneAfterSeconds
        self.workerID = workerID
    }

    /// `host-pid-random`: unique per process, readable in `lector status` and `pg_stat_activity`.
    public static func defaultWorkerID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }
}
