import Foundation
import LectorDB
import LectorQueue
import LectorTestSupport
import Testing

@Suite("Cron schedules and ticks")
struct CronTests {
    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func parsesAndFindsTicks() throws {
        let weekdays = try CronSchedule("*/15 9-17 * * mon-fri", timeZone: "Europe/Paris")
        // Saturday 2026-11-28 12:00 UTC: the next tick is Monday 09:00 Paris (08:00 UTC).
        #expect(weekdays.nextTick(after: date("2026-11-28T12:00:00Z")) == date("2026-11-30T08:00:00Z"))
        #expect(weekdays.nextTick(after: date("2026-11-30T08:00:00Z")) == date("2026-11-30T08:15:00Z"))
        #expect(weekdays.previousTick(atOrBefore: date("2026-11-30T08:14:59Z")) == date("2026-11-30T08:00:00Z"))
        #expect(weekdays.previousTick(atOrBefore: date("2026-11-30T07:59:00Z")) == date("2026-11-27T16:45:00Z"))
        let nightly = try CronSchedule("30 2 * * *", timeZone: "America/New_York")
        #expect(nightly.nextTick(after: date("2026-07-01T00:00:00Z")) == date("2026-07-01T06:30:00Z"))
        #expect(nightly.nextTick(after: date("2026-12-01T00:00:00Z")) == date("2026-12-01T07:30:00Z"))
        // Day-of-month or day-of-week, as cron does when both are given.
        let either = try CronSchedule("0 0 1 * sun")
        #expect(either.nextTick(after: date("2026-11-28T00:00:00Z")) == date("2026-11-29T00:00:00Z"))
        #expect(either.nextTick(after: date("2026-11-29T00:00:00Z")) == date("2026-12-01T00:00:00Z"))
        #expect(try CronSchedule("@hourly").nextTick(after: date("2026-11-28T10:59:00Z")) == date("2026-11-28T11:00:00Z"))
        #expect(try CronSchedule("0 0 31 2 *").nextTick(after: date("2026-01-01T00:00:00Z")) == nil)
        for bad in ["* * * *", "61 * * * *", "* * * * mon-xyz", "*/0 * * * *", "5-1 * * * *"] {
            #expect(throws: QueueError.self) { try CronSchedule(bad) }
        }
        #expect(throws: QueueError.self) { try CronSchedule("* * * * *", timeZone: "Mars/Olympus") }
    }

    @Test func threeSchedulersEnqueueEachTickOnceAndCatchUpOnce() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            let every = CronJob(
                name: "every-minute", schedule: try CronSchedule("* * * * *"),
                job: NewJob(queue: "cron", kind: "tick", args: PostgresJSON(text: "{\"source\": \"test\"}")))
            let schedulers = (0..<3).map { _ in
                CronScheduler(queue: queue, jobs: [every], logger: QueueTestDatabase.logger)
            }
            let start = date("2026-11-28T10:00:00Z")
            // Ten minutes of ticks, each seen by all three schedulers at once, at slightly different
            // instants within the minute, and twice by each.
            for minute in 0..<10 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (i, scheduler) in schedulers.enumerated() {
                        for seen in 0..<2 {
                            let now = start.addingTimeInterval(Double(minute * 60 + i * 7 + seen * 20))
                            group.addTask { try await scheduler.enqueueDue(at: now) }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE kind = 'tick'") == 10)
            #expect(try await client.scalar("SELECT count(DISTINCT args->>'scheduled_for') FROM lector.jobs") == 10)
            #expect(try await client.scalar("SELECT count(*) FROM lector.cron_ticks WHERE job_id IS NOT NULL") == 10)
            // A tick whose job already ran (and was pruned) is still not enqueued again.
            try await client.query("DELETE FROM lector.jobs")
            #expect(try await schedulers[0].enqueueDue(at: start.addingTimeInterval(9 * 60 + 30)).isEmpty)
            // After fifty minutes of downtime, one catch-up tick, not fifty.
            let resumed = start.addingTimeInterval(60 * 60 + 5)
            let caughtUp = try await withThrowingTaskGroup(of: [CronTick].self) { group in
                for scheduler in schedulers { group.addTask { try await scheduler.enqueueDue(at: resumed) } }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(caughtUp.map(\.scheduledAt) == [date("2026-11-28T11:00:00Z")])
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE kind = 'tick'") == 1)
        }
    }

    @Test func threeRunningSchedulersEnqueueTheNextRealTickOnce() async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            let every = CronJob(
                name: "real-minute", schedule: try CronSchedule("* * * * *"), job: NewJob(queue: "cron", kind: "tick"))
            let started = Date()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    let scheduler = CronScheduler(queue: queue, jobs: [every], logger: QueueTestDatabase.logger)
                    group.addTask { try await scheduler.run() }
                }
                // The minute boundary after the start: up to a minute of real time.
                let ticked = try await eventually(90) {
                    try await client.scalar(
                        "SELECT count(*) FROM lector.cron_ticks WHERE scheduled_at > $1", [started]) >= 1
                }
                #expect(ticked)
                group.cancelAll()
                try await group.waitForAll()
            }
            // The catch-up tick from start-up and the live tick: one job each, whatever the three did.
            let ticks = try await client.scalar("SELECT count(*) FROM lector.cron_ticks")
            #expect(ticks == 2)
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE kind = 'tick'") == ticks)
            #expect(try await client.scalar("SELECT count(DISTINCT args->>'scheduled_for') FROM lector.jobs") == ticks)
        }
    }

    /// Paris 2026: clocks go from 02:00 to 03:00 on 29 March (01:00 UTC) and from 03:00 back to 02:00 on
    /// 25 October (01:00 UTC).
    @Test func daylightSavingTransitionsRunAFixedTimeTickOnce() throws {
        let nightly = try CronSchedule("30 2 * * *", timeZone: "Europe/Paris")
        // Spring: 02:30 does not exist; the tick runs once, at the change (03:00 CEST).
        #expect(nightly.nextTick(after: date("2026-03-28T12:00:00Z")) == date("2026-03-29T01:00:00Z"))
        #expect(nightly.nextTick(after: date("2026-03-29T01:00:00Z")) == date("2026-03-30T00:30:00Z"))
        #expect(nightly.previousTick(atOrBefore: date("2026-03-29T05:00:00Z")) == date("2026-03-29T01:00:00Z"))
        #expect(nightly.previousTick(atOrBefore: date("2026-03-29T00:59:00Z")) == date("2026-03-28T01:30:00Z"))
        // Autumn: 02:30 happens twice; the tick runs the first time only (02:30 CEST = 00:30 UTC).
        #expect(nightly.nextTick(after: date("2026-10-24T12:00:00Z")) == date("2026-10-25T00:30:00Z"))
        #expect(nightly.nextTick(after: date("2026-10-25T00:30:00Z")) == date("2026-10-26T01:30:00Z"))
        #expect(nightly.previousTick(atOrBefore: date("2026-10-25T01:45:00Z")) == date("2026-10-25T00:30:00Z"))
        // A schedule for every hour follows the clock: both passes of the repeated 02:00 run.
        let hourly = try CronSchedule("0 * * * *", timeZone: "Europe/Paris")
        #expect(hourly.nextTick(after: date("2026-10-25T00:30:00Z")) == date("2026-10-25T01:00:00Z"))
        #expect(hourly.nextTick(after: date("2026-03-29T00:30:00Z")) == date("2026-03-29T01:00:00Z"))
        #expect(hourly.nextTick(after: date("2026-03-29T01:00:00Z")) == date("2026-03-29T02:00:00Z"))
    }

    @Test(arguments: [
        ("2026-03-28T22:00:00Z", "2026-03-29T01:00:00Z"),  // spring forward
        ("2026-10-24T22:00:00Z", "2026-10-25T00:30:00Z"),  // fall back
    ])
    func threeSchedulersEnqueueATickOnceAcrossATransition(start: String, tick: String) async throws {
        try await QueueTestDatabase.with { client, queue, _ in
            let nightly = CronJob(
                name: "nightly-paris", schedule: try CronSchedule("30 2 * * *", timeZone: "Europe/Paris"),
                job: NewJob(queue: "cron", kind: "tick"))
            let schedulers = (0..<3).map { _ in CronScheduler(queue: queue, jobs: [nightly], logger: QueueTestDatabase.logger) }
            // Five hours around the change, seen every five minutes by all three schedulers at once.
            for step in 0..<60 {
                let now = date(start).addingTimeInterval(Double(step * 300))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for scheduler in schedulers { group.addTask { try await scheduler.enqueueDue(at: now) } }
                    try await group.waitForAll()
                }
            }
            // The first look enqueues the previous night's tick (caught up once); then the night's, once.
            let ticks = try await client.query("SELECT scheduled_at FROM lector.cron_ticks ORDER BY scheduled_at")
                .map { try $0.decode("scheduled_at", as: Date.self) }
            #expect(ticks.count == 2)
            #expect(ticks.last == date(tick))
            #expect(try await client.scalar("SELECT count(*) FROM lector.jobs WHERE kind = 'tick'") == 2)
        }
    }
}
