import Foundation
import LectorAnalysis
import LectorDB
import LectorQueue
import Logging

/// The queue jobs that run batches: `batch.run` (a scheduler tick, or a batch started by hand) and
/// `batch.finish` (ends a batch once its analyses are done, writing its summary and report).
///
/// Both live on their own queue (``queue``), worked by `lector scheduler`, so a long analysis backlog
/// never delays a tick. A tick's batch is unique per (name, tick), so a `batch.run` retried after a
/// crash continues the same batch.
public struct BatchJobs: Sendable {
    /// The queue of batch jobs.
    public static let queue = "batch"
    public static var runKind: String { RunArguments.kind }
    public static var finishKind: String { FinishArguments.kind }
    /// How often a running batch is checked for its end.
    public static let finishCheckSeconds = 30.0

    let database: PostgresClient
    let definitions: @Sendable () throws -> BatchCatalog
    let profiles: [String: AnalysisProfile]
    let finishCheckSeconds: Double

    /// - Parameter definitions: reads the catalog; called for every tick, so edited definitions apply to
    ///   the next run without a restart.
    public init(
        database: PostgresClient, definitions: @escaping @Sendable () throws -> BatchCatalog,
        profiles: [String: AnalysisProfile], finishCheckSeconds: Double = BatchJobs.finishCheckSeconds
    ) {
        self.database = database
        self.definitions = definitions
        self.profiles = profiles
        self.finishCheckSeconds = finishCheckSeconds
    }

    /// The arguments of a `batch.run` job; the scheduler adds `scheduled_for`.
    public struct RunArguments: JobParameters {
        public static let kind = "batch.run"
        public var name: String
        /// The tick, ISO 8601; absent for a batch started by hand.
        public var scheduledFor: String?

        enum CodingKeys: String, CodingKey {
            case name
            case scheduledFor = "scheduled_for"
        }

        public init(name: String, scheduledFor: String? = nil) {
            self.name = name
            self.scheduledFor = scheduledFor
        }
    }

    struct FinishArguments: JobParameters {
        static let kind = "batch.finish"
        var batchID: Int64
        enum CodingKeys: String, CodingKey { case batchID = "batch_id" }
    }

    /// Registers both handlers.
    public func register(in handlers: inout JobHandlers) {
        handlers.register(RunArguments.self) { arguments, context in try await self.run(arguments, context) }
        handlers.register(FinishArguments.self) { arguments, context in try await self.finish(arguments, context) }
    }

    /// The job that checks `batchID` for its end after `delay` seconds (one live check per batch).
    public static func finishJob(batchID: Int64, tenant: String, delay: Double = finishCheckSeconds) throws -> NewJob {
        try NewJob(
            FinishArguments(batchID: batchID), queue: queue, runAt: Date().addingTimeInterval(delay), maxAttempts: 10,
            uniqueKey: "batch.finish:\(batchID)", tenant: tenant)
    }

    func run(_ arguments: RunArguments, _ context: JobContext) async throws {
        let definition: BatchDefinition
        do {
            definition = try definitions().definition(named: arguments.name)
        } catch let error as BatchError {
            throw JobFailure.permanent("\(error.code): \(error.description)")
        }
        let tick = arguments.scheduledFor.flatMap { ISO8601DateFormatter().date(from: $0) }
        let runner = BatchRunner(database: database, queue: context.queue, profiles: profiles, logger: context.logger)
        let outcome: BatchRunner.Outcome
        do {
            outcome = try await runner.run(definition, scheduledFor: tick)
        } catch let error as BatchError {
            // A folder that is not mounted yet may be back for the retry; a bad definition will not.
            if error.kind == .sourceUnavailable { throw JobFailure.retryable("\(error.code): \(error.description)") }
            throw JobFailure.permanent("\(error.code): \(error.description)")
        }
        let next = try Self.finishJob(batchID: outcome.batchID, tenant: definition.tenant, delay: finishCheckSeconds)
        try await context.complete { connection in
            try await context.queue.enqueue(next, on: connection)
        }
    }

    func finish(_ arguments: FinishArguments, _ context: JobContext) async throws {
        let store = BatchStore(database: database)
        try await store.finishIfDone(batchID: arguments.batchID)
        guard try await store.state(batchID: arguments.batchID) == "running" else {
            try await context.complete { _ in }
            return
        }
        // Still running: complete this check and queue the next in the same transaction (the unique key
        // is free once this job is completed).
        let next = try Self.finishJob(batchID: arguments.batchID, tenant: context.job.tenant, delay: finishCheckSeconds)
        try await context.complete { connection in
            try await context.queue.enqueue(next, on: connection)
        }
    }
}
