import ArgumentParser
import Foundation
import LectorCore
import LectorDB
import LectorQueue
import Logging

/// `lector-bench queue PHASE`: the Lector side of `Benchmarks/run queue`. Hidden; prints one JSON object.
/// Uses the database it is given as scratch: it empties `lector.jobs`.
struct QueueBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Measure the queue (enqueue, process, claims); empties lector.jobs of the database it runs in.")

    enum Phase: String, ExpressibleByArgument, CaseIterable { case enqueue, process, claims }

    @OptionGroup var bench: BenchOptions
    @Argument(help: "enqueue: bulk COPY rows/s; process: no-op jobs/s through the worker; claims: claim latency.")
    var phase: Phase
    @Option(help: "Jobs (or rows) to use.") var jobs = 100_000
    @Option(help: "Worker concurrency (process) or claimers (claims).") var concurrency = 64
    @Option(help: "Worker runtimes in this process (process), as several worker processes would run.") var workers = 1
    @Option(help: "Completed rows kept in the table (claims).") var retained = 1_000_000
    @Option(help: "Jobs per claim (claims).") var batch = 10
    @Option(help: "Write the enqueued rows as COPY text to this file (enqueue), for the raw COPY peer.")
    var tsv: String?

    func run() async throws {
        let logger = bench.makeLogger()
        do {
            try await bench.withDatabase(logger: logger, maxConnections: workers * 4 + concurrency + 4) { client in
                let queue = JobQueue(client: client, logger: logger)
                switch phase {
                case .enqueue: try await enqueue(client, queue)
                case .process: try await process(client, queue, logger: logger)
                case .claims: try await claims(client, queue)
                }
            }
        }
    }

    func newJobs(_ count: Int) -> [NewJob] {
        (0..<count).map { NewJob(queue: "bench", kind: "noop", args: PostgresJSON(text: "{\"n\": \($0)}")) }
    }

    func enqueue(_ client: PostgresClient, _ queue: JobQueue) async throws {
        try await client.query("TRUNCATE lector.jobs CASCADE")
        try await client.query("CHECKPOINT")
        let start = ContinuousClock.now
        let rows = newJobs(jobs)
        let inserted = try await queue.copyEnqueue(rows)
        let seconds = (ContinuousClock.now - start).secondsValue
        if let tsv {
            // The same rows, columns and values as COPY text, for psql's \copy.
            var text = ""
            let now = "now"
            for job in rows {
                text += "\(job.queue)\t\(job.kind)\t\(job.args.text)\t\(job.priority)\t\(now)\t\(job.maxAttempts)\t\(job.tenant)\t\\N\tavailable\n"
            }
            try text.write(toFile: tsv, atomically: true, encoding: .utf8)
        }
        try await client.query("TRUNCATE lector.jobs CASCADE")
        printJSON(["rows": inserted, "seconds": seconds, "rows_per_s": Double(inserted) / seconds])
    }

    func process(_ client: PostgresClient, _ queue: JobQueue, logger: Logger) async throws {
        try await client.query("TRUNCATE lector.jobs CASCADE")
        let enqueueStart = ContinuousClock.now
        try await queue.copyEnqueue(newJobs(jobs))
        let enqueueSeconds = (ContinuousClock.now - enqueueStart).secondsValue
        try await client.query("VACUUM ANALYZE lector.jobs")
        var handlers = JobHandlers()
        handlers.register("noop") { _ in }
        let runtimes = (0..<workers).map { _ in
            Worker(
                queue: queue, handlers: handlers,
                configuration: WorkerConfiguration(queue: "bench", concurrency: concurrency), logger: logger)
        }
        let start = ContinuousClock.now
        let seconds = try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in runtimes { group.addTask { try await worker.run() } }
            while try await client.query(
                """
                SELECT 1 FROM lector.jobs WHERE queue = 'bench'
                  AND state IN ('available', 'scheduled', 'retryable', 'running') LIMIT 1
                """
            ).count > 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            let seconds = (ContinuousClock.now - start).secondsValue
            for worker in runtimes { worker.shutdown() }
            try await group.waitForAll()
            return seconds
        }
        let completed = try await client.query("SELECT count(*) AS n FROM lector.jobs WHERE state = 'completed'").one()
            .decode("n", as: Int.self)
        printJSON([
            "jobs": completed, "seconds": seconds, "jobs_per_s": Double(completed) / seconds,
            "end_to_end_jobs_per_s": Double(completed) / (seconds + enqueueSeconds),
        ])
    }

    func claims(_ client: PostgresClient, _ queue: JobQueue) async throws {
        try await client.query("TRUNCATE lector.jobs CASCADE")
        try await client.query(
            """
            INSERT INTO lector.jobs (queue, kind, args, state, attempt, attempted_at, finished_at, created_at)
            SELECT 'bench', 'noop', jsonb_build_object('n', g), 'completed', 1, now(), now(), now()
            FROM generate_series(1, $1::bigint) AS g
            """, [retained])
        try await queue.copyEnqueue(newJobs(jobs))
        // What autovacuum does after a bulk load; without statistics the planner guesses.
        try await client.query("VACUUM ANALYZE lector.jobs")
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for i in 0..<concurrency {
                group.addTask {
                    var samples: [Double] = []
                    while true {
                        let start = ContinuousClock.now
                        let claimed = try await queue.claim(
                            queue: "bench", limit: batch, workerID: "bench-\(i)", leaseSeconds: 30)
                        samples.append((ContinuousClock.now - start).secondsValue * 1000)
                        if claimed.isEmpty { return samples }
                        _ = try await queue.complete(claimed.map(\.lease))
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }.sorted()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        let retainedNow = try await client.query("SELECT count(*) AS n FROM lector.jobs WHERE state = 'completed'").one()
            .decode("n", as: Int.self)
        printJSON([
            "claims": latencies.count, "p50_ms": percentile(0.5), "p99_ms": percentile(0.99),
            "max_ms": latencies.last ?? 0, "completed_rows": retainedNow,
        ])
    }
}
