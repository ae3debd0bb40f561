import Foundation
import LectorDB
import Logging
import ServiceLifecycle

/// A job enqueued on a cron schedule.
public struct CronJob: Sendable {
    /// Unique among schedules; part of every tick's key.
    public var name: String
    public var schedule: CronSchedule
    /// The job each tick enqueues; its unique key is replaced by the tick's, and `scheduled_for` (the
    /// tick, ISO 8601) is added to its arguments.
    public var job: NewJob

    public init(name: String, schedule: CronSchedule, job: NewJob) {
        self.name = name
        self.schedule = schedule
        self.job = job
    }
}

/// One tick a scheduler enqueued.
public struct CronTick: Sendable, Equatable {
    public var name: String
    public var scheduledAt: Date
    public var jobID: Int64
}

/// Enqueues cron ticks. Any number of schedulers may run the same schedules: a tick is recorded in
/// `lector.cron_ticks` under (name, instant) in the transaction that enqueues its job, so it is enqueued
/// exactly once. After downtime only the latest missed tick is enqueued (caught up once, never a storm).
public final class CronScheduler: Service, Sendable {
    public let queue: JobQueue
    public let jobs: [CronJob]
    let logger: Logger
    let now: @Sendable () -> Date

    public init(queue: JobQueue, jobs: [CronJob], logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.queue = queue
        self.jobs = jobs
        self.logger = logger
        self.now = now
    }

    /// For each schedule, enqueues its latest tick at or before `date` unless some scheduler already did.
    /// Returns the ticks this call enqueued.
    @discardableResult
    public func enqueueDue(at date: Date) async throws -> [CronTick] {
        var enqueued: [CronTick] = []
        for cron in jobs {
            guard let tick = cron.schedule.previousTick(atOrBefore: date) else { continue }
            if let id = try await enqueue(cron, tick: tick) {
                enqueued.append(CronTick(name: cron.name, scheduledAt: tick, jobID: id))
            }
        }
        return enqueued
    }

    private func enqueue(_ cron: CronJob, tick: Date) async throws -> Int64? {
        let instant = ISO8601DateFormatter().string(from: tick)
        return try await queue.client.withTransaction { connection in
            // The primary key makes a concurrent scheduler wait here, then skip once this commits.
            let claimed = try await connection.query(
                "INSERT INTO lector.cron_ticks (name, scheduled_at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING name",
                [cron.name, tick])
            guard !claimed.isEmpty else { return nil }
            var job = cron.job
            job.uniqueKey = "cron:\(cron.name):\(instant)"
            let merged = try await connection.query(
                "SELECT ($1::jsonb || jsonb_build_object('scheduled_for', $2::text))::text AS args", [job.args, instant])
            job.args = PostgresJSON(text: try merged.one().decode("args", as: String.self))
            let result = try await queue.enqueue(job, on: connection)
            try await connection.query(
                "UPDATE lector.cron_ticks SET job_id = $3 WHERE name = $1 AND scheduled_at = $2", [cron.name, tick, result.id])
            logger.info("enqueued cron tick", metadata: ["cron.name": "\(cron.name)", "cron.tick": "\(instant)", "job.id": "\(result.id)"])
            return result.id
        }
    }

    /// Enqueues due ticks, then sleeps until the next one, until graceful shutdown.
    public func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            let current = now()
            do {
                try await enqueueDue(at: current)
            } catch {
                logger.warning("enqueueing cron ticks failed", metadata: ["error": "\(error)"])
            }
            let next = jobs.compactMap { $0.schedule.nextTick(after: current) }.min() ?? current.addingTimeInterval(60)
            // Never sleep long: a clock jump or a failed enqueue is picked up within a minute.
            let wait = max(0.05, min(next.timeIntervalSince(now()), 60))
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(wait)) }
            } catch {
                return
            }
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
