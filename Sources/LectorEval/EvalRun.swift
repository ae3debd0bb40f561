import Foundation

/// One evaluation run as stored in `lector.eval_runs`: how the analyses ran and what they scored.
public struct EvalRun: Sendable, Hashable, Codable {
    /// A contract that could not be scored (its analysis job failed), with the job's last error.
    public struct Failure: Sendable, Hashable, Codable {
        public var file: String
        public var reason: String

        /// A failed contract.
        public init(file: String, reason: String) {
            self.file = file
            self.reason = reason
        }
    }

    /// The run's id in `lector.eval_runs` (0 until stored).
    public var id: Int64
    /// `cuad`.
    public var benchmark: String
    /// The labels file's name.
    public var labels: String
    /// The engine host(s), model(s) and dialect(s) the analyses record (joined with `, ` when they differ).
    public var engineHost: String
    public var model: String
    public var engineDialect: String
    public var profile: String
    public var promptVersion: String
    public var reasoningEffort: String
    /// Contracts scored, and those whose analysis failed.
    public var documents: Int
    public var failures: [Failure]
    /// Analyses scored, in contract order.
    public var analysisIDs: [Int64]
    /// Analyses reused from before the run (`--reuse`).
    public var reusedAnalyses: Int
    public var tokensIn: Int64
    public var tokensOut: Int64
    /// Summed estimated cost, when the analyses record one.
    public var costUSD: Double?
    public var startedAt: Date
    public var finishedAt: Date
    /// Scores per CUAD category the profile asks for, in table order.
    public var categories: [CategoryScore]
    /// Counts summed over the categories.
    public var overall: CategoryScore

    /// A run; `id` is set when it is stored.
    public init(
        id: Int64 = 0, benchmark: String = "cuad", labels: String, engineHost: String, model: String, engineDialect: String,
        profile: String, promptVersion: String, reasoningEffort: String, documents: Int, failures: [Failure],
        analysisIDs: [Int64], reusedAnalyses: Int, tokensIn: Int64, tokensOut: Int64, costUSD: Double?, startedAt: Date,
        finishedAt: Date, categories: [CategoryScore], overall: CategoryScore
    ) {
        self.id = id
        self.benchmark = benchmark
        self.labels = labels
        self.engineHost = engineHost
        self.model = model
        self.engineDialect = engineDialect
        self.profile = profile
        self.promptVersion = promptVersion
        self.reasoningEffort = reasoningEffort
        self.documents = documents
        self.failures = failures
        self.analysisIDs = analysisIDs
        self.reusedAnalyses = reusedAnalyses
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.costUSD = costUSD
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.categories = categories
        self.overall = overall
    }

    enum CodingKeys: String, CodingKey {
        case id, benchmark, labels, model, profile, documents, failures, categories, overall
        case engineHost = "engine_host"
        case engineDialect = "engine_dialect"
        case promptVersion = "prompt_version"
        case reasoningEffort = "reasoning_effort"
        case analysisIDs = "analysis_ids"
        case reusedAnalyses = "reused_analyses"
        case tokensIn = "tokens_in"
        case tokensOut = "tokens_out"
        case costUSD = "cost_usd"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }
}
