import Foundation
import LectorAnalysis
import LectorDB
import LectorQueue
import LectorService
import Logging

/// Submitting a run's contracts: each PDF stored as a document of the run's tenant (once per content,
/// as any submission), then either the contract's latest analysis under the same profile and prompt
/// version is taken (`reuseAnalyses`) or a fresh analyze job is enqueued on the run's queue with a unique
/// key of the run (`eval:<token>:<document>`), so that waiting can count this run's jobs alone.
public struct EvalSubmission: Sendable {
    /// One contract as submitted: a reused analysis or a job.
    public struct Entry: Sendable {
        public var contract: CUADContract
        public var documentID: Int64
        public var reusedAnalysisID: Int64?
        public var jobID: Int64?
    }

    /// A run's submission.
    public struct Submitted: Sendable {
        /// The unique-key prefix of the run's jobs.
        public var keyPrefix: String
        /// In the order the contracts were chosen.
        public var entries: [Entry]

        public var jobIDs: [Int64] { entries.compactMap(\.jobID) }
        public var reusedCount: Int { entries.count { $0.reusedAnalysisID != nil } }
    }

    let database: PostgresClient
    let logger: Logger

    public init(database: PostgresClient, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Stores and enqueues `contracts` (or finds their analyses to reuse).
    ///
    /// - Throws: ``EvalError`` (`eval.pdfs`) when a PDF cannot be read; database errors.
    public func submit(_ contracts: [CUADContract], options: CUADEvaluation.Options) async throws -> Submitted {
        let token = UUID().uuidString.lowercased().prefix(12)
        let keyPrefix = "eval:\(token):"
        let queue = JobQueue(client: database, logger: logger)
        var entries: [Entry] = []
        for contract in contracts {
            let url = options.pdfFolder.appendingPathComponent(contract.file)
            guard let bytes = FileManager.default.contents(atPath: url.path) else {
                throw EvalError(.pdfs, "\(url.path): cannot be read")
            }
            let entry = try await database.withTransaction { connection in
                let document = try await DocumentStore().insert(
                    tenant: options.tenant, filename: contract.file, bytes: [UInt8](bytes), labels: ["source": "cuad"],
                    on: connection)
                if options.reuseAnalyses {
                    let existing = try await connection.query(
                        """
                        SELECT id FROM lector.analyses WHERE document_id = $1 AND profile = $2 AND prompt_version = $3
                        ORDER BY finished_at DESC, id DESC LIMIT 1
                        """, document.id, options.profile.name, options.profile.promptVersion)
                    if let row = existing.first {
                        return Entry(contract: contract, documentID: document.id, reusedAnalysisID: try row.decode("id", as: Int64.self))
                    }
                }
                let job = try await queue.enqueue(
                    try AnalyzeJob.newJob(
                        documentID: document.id, profile: options.profile.name, tenant: options.tenant,
                        queue: options.queue, uniqueKey: keyPrefix + String(document.id)),
                    on: connection)
                return Entry(contract: contract, documentID: document.id, jobID: job.id)
            }
            entries.append(entry)
        }
        return Submitted(keyPrefix: keyPrefix, entries: entries)
    }
}
