import ArgumentParser
import Foundation
import LectorAPI
import LectorEngine
import LectorPDF
import LectorQueue
import LectorService
import Logging
import ServiceLifecycle
import UnixSignals

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run analysis jobs: claim, extract, ask the engine, verify, write findings.",
        discussion: """
            Runs until SIGTERM or SIGINT: then it stops claiming, lets running jobs finish within the grace \
            period and releases the rest (without using an attempt). With --exit-when-idle it also stops once \
            no job is waiting or running. Any number of workers may run against one database.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var profileOptions: ProfileOptions

    @Option(help: "Jobs this process runs at once.") var concurrency = 4
    @Option(help: "Queue to work.") var queue = "default"
    @Flag(help: "Stop when no job is waiting or running.") var exitWhenIdle = false
    @Option(help: "Grace period for running jobs on shutdown, in seconds.") var graceSeconds = 60.0
    @Option(help: "Lease length in seconds; a dead worker's jobs return after this.") var leaseSeconds = 30.0
    @Option(help: "How often to requeue jobs whose lease expired (any worker's), in seconds.") var rescueSeconds = 15.0
    @Option(help: "This worker's id in lector.jobs.worker_id (default: host-pid-random).") var workerID: String?
    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (0: any free port; default: none).")
    var metricsPort: Int?
    @Option(help: "Address of the metrics endpoint.") var metricsHost = "127.0.0.1"
    @Option(help: "How often the queue gauges are read from the database, in seconds.") var queueMetricsSeconds = 15

    func run() async throws {
        let logger = global.makeLogger()
        // Bootstrapped before anything records a metric; without --metrics-port the worker records into
        // swift-metrics' no-op backend.
        let registry = metricsPort.map { _ in ProcessMetrics.registry }
        try await reportingErrors {
            let profiles = try profileOptions.loadAll()
            let engineConfiguration = try engineOptions.configuration()
            try await global.withDatabase(logger: logger, maxConnections: concurrency + 3) { client in
                try await EngineClient.withClient(configuration: engineConfiguration, logger: logger) { engine in
                    let info = try await engine.discover()
                    let jobQueue = JobQueue(client: client, logger: logger)
                    var handlers = JobHandlers()
                    AnalyzeJob(
                        database: client, extractor: PDFExtractor(logger: logger), engine: engine,
                        engineDialect: info.dialect.rawValue, profiles: profiles
                    ).register(in: &handlers)
                    let worker = Worker(
                        queue: jobQueue, handlers: handlers,
                        configuration: WorkerConfiguration(
                            queue: queue, concurrency: concurrency, leaseSeconds: leaseSeconds,
                            rescueSeconds: rescueSeconds, shutdownGraceSeconds: graceSeconds,
                            workerID: workerID ?? WorkerConfiguration.defaultWorkerID()),
                        logger: logger)
                    var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: worker)]
                    if let registry, let metricsPort {
                        services.append(
                            .init(service: QueueMetrics(queue: jobQueue, interval: .seconds(queueMetricsSeconds), queues: [queue], logger: logger)))
                        services.append(
                            .init(
                                service: LectorAPI.makeMetricsServer(
                                    registry: registry, host: metricsHost, port: metricsPort, logger: logger)))
                    }
                    if exitWhenIdle {
                        services.append(
                            .init(service: IdleWatcher(queue: jobQueue, name: queue), successTerminationBehavior: .gracefullyShutdownGroup))
                    }
                    let group = ServiceGroup(
                        configuration: ServiceGroupConfiguration(
                            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                    try await group.run()
                }
            }
        }
    }
}

/// Ends the worker once its queue has nothing waiting (due now) and nothing running, twice in a row.
struct IdleWatcher: Service {
    let queue: JobQueue
    let name: String

    func run() async throws {
        var idleChecks = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            idleChecks = try await queue.runnableCount(queue: name) == 0 ? idleChecks + 1 : 0
            if idleChecks >= 2 { return }
            try await Task.sleep(for: .seconds(1))
        }
    }
}
