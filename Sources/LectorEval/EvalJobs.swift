import Foundation
import LectorAnalysis
import LectorDB
import LectorQueue
import LectorService
import Logging

/// Waiting for a run's analyze jobs: with an in-process worker that is shut down when they are done,
/// or while external workers run them. At the timeout the unfinished jobs are cancelled (a running one
/// loses its lease), so that no evaluation job lingers on the queue.
public struct EvalJobs: Sendable {
    let database: PostgresClient
    let logger: Logger

    public init(database: PostgresClient, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Runs or waits for the submission's jobs; false when the timeout came first (the rest cancelled).
    public func run(
        _ submitted: EvalSubmission.Submitted, runner: CUADEvaluation.Runner, options: CUADEvaluation.Options,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> Bool {
        guard !submitted.jobIDs.isEmpty else { return true }
        let queue = JobQueue(client: database, logger: logger)
        var finished = true
        switch runner {
        case .externalWorkers:
            finished = try await wait(queue, keyPrefix: submitted.keyPrefix, timeout: options.timeout, progress: progress)
        case .inProcess(let engine, let dialect, let extractor, let concurrency):
            var handlers = JobHandlers()
            AnalyzeJob(
                database: database, extractor: extractor, engine: engine, engineDialect: dialect,
                profiles: [options.profile.name: options.profile]
            ).register(in: &handlers)
            let worker = Worker(
                queue: queue, handlers: handlers,
                // A long lease: one request to a small local model can outlast a short one on a loaded machine.
                configuration: WorkerConfiguration(queue: options.queue, concurrency: max(1, concurrency), leaseSeconds: 120),
                logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                do {
                    finished = try await wait(queue, keyPrefix: submitted.keyPrefix, timeout: options.timeout, progress: progress)
                } catch {
                    worker.shutdown()
                    try? await group.waitForAll()
                    throw error
                }
                if finished {
                    worker.shutdown()
                } else {
                    // Out of time: no grace for running jobs, whose engine requests may never end.
                    group.cancelAll()
                }
                try await group.waitForAll()
            }
        }
        if !finished {
            for jobID in submitted.jobIDs where try await !queue.job(id: jobID).state.isFinal {
                _ = try await queue.cancel(jobID: jobID)
            }
            progress("timeout: unfinished analyses cancelled; they count as failures")
        }
        return finished
    }

    /// Polls the run's jobs until none is open, reporting changes; false when `timeout` passed first.
    func wait(_ queue: JobQueue, keyPrefix: String, timeout: Duration?, progress: @Sendable (String) -> Void) async throws -> Bool {
        let start = ContinuousClock.now
        var last = ""
        while true {
            let counts = try await queue.stateCounts(keyPrefix: keyPrefix)
            let completed = counts[.completed, default: 0]
            let failed = counts[.failed, default: 0] + counts[.cancelled, default: 0]
            let running = counts[.running, default: 0]
            let waiting = counts.filter { !$0.key.isFinal && $0.key != .running }.values.reduce(0, +)
            let line = "analyses: \(completed) done, \(failed) failed, \(running) running, \(waiting) waiting"
            if line != last {
                let elapsed = Int((ContinuousClock.now - start).components.seconds)
                progress("[\(elapsed)s] \(line)")
                last = line
            }
            if running + waiting == 0 { return true }
            if let timeout, ContinuousClock.now - start > timeout { return false }
            try await Task.sleep(for: .seconds(1))
        }
    }
}
