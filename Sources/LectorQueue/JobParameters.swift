import Foundation
import LectorDB

/// A kind of job, declared once: its name in `lector.jobs.kind` and the type of its arguments (in the
/// spirit of swift-jobs' `JobParameters`).
///
/// Enqueue with ``NewJob/init(_:queue:priority:runAt:maxAttempts:uniqueKey:tenant:batchID:)``, handle
/// with ``JobHandlers/register(_:_:)``: arguments that do not decode fail the job permanently, in one
/// place, with the same reason for every kind.
public protocol JobParameters: Codable, Sendable {
    /// The kind in `lector.jobs`; it selects the handler.
    static var kind: String { get }
}

extension NewJob {
    /// A job of `P.kind` whose arguments are `parameters`.
    public init<P: JobParameters>(
        _ parameters: P, queue: String = "default", priority: Int = 0, runAt: Date? = nil, maxAttempts: Int = 5,
        uniqueKey: String? = nil, tenant: String = "default", batchID: Int64? = nil
    ) throws {
        self.init(
            queue: queue, kind: P.kind, args: try PostgresJSON(encoding: parameters), priority: priority, runAt: runAt,
            maxAttempts: maxAttempts, uniqueKey: uniqueKey, tenant: tenant, batchID: batchID)
    }
}

extension Job {
    /// The job's arguments as `P`, or nil when it is another kind or they do not decode.
    public func parameters<P: JobParameters>(as type: P.Type) -> P? {
        guard kind == P.kind else { return nil }
        return try? args.decode(as: P.self)
    }
}

extension JobHandlers {
    /// Registers `handler` for jobs of `P.kind`; a job whose arguments do not decode as `P` fails
    /// permanently (running it again would not change them).
    public mutating func register<P: JobParameters>(
        _ type: P.Type, _ handler: @escaping @Sendable (P, JobContext) async throws -> Void
    ) {
        register(P.kind) { context in
            let parameters: P
            do {
                parameters = try context.job.args.decode(as: P.self)
            } catch {
                throw JobFailure.permanent("job arguments are not a \(P.kind) job's")
            }
            try await handler(parameters, context)
        }
    }
}
