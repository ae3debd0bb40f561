import Foundation
import LectorDB
import LectorQueue
import Logging

/// Collecting a run's results once its jobs are done: for each contract its analysis (engine, model,
/// tokens, and the findings with their quotes and confidences) or why it has none.
public struct EvalCollection: Sendable {
    /// What an analysis recorded about how it ran.
    public struct AnalysisSummary: Sendable, Hashable {
        public var id: Int64
        public var model: String
        public var engineHost: String
        public var engineDialect: String
        public var reasoningEffort: String
        public var tokensIn: Int64
        public var tokensOut: Int64
        public var costUSD: Double?
    }

    /// One contract: its analysis and findings, or nil for both when it failed.
    public struct Contract: Sendable {
        public var contract: CUADContract
        public var analysis: AnalysisSummary?
        public var findings: [String: ScoredFinding]?
    }

    /// A run's results.
    public struct Collected: Sendable {
        /// Every submitted contract, in submission order.
        public var contracts: [Contract]
        /// The contracts without an analysis, with the reason.
        public var failures: [EvalRun.Failure]
        /// Analyses reused from before the run.
        public var reusedCount: Int

        public init(contracts: [Contract], failures: [EvalRun.Failure], reusedCount: Int) {
            self.contracts = contracts
            self.failures = failures
            self.reusedCount = reusedCount
        }
    }

    let database: PostgresClient
    let logger: Logger

    public init(database: PostgresClient, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// The results of `submitted`; `finished` is false when the wait ended at the timeout.
    public func collect(_ submitted: EvalSubmission.Submitted, finished: Bool) async throws -> Collected {
        let queue = JobQueue(client: database, logger: logger)
        var contracts: [Contract] = []
        var failures: [EvalRun.Failure] = []
        for entry in submitted.entries {
            var analysisID = entry.reusedAnalysisID
            if analysisID == nil, let jobID = entry.jobID {
                let rows = try await database.query("SELECT id FROM lector.analyses WHERE job_id = $1", jobID)
                analysisID = try rows.first?.decode("id", as: Int64.self)
                if analysisID == nil {
                    let job = try await queue.job(id: jobID)
                    let reason =
                        job.state == .cancelled && !finished
                        ? "not finished within the timeout"
                        : try await queue.errors(jobID: jobID).last?.error ?? "job \(jobID) is \(job.state.rawValue)"
                    failures.append(EvalRun.Failure(file: entry.contract.file, reason: reason))
                }
            }
            guard let analysisID else {
                contracts.append(Contract(contract: entry.contract, analysis: nil, findings: nil))
                continue
            }
            contracts.append(
                Contract(contract: entry.contract, analysis: try await summary(analysisID), findings: try await findings(analysisID)))
        }
        return Collected(contracts: contracts, failures: failures, reusedCount: submitted.reusedCount)
    }

    func summary(_ analysisID: Int64) async throws -> AnalysisSummary {
        let row = try await database.query(
            """
            SELECT model, engine_host, engine_dialect, reasoning_effort, tokens_in, tokens_out, cost_usd::float8 AS cost
            FROM lector.analyses WHERE id = $1
            """, analysisID
        ).one()
        return AnalysisSummary(
            id: analysisID, model: try row.decode("model"), engineHost: try row.decode("engine_host"),
            engineDialect: try row.decode("engine_dialect"), reasoningEffort: try row.decode("reasoning_effort"),
            tokensIn: try row.decode("tokens_in"), tokensOut: try row.decode("tokens_out"),
            costUSD: try row.decode("cost", as: Double?.self))
    }

    /// An analysis's findings with their quotes, by category. Confidences are stored as `real`: they are
    /// read back to the 6 significant digits a `real` holds, so that a model's 0.9 is 0.9 again (and
    /// falls on the same side of CUAD's thresholds).
    func findings(_ analysisID: Int64) async throws -> [String: ScoredFinding] {
        let rows = try await database.query(
            """
            SELECT id, category, presence, value, value_date::text AS value_date, value_duration,
                   confidence::numeric::float8 AS confidence
            FROM lector.findings WHERE analysis_id = $1
            """, analysisID)
        var byID: [Int64: ScoredFinding] = [:]
        for row in rows {
            byID[try row.decode("id", as: Int64.self)] = ScoredFinding(
                category: try row.decode("category"), present: try row.decode("presence", as: String.self) == "present",
                value: CUADValue.FindingValue(
                    text: try row.decode("value", as: String?.self), date: try row.decode("value_date", as: String?.self),
                    duration: try row.decode("value_duration", as: String?.self)),
                confidence: try row.decode("confidence", as: Double?.self))
        }
        let quotes = try await database.query(
            """
            SELECT q.finding_id, q.text, q.verified, q.match FROM lector.finding_quotes q
            JOIN lector.findings f ON f.id = q.finding_id
            WHERE f.analysis_id = $1 ORDER BY q.finding_id, q.ordinal
            """, analysisID)
        for row in quotes {
            let id = try row.decode("finding_id", as: Int64.self)
            byID[id]?.quotes.append(
                ScoredFinding.Quote(
                    text: try row.decode("text"), verified: try row.decode("verified", as: Bool.self),
                    match: try row.decode("match", as: String.self)))
        }
        return Dictionary(byID.values.map { ($0.category, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
