import Foundation
import LectorCore
import LectorDB
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The worker runtime: runs up to `concurrency` jobs of one queue at once, fed by batched claims, with
/// the heartbeat, rescue, LISTEN and poll loops beside them.
///
/// A swift-service-lifecycle `Service`: `run()` returns after graceful shutdown (SIGTERM/SIGINT in a
/// `ServiceGroup`, or ``shutdown()``): it stops claiming, lets running jobs finish within
/// `shutdownGraceSeconds`, then cancels the rest and releases them without using an attempt.
///
/// Dependencies (``DependencyCircuit``): a handler that throws ``DependencyUnavailable`` has its job
/// rescheduled without using an attempt, and opens the dependency's circuit; while any circuit is open the
/// worker claims nothing, and it resumes when the circuit's probe succeeds.
///
/// A job whose lease is lost (cancelled by an operator, or rescued after a stalled heartbeat) is
/// cancelled at the next heartbeat: its engine requests and extraction child stop and its slot frees.
///
/// Metrics: `lector_jobs_total{queue,kind,outcome}` (outcome: `completed`, `retryable`, `failed`,
/// `rate_limited`, `deferred`, `lost_lease`, `released`) and `lector_job_duration_seconds{queue,kind}`.
public final class Worker: Service, Sendable {
    public let queue: JobQueue
    public let configuration: WorkerConfiguration
    let handlers: JobHandlers
    /// What every job needs; claiming stops while one is unavailable.
    public let dependencies: [DependencyCircuit]
    let logger: Logger
    private let state = Mutex(State())
    private let wakeStream: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let completer: Completer

    private struct State {
        var running = 0
        var inFlight: [Int64: JobLease] = [:]
        /// Running jobs whose lease a heartbeat found lost; their handlers are being cancelled.
        var lostLeases: Set<Int64> = []
        /// Signals a running job's task that its lease was lost.
        var leaseWatchers: [Int64: AsyncStream<Void>.Continuation] = [:]
        /// Set when a notification or poll says there may be new work.
        var workHint = true
        var stopping = false
        var graceExpired = false
        var started = false
    }

    /// - Parameter dependencies: circuits for what the handlers need (the engine); each is probed by
    ///   this worker while it is open.
    public init(
        queue: JobQueue, handlers: JobHandlers, configuration: WorkerConfiguration,
        dependencies: [DependencyCircuit] = [], logger: Logger
    ) {
        self.queue = queue
        self.handlers = handlers
        self.dependencies = dependencies
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "worker.id"] = "\(configuration.workerID)"
        logger[metadataKey: "queue.name"] = "\(configuration.queue)"
        self.logger = logger
        (wakeStream, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        completer = Completer(queue: queue, logger: logger)
    }

    /// Starts graceful shutdown without a `ServiceGroup` (tests, embedding).
    public func shutdown() {
        state.withLock { $0.stopping = true }
        wake.yield()
    }

    /// The number of jobs running now.
    public var runningCount: Int { state.withLock { $0.running } }

    public func run() async throws {
        let alreadyStarted = state.withLock { s in
            defer { s.started = true }
            return s.started
        }
        precondition(!alreadyStarted, "a Worker runs once")
        logger.info("worker starting", metadata: ["worker.concurrency": "\(configuration.concurrency)"])
        let notifications = queue.client.listen([JobQueue.notifyChannel])
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { background in
                background.addTask { await self.listenLoop(notifications) }
                background.addTask { await self.every(self.configuration.pollSeconds) { self.hint() } }
                background.addTask { await self.every(self.configuration.heartbeatSeconds) { await self.heartbeat() } }
                background.addTask { await self.every(self.configuration.rescueSeconds) { await self.rescue() } }
                background.addTask { await self.completer.run() }
                for circuit in self.dependencies {
                    background.addTask {
                        await circuit.run(logger: self.logger) { status in
                            await self.dependencyChanged(circuit, status)
                        }
                    }
                }
                await self.claimLoop()
                // Every job task has ended, and each waited for its completion: nothing is left for the
                // background loops to do.
                background.cancelAll()
            }
        } onGracefulShutdown: {
            self.shutdown()
        }
        let leftover = state.withLock { Array($0.inFlight.values) }
        if !leftover.isEmpty {
            do {
                // Shielded from cancellation: if the service's task was cancelled, releasing is still
                // better than waiting for the leases to expire. An unstructured task is the only way to
                // run it outside the cancelled task.
                let released = try await Task { try await self.queue.release(leftover) }.value
                for lease in leftover where released.contains(lease.jobID) {
                    count(outcome: .released, kind: nil)
                }
                logger.info("released unfinished jobs", metadata: ["jobs.count": "\(released.count)"])
            } catch {
                logger.warning(
                    "could not release unfinished jobs; they return when their leases expire",
                    metadata: ["error": "\(error)"])
            }
        }
        if !dependencies.isEmpty {
            // Shielded like the release above: a stopped worker's view of the engine must not linger.
            try? await Task { try await self.queue.forgetDependencies(workerID: self.configuration.workerID) }.value
        }
        logger.info("worker stopped")
    }

    /// Records a dependency's new state for `lector status`, and wakes the claim loop when it is back.
    private func dependencyChanged(_ circuit: DependencyCircuit, _ status: DependencyCircuit.Status) async {
        if status.available { hint() }
        do {
            try await queue.recordDependency(workerID: configuration.workerID, dependency: circuit.name, status: status)
        } catch {
            logger.debug("could not record a dependency's state", metadata: ["dependency": "\(circuit.name)", "error": "\(error)"])
        }
    }

    // MARK: - Claiming

    private func claimLoop() async {
        var wakes = wakeStream.makeAsyncIterator()
        var drained = false
        var handlersCancelled = false
        var graceTimerStarted = false
        var failures = 0
        await withDiscardingTaskGroup { jobs in
            while true {
                if Task.isCancelled {
                    // Cancelled rather than shut down gracefully: the job tasks are cancelled with us;
                    // the group waits for them, and run() releases what they leave.
                    logger.info("worker cancelled")
                    return
                }
                let (stopping, running, hinted, graceExpired) = state.withLock { s in
                    defer { s.workHint = false }
                    return (s.stopping, s.running, s.workHint, s.graceExpired)
                }
                if stopping {
                    if running == 0 {
                        jobs.cancelAll()  // only the grace timer can be left
                        return
                    }
                    if !graceTimerStarted {
                        graceTimerStarted = true
                        logger.info("graceful shutdown: waiting for running jobs", metadata: ["jobs.running": "\(running)"])
                        jobs.addTask {
                            try? await Task.sleep(for: .seconds(self.configuration.shutdownGraceSeconds))
                            guard !Task.isCancelled else { return }
                            self.state.withLock { $0.graceExpired = true }
                            self.wake.yield()
                        }
                    }
                    if graceExpired, !handlersCancelled {
                        handlersCancelled = true
                        logger.info("grace period over: cancelling running jobs", metadata: ["jobs.running": "\(running)"])
                        jobs.cancelAll()
                    }
                    _ = await wakes.next()
                    continue
                }
                if hinted { drained = false }
                let free = configuration.concurrency - running
                if free > 0, dependencies.contains(where: { !$0.isAvailable }) {
                    // A dependency is down: claiming would only hand jobs to a failure. Its circuit's
                    // probe wakes us when it is back (the poll's hints meanwhile only re-check).
                    drained = false
                    _ = await wakes.next()
                    continue
                }
                if free > 0, !drained {
                    let claimed: [Job]
                    do {
                        claimed = try await queue.claim(
                            queue: configuration.queue, limit: free, workerID: configuration.workerID,
                            leaseSeconds: configuration.leaseSeconds)
                        failures = 0
                    } catch {
                        failures += 1
                        logger.warning("claim failed", metadata: ["error": "\(error)", "db.failures": "\(failures)"])
                        // Back off while the database is unreachable; the wait is not a test wait.
                        try? await Task.sleep(for: .milliseconds(min(5000, 100 * (1 << min(failures, 6)))))
                        state.withLock { $0.workHint = true }
                        continue
                    }
                    state.withLock { s in
                        s.running += claimed.count
                        for job in claimed { s.inFlight[job.id] = job.lease }
                    }
                    for job in claimed {
                        jobs.addTask { await self.execute(job) }
                    }
                    // Fewer jobs than asked does not mean an empty queue: other workers hold rows that
                    // SKIP LOCKED passed over. Only an empty claim waits for a notification or the poll.
                    drained = claimed.isEmpty
                    if !drained { continue }
                }
                _ = await wakes.next()
            }
        }
    }

    private func hint() {
        state.withLock { $0.workHint = true }
        wake.yield()
    }

    private func listenLoop(_ notifications: AsyncStream<PostgresNotification>) async {
        for await notification in notifications {
            if notification.isReconnect || notification.payload == configuration.queue { hint() }
        }
    }

    /// Runs `body` every `seconds` until cancelled.
    private func every(_ seconds: Double, _ body: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(seconds)) } catch { return }
            await body()
        }
    }

    private func heartbeat() async {
        let leases = state.withLock { Array($0.inFlight.values) }
        guard !leases.isEmpty else { return }
        do {
            let renewed = try await queue.heartbeat(leases, leaseSeconds: configuration.leaseSeconds)
            let lost = leases.filter { !renewed.contains($0) }
            if !lost.isEmpty {
                // Rescued or cancelled under us: whatever the handler does now cannot be committed, so
                // it is cancelled.
                logger.warning("leases lost; stopping their jobs", metadata: ["job.ids": "\(lost.map(\.jobID))"])
                let watchers = state.withLock { s in
                    lost.compactMap { lease -> AsyncStream<Void>.Continuation? in
                        guard s.inFlight[lease.jobID] == lease else { return nil }
                        s.lostLeases.insert(lease.jobID)
                        return s.leaseWatchers[lease.jobID]
                    }
                }
                for watcher in watchers { watcher.yield() }
            }
        } catch {
            logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
        }
    }

    private func rescue() async {
        do {
            try await queue.rescueExpired()
            if let retention = configuration.pruneAfterSeconds {
                try await queue.pruneFinished(olderThan: retention)
            }
        } catch {
            logger.warning("rescue or pruning failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Running a job

    private func execute(_ job: Job) async {
        let started = ContinuousClock.now
        let (leaseLost, leaseWatcher) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        state.withLock { $0.leaseWatchers[job.id] = leaseWatcher }
        // The handler beside a watcher of its lease: a heartbeat that finds the lease lost (an operator
        // cancelled the job, or it was rescued) ends the watcher, which cancels the handler, so that its
        // engine requests and extraction child stop and the slot frees within one heartbeat.
        let outcome = await withTaskGroup(of: JobOutcome?.self) { group in
            group.addTask { await self.runHandler(job) }
            group.addTask {
                for await _ in leaseLost { return nil }
                return nil
            }
            var outcome: JobOutcome?
            while let result = await group.next() {
                if let result {
                    outcome = result
                    leaseWatcher.finish()
                } else if outcome == nil {
                    group.cancelAll()
                }
            }
            return outcome ?? .lostLease
        }
        state.withLock { s in
            s.running -= 1
            s.leaseWatchers[job.id] = nil
            s.lostLeases.remove(job.id)
            if outcome != .released { s.inFlight[job.id] = nil }
        }
        wake.yield()
        if outcome != .released { count(outcome: outcome, kind: job.kind) }
        let elapsed = ContinuousClock.now - started
        Metrics.Timer(
            label: MetricName.jobDuration, dimensions: [("queue", job.queue), ("kind", job.kind)]
        ).recordNanoseconds(elapsed.wholeNanoseconds)
    }

    /// Runs the handler and settles the job; returns its outcome. ``JobOutcome/released`` means the job
    /// was interrupted by shutdown and stays leased until ``run()`` releases it.
    private func runHandler(_ job: Job) async -> JobOutcome {
        guard let handler = handlers[job.kind] else {
            return await settleFailure(job, .permanent("no handler for job kind \(job.kind)"))
        }
        let context = JobContext(job: job, queue: queue, logger: logger)
        do {
            try await handler(context)
            switch context.outcome.current {
            case .completed: return .completed
            case .lostLease: return .lostLease
            case .none:
                switch await completer.complete(job.lease) {
                case true?: return .completed
                case false?: return .lostLease
                case nil: return .released
                }
            }
        } catch let error as QueueError where error.kind == .lostLease {
            context.logger.info("job lost its lease; its writes were not committed")
            return .lostLease
        } catch {
            if state.withLock({ $0.lostLeases.contains(job.id) }) {
                context.logger.info("job lost its lease (cancelled or rescued); its work was stopped")
                return .lostLease
            }
            if Task.isCancelled, state.withLock({ $0.stopping }) { return .released }
            if let unavailable = error as? DependencyUnavailable {
                return await postpone(job, unavailable)
            }
            // The handler lost the database (its own reads, or the fenced completion): an outage, not the
            // document's fault, so the job goes back without spending an attempt.
            if let error = error as? DatabaseError, error.kind == .connectionFailed || error.kind == .connectionLost {
                return await postpone(
                    job, DependencyUnavailable(dependency: "database", reason: "\(error.code): \(error.description)", retryAfter: 5))
            }
            let failure: JobFailure
            if let error = error as? JobFailure {
                failure = error
            } else if let error = error as? any LectorError {
                failure = .retryable("\(error.code): \(error.description)")
            } else {
                failure = .retryable("\(type(of: error)): \(error)")
            }
            return await settleFailure(job, failure)
        }
    }

    /// A dependency is down: the job goes back without using an attempt, and the dependency's circuit
    /// opens (claiming stops until its probe succeeds).
    private func postpone(_ job: Job, _ unavailable: DependencyUnavailable) async -> JobOutcome {
        let circuit = dependencies.first { $0.name == unavailable.dependency }
        circuit?.reportUnavailable(unavailable, logger: logger)
        // With a circuit, other workers may take the job at once (their engine may be reachable); without
        // one nothing stops this worker from claiming it straight back, so it waits a little.
        let wait = circuit == nil ? (unavailable.retryAfter ?? 30) : 0
        // A job that takes its dependency down each time (a request that crashes the engine before it
        // answers) would otherwise come back forever: past a bound, deferrals count as attempts.
        let deferrals = (try? await queue.errors(jobID: job.id).count { $0.class == "dependency_unavailable" }) ?? 0
        if deferrals >= Self.maxDeferralsPerJob {
            return await settleFailure(
                job, .retryable("\(unavailable.description) (deferred \(deferrals) times: counted as an attempt)"))
        }
        return await settleFailure(
            job, JobFailure(.dependencyUnavailable(retryAfter: wait), reason: unavailable.description))
    }

    /// Deferrals for an unavailable dependency one job gets without using attempts.
    public static let maxDeferralsPerJob = 50

    private func settleFailure(_ job: Job, _ failure: JobFailure) async -> JobOutcome {
        // A database outage while recording the failure: try until the lease would expire anyway, after
        // which rescue takes over.
        let deadline = ContinuousClock.now + .seconds(configuration.leaseSeconds)
        var delay = 100
        while true {
            do {
                let result = try await queue.fail(job, failure: failure, policy: configuration.retryPolicy)
                logger.info(
                    "job failed", metadata: ["job.id": "\(job.id)", "job.state": "\(result.state.rawValue)", "error": "\(failure.reason)"])
                switch (result.state, failure.class) {
                case (.failed, _): return .failed
                case (_, .rateLimited): return .rateLimited
                case (_, .dependencyUnavailable): return .deferred
                default: return .retryable
                }
            } catch let error as QueueError where error.kind == .lostLease {
                return .lostLease
            } catch {
                if Task.isCancelled || ContinuousClock.now > deadline {
                    logger.warning("could not record a job failure", metadata: ["job.id": "\(job.id)", "error": "\(error)"])
                    return Task.isCancelled ? .released : .lostLease
                }
                try? await Task.sleep(for: .milliseconds(delay))
                delay = min(delay * 2, 2000)
            }
        }
    }

    private func count(outcome: JobOutcome, kind: String?) {
        Counter(
            label: MetricName.jobsTotal,
            dimensions: [("queue", configuration.queue), ("kind", kind ?? "unknown"), ("outcome", outcome.rawValue)]
        ).increment()
    }
}

/// Batches the completions of jobs whose handlers returned: one UPDATE for every job that finished
/// while the previous one ran.
final class Completer: Sendable {
    private let queue: JobQueue
    private let logger: Logger
    private typealias Item = (lease: JobLease, done: CheckedContinuation<Bool?, Never>)
    /// The completions waiting for the next batch; `closed` once the completer stopped.
    private let pending = Mutex<(items: [Item], closed: Bool)>(([], false))
    private let signal: AsyncStream<Void>
    private let signalContinuation: AsyncStream<Void>.Continuation

    init(queue: JobQueue, logger: Logger) {
        self.queue = queue
        self.logger = logger
        (signal, signalContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Completes `lease` in the next batch; returns false when the lease was lost, nil when the worker
    /// was cancelled before the completion could be written (the job is still leased).
    func complete(_ lease: JobLease) async -> Bool? {
        await withCheckedContinuation { continuation in
            let accepted = pending.withLock { p in
                if !p.closed { p.items.append((lease, continuation)) }
                return !p.closed
            }
            if accepted { signalContinuation.yield() } else { continuation.resume(returning: nil) }
        }
    }

    /// Up to this many completion statements run at once, so commits overlap (group commit) while the
    /// next batch gathers.
    static let parallelFlushes = 4

    /// Runs until cancelled; the worker cancels it only after every job task (each waiting here) ended.
    func run() async {
        await withTaskGroup(of: Void.self) { flushes in
            var running = 0
            for await _ in signal {
                while true {
                    let batch = pending.withLock { p in
                        defer { p.items.removeAll(keepingCapacity: true) }
                        return p.items
                    }
                    if batch.isEmpty { break }
                    if running == Self.parallelFlushes {
                        await flushes.next()
                        running -= 1
                    }
                    running += 1
                    flushes.addTask { await self.flush(batch) }
                }
            }
        }
        // Cancelled: nobody may wait forever for a completion that will not be written.
        let abandoned = pending.withLock { p in
            p.closed = true
            defer { p.items.removeAll() }
            return p.items
        }
        for item in abandoned { item.done.resume(returning: nil) }
    }

    private func flush(_ batch: [Item]) async {
        var delay = 50
        while true {
            do {
                // Every path resumes every continuation: a job task waits on each.
                let completed = try await queue.complete(batch.map(\.lease))
                for item in batch { item.done.resume(returning: completed.contains(item.lease.jobID)) }
                return
            } catch {
                // A lost connection may have committed the batch: retrying is safe, the fence makes the
                // second UPDATE a no-op for rows already completed (reported as lost, never run twice).
                if Task.isCancelled {
                    for item in batch { item.done.resume(returning: nil) }
                    return
                }
                logger.warning("completing jobs failed; retrying", metadata: ["error": "\(error)", "jobs.count": "\(batch.count)"])
                if delay > 30_000 {
                    for item in batch { item.done.resume(returning: false) }
                    return
                }
                try? await Task.sleep(for: .milliseconds(delay))
                delay *= 2
            }
        }
    }
}

/// How one run of a job ended: the `outcome` label of `lector_jobs_total`.
public enum JobOutcome: String, Sendable, CaseIterable {
    case completed
    /// Failed an attempt; it will run again.
    case retryable
    /// Failed for good (dead letter).
    case failed
    /// The engine asked to slow down; it runs again after the wait, without spending an attempt.
    case rateLimited = "rate_limited"
    /// A dependency (engine, database) was unavailable; it went back without spending an attempt.
    case deferred
    /// Another worker or an operator took the job (cancelled, or rescued after the lease expired).
    case lostLease = "lost_lease"
    /// Interrupted by shutdown; released to the queue.
    case released
}
