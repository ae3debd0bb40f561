import Foundation
import LectorCore
import Logging
import Metrics
import ServiceLifecycle

/// Refreshes the queue gauges from the database every `interval` until graceful shutdown.
///
/// Metrics: `lector_queue_depth{queue,state}` (jobs per queue and state; states that emptied are set
/// to 0 rather than left at their last value) and `lector_queue_oldest_age_seconds{queue}` (how long the
/// oldest due job of a queue has waited; 0 when none waits). Any number of processes may run one: the
/// values are the database's, not this process's.
public struct QueueMetrics: Service {
    let queue: JobQueue
    let interval: Duration
    let logger: Logger
    /// Queues reported even while they have no jobs at all (their gauges read 0, not absent).
    let queues: Set<String>

    /// - Parameter queues: queues to report even when empty (a worker's own queue).
    public init(queue: JobQueue, interval: Duration = .seconds(15), queues: Set<String> = ["default"], logger: Logger) {
        self.queue = queue
        self.interval = interval
        self.queues = queues
        self.logger = logger
    }

    public func run() async throws {
        // Graceful shutdown cancels the wait between refreshes: a shutting-down process should not
        // linger for up to one interval.
        try await cancelWhenGracefulShutdown {
            var seen: Set<[String]> = []
            var seenQueues: Set<String> = []
            while !Task.isCancelled {
                do {
                    (seen, seenQueues) = try await refresh(previous: seen, previousQueues: seenQueues)
                } catch {
                    // A database outage shows in /readyz; the gauges keep their last values meanwhile.
                    logger.debug("queue metrics refresh failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Reads the counts once and sets the gauges; returns the (queue, state) pairs and queues it set.
    @discardableResult
    public func refresh(previous: Set<[String]> = [], previousQueues: Set<String> = []) async throws
        -> (Set<[String]>, Set<String>)
    {
        let statistics = try await queue.statistics(recentFailures: 0)
        var current: Set<[String]> = []
        var oldest: [String: Double] = [:]
        for row in statistics.rows {
            current.insert([row.queue, row.state.rawValue])
            Gauge(label: MetricName.queueDepth, dimensions: [("queue", row.queue), ("state", row.state.rawValue)])
                .record(row.count)
            if let age = row.oldestDueSeconds { oldest[row.queue] = max(oldest[row.queue] ?? 0, age) }
        }
        for gone in previous.subtracting(current) {
            Gauge(label: MetricName.queueDepth, dimensions: [("queue", gone[0]), ("state", gone[1])]).record(0)
        }
        let queues = Set(statistics.rows.map(\.queue)).union(previousQueues).union(self.queues)
        for name in self.queues where !statistics.rows.contains(where: { $0.queue == name }) {
            Gauge(label: MetricName.queueDepth, dimensions: [("queue", name), ("state", JobState.available.rawValue)]).record(0)
        }
        for name in queues {
            Gauge(label: MetricName.queueOldestAge, dimensions: [("queue", name)]).record(oldest[name] ?? 0)
        }
        return (current, queues)
    }
}
