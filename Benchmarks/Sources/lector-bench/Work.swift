import ArgumentParser
import Foundation
import LectorDB
import LectorQueue
import Logging
import ServiceLifecycle
import UnixSignals

/// `lector-bench work`: a worker with built-in test handlers, for the queue's crash tests and benchmark.
/// Not in `lector`: the real worker (`lector worker`) runs the analysis handler.
struct Work: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "Run a queue worker with test handlers (noop, sleep, record) until SIGTERM/SIGINT.")

    @OptionGroup var bench: BenchOptions
    @Option(help: "The queue to claim from.") var queue = "default"
    @Option(help: "Jobs run at once.") var concurrency = 10
    @Option(help: "Lease length in seconds.") var leaseSeconds = 30.0
    @Option(help: "Heartbeat interval in seconds (default: a third of the lease).") var heartbeatSeconds: Double?
    @Option(help: "Rescue interval in seconds.") var rescueSeconds = 15.0
    @Option(help: "Grace period for running jobs on shutdown, in seconds.") var graceSeconds = 30.0
    @Option(help: "This worker's id (default: host-pid-random).") var workerID: String?

    func run() async throws {
        let logger = bench.makeLogger()
        do {
            try await bench.withDatabase(logger: logger, maxConnections: 4) { client in
                let jobQueue = JobQueue(client: client, logger: logger)
                let worker = Worker(
                    queue: jobQueue, handlers: Self.testHandlers(workerID: workerID ?? "lector"),
                    configuration: WorkerConfiguration(
                        queue: queue, concurrency: concurrency, leaseSeconds: leaseSeconds,
                        heartbeatSeconds: heartbeatSeconds, rescueSeconds: rescueSeconds,
                        shutdownGraceSeconds: graceSeconds, workerID: workerID ?? WorkerConfiguration.defaultWorkerID()),
                    logger: logger)
                let group = ServiceGroup(
                    configuration: ServiceGroupConfiguration(
                        services: [.init(service: worker)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                try await group.run()
            }
        }
    }

    /// `noop` returns; `sleep` waits `{"ms": N}`; `record` waits `{"ms": N}` then inserts its job id into
    /// the table `queue_test_results (job_id bigint PRIMARY KEY, worker text)` with fenced completion.
    static func testHandlers(workerID: String) -> JobHandlers {
        var handlers = JobHandlers()
        handlers.register("noop") { _ in }
        handlers.register("sleep") { context in
            try await Task.sleep(for: .milliseconds(milliseconds(context.job.args)))
        }
        handlers.register("record") { context in
            try await Task.sleep(for: .milliseconds(milliseconds(context.job.args)))
            try await context.complete { connection in
                try await connection.query(
                    "INSERT INTO queue_test_results (job_id, worker) VALUES ($1, $2)", [context.job.id, workerID])
            }
        }
        return handlers
    }

    private static func milliseconds(_ args: PostgresJSON) -> Int {
        struct Args: Decodable { var ms: Int? }
        return (try? args.decode(as: Args.self).ms) ?? 0
    }
}
