import ArgumentParser
import Foundation
import LectorBatch
import LectorQueue
import Logging
import ServiceLifecycle
import UnixSignals

struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Fire the schedules of jobs/*.yaml and run the batches they start.",
        discussion: """
            Each tick of a definition's schedule enqueues one `batch.run` job, exactly once across any number \
            of schedulers (lector.cron_ticks); after downtime the latest missed tick runs once. The scheduler \
            also works the `batch` queue: it selects the batch's documents, enqueues their analyses for the \
            workers, and ends the batch with its summary and report when they are done. Schedules are read at \
            start (restart to pick up a new schedule); definitions are re-read for every run. Runs until \
            SIGTERM or SIGINT.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var profileOptions: ProfileOptions
    @Option(help: "This scheduler's id in lector.jobs.worker_id (default: host-pid-random).") var workerID: String?

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            let profiles = try profileOptions.loadAll()
            let directory = try batchOptions.directory()
            let catalog = try BatchCatalog(directory: directory, profiles: Set(profiles.keys))
            let names = Set(profiles.keys)
            try await global.withDatabase(logger: logger, maxConnections: 4) { client in
                let queue = JobQueue(client: client, logger: logger)
                var handlers = JobHandlers()
                BatchJobs(
                    database: client, definitions: { try BatchCatalog(directory: directory, profiles: names) }, profiles: profiles
                ).register(in: &handlers)
                let cronJobs = try catalog.cronJobs()
                let scheduler = CronScheduler(queue: queue, jobs: cronJobs, logger: logger)
                let worker = Worker(
                    queue: queue, handlers: handlers,
                    configuration: WorkerConfiguration(
                        queue: BatchJobs.queue, concurrency: 2, leaseSeconds: 60,
                        workerID: workerID ?? WorkerConfiguration.defaultWorkerID()),
                    logger: logger)
                logger.info("scheduler started", metadata: ["batch.schedules": "\(cronJobs.count)"])
                let group = ServiceGroup(
                    configuration: ServiceGroupConfiguration(
                        services: [.init(service: scheduler), .init(service: worker)],
                        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                try await group.run()
            }
        }
    }
}
