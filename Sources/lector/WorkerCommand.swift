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
    @Option(help: "Delete completed and cancelled jobs this many days after they finished (0: never).")
    var pruneAfterDays = 7.0
    @Option(help: "Longest wait between probes of an unavailable engine, in seconds.") var engineProbeMaxSeconds = 60.0
    @Option(help: "PostgreSQL cancels any statement of this worker that runs longer, in seconds (0: never).")
    var statementTimeoutSeconds = 120

    func validate() throws {
        guard pruneAfterDays.isFinite, pruneAfterDays >= 0, pruneAfterDays <= 36_500 else {
            throw ValidationError("--prune-after-days must be a number of days between 0 and 36500")
        }
        guard engineProbeMaxSeconds.isFinite, engineProbeMaxSeconds >= 1, engineProbeMaxSeconds <= 3600 else {
            throw ValidationError("--engine-probe-max-seconds must be between 1 and 3600")
        }
        for (name, value) in [("--grace-seconds", graceSeconds), ("--lease-seconds", leaseSeconds), ("--rescue-seconds", rescueSeconds)] {
            guard value.isFinite, value > 0, value <= 86_400 else {
                throw ValidationError("\(name) must be a positive number of seconds, at most 86400")
            }
        }
        guard concurrency > 0, concurrency <= 10_000 else { throw ValidationError("--concurrency must be between 1 and 10000") }
        guard statementTimeoutSeconds >= 0, statementTimeoutSeconds <= 86_400 else {
            throw ValidationError("--statement-timeout-seconds must be between 0 and 86400")
        }
    }

    func run() async throws {
        let logger = global.makeLogger()
        // Bootstrapped before anything records a metric; without --metrics-port the worker records into
        // swift-metrics' no-op backend.
        let registry = metricsPort.map { _ in ProcessMetrics.registry }
        try await reportingErrors {
            let profiles = try profileOptions.loadAll()
            let engineConfiguration = try engineOptions.configuration()
            try await global.withDatabase(
                logger: logger, maxConnections: concurrency + 3,
                statementTimeoutSeconds: statementTimeoutSeconds > 0 ? statementTimeoutSeconds : nil
            ) { client in
                try await EngineClient.withClient(configuration: engineConfiguration, logger: logger) { engine in
                    let backoff = DependencyCircuit.Backoff(base: 2, cap: engineProbeMaxSeconds)
                    let info = try await Self.discoverWaiting(engine, backoff: backoff, logger: logger)
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
                            pruneAfterSeconds: pruneAfterDays > 0 ? pruneAfterDays * 86_400 : nil,
                            workerID: workerID ?? WorkerConfiguration.defaultWorkerID()),
                        dependencies: [EngineHealth.circuit(engine: engine, backoff: backoff)],
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

extension WorkerCommand {
    /// Discovery, waiting (with the circuit's capped, jittered backoff) while the engine is down or
    /// misconfigured: a worker started before its engine, or during an engine restart, waits for it
    /// instead of exiting. One log line when it starts waiting, one when the engine answers.
    static func discoverWaiting(
        _ engine: EngineClient, backoff: DependencyCircuit.Backoff, logger: Logger
    ) async throws -> EngineInfo {
        var failures = 0
        while true {
            do {
                let info = try await engine.discover()
                if failures > 0 { logger.info("engine available: starting to claim jobs") }
                return info
            } catch let error as EngineError where error.indicatesEngineDown {
                if failures == 0 {
                    let metadata: Logger.Metadata = ["error": "\(error.code): \(error.description)"]
                    if error.isMisconfiguration {
                        logger.error("engine misconfigured at startup: waiting until it is fixed", metadata: metadata)
                    } else {
                        logger.warning("engine unavailable at startup: waiting for it", metadata: metadata)
                    }
                }
                try await Task.sleep(for: .milliseconds(Int64(backoff.delay(beforeProbe: failures) * 1000)))
                failures += 1
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
