import LectorQueue

extension BatchCatalog {
    /// One cron job per scheduled definition: each tick enqueues a `batch.run` job on the batch queue, once
    /// across any number of schedulers (`lector.cron_ticks`).
    public func cronJobs() throws -> [CronJob] {
        try definitions.compactMap { definition in
            guard let schedule = definition.schedule else { return nil }
            return CronJob(
                name: "batch:\(definition.name)", schedule: schedule,
                job: try NewJob(
                    BatchJobs.RunArguments(name: definition.name), queue: BatchJobs.queue, maxAttempts: 5,
                    tenant: definition.tenant))
        }
    }
}
