import Foundation

/// One evaluation run as stored in `lector.eval_runs`: how the analyses ran and what they scored.
public struct EvalRun: Sendable, Hashable, Codable {
    /// A contract whose analysis failed (or was cancelled at the timeout), with the job's last error. It
    /// is scored as answered absent in every category.
    public struct Failure: Sendable, Hashable, Codable {
        public var file: String
        public var reason: String

        /// A failed contract.
        public init(file: String, reason: String) {
            self.file = file
            self.reason = reason
        }

        /// What kind of failure: the error code a reason starts with (`engine.bad_request` of
        /// `engine.bad_request: ...`), else the reason's first line.
        public var kind: String {
            let firstLine = reason.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            if let colon = firstLine.range(of: ": ") {
                let code = firstLine[..<colon.lowerBound]
                if !code.isEmpty, code.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" }) {
                    return String(code)
                }
            }
            return firstLine.isEmpty ? "unknown" : String(firstLine.prefix(120))
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
    /// Contracts with an analysis, and those whose analysis failed; both are scored, a failed one as a
    /// miss in every labelled category.
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
    /// Each contract's outcomes, failed ones included, in file name order: what `compare` aligns and the
    /// bootstrap resamples (empty for runs stored before issue 19).
    public var contracts: [ContractScore]
    /// How the contracts were chosen (nil for runs stored before issue 19).
    public var selection: ContractSelection.Record?
    /// The profile's quote limits that reach was measured against (nil for runs stored before issue 19).
    public var quoteLimits: QuoteReach?

    /// Failures by kind (``Failure/kind``), the most frequent first.
    public var failuresByKind: [(kind: String, count: Int)] {
        var counts: [String: Int] = [:]
        for failure in failures { counts[failure.kind, default: 0] += 1 }
        return counts.map { ($0.key, $0.value) }.sorted { ($1.count, $0.kind) < ($0.count, $1.kind) }
    }

    /// A run; `id` is set when it is stored.
    public init(
        id: Int64 = 0, benchmark: String = "cuad", labels: String, engineHost: String, model: String, engineDialect: String,
        profile: String, promptVersion: String, reasoningEffort: String, documents: Int, failures: [Failure],
        analysisIDs: [Int64], reusedAnalyses: Int, tokensIn: Int64, tokensOut: Int64, costUSD: Double?, startedAt: Date,
        finishedAt: Date, categories: [CategoryScore], overall: CategoryScore, contracts: [ContractScore] = [],
        selection: ContractSelection.Record? = nil, quoteLimits: QuoteReach? = nil
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
        self.contracts = contracts
        self.selection = selection
        self.quoteLimits = quoteLimits
    }

    enum CodingKeys: String, CodingKey {
        case id, benchmark, labels, model, profile, documents, failures, categories, overall, contracts, selection
        case quoteLimits = "quote_limits"
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

extension EvalRun {
    /// Reads a run; the fields added by issue 19 may be missing (older JSON).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(Int64.self, forKey: .id), benchmark: try c.decode(String.self, forKey: .benchmark),
            labels: try c.decode(String.self, forKey: .labels), engineHost: try c.decode(String.self, forKey: .engineHost),
            model: try c.decode(String.self, forKey: .model), engineDialect: try c.decode(String.self, forKey: .engineDialect),
            profile: try c.decode(String.self, forKey: .profile), promptVersion: try c.decode(String.self, forKey: .promptVersion),
            reasoningEffort: try c.decode(String.self, forKey: .reasoningEffort),
            documents: try c.decode(Int.self, forKey: .documents), failures: try c.decode([Failure].self, forKey: .failures),
            analysisIDs: try c.decode([Int64].self, forKey: .analysisIDs),
            reusedAnalyses: try c.decode(Int.self, forKey: .reusedAnalyses), tokensIn: try c.decode(Int64.self, forKey: .tokensIn),
            tokensOut: try c.decode(Int64.self, forKey: .tokensOut), costUSD: try c.decodeIfPresent(Double.self, forKey: .costUSD),
            startedAt: try c.decode(Date.self, forKey: .startedAt), finishedAt: try c.decode(Date.self, forKey: .finishedAt),
            categories: try c.decode([CategoryScore].self, forKey: .categories),
            overall: try c.decode(CategoryScore.self, forKey: .overall),
            contracts: try c.decodeIfPresent([ContractScore].self, forKey: .contracts) ?? [],
            selection: try c.decodeIfPresent(ContractSelection.Record.self, forKey: .selection),
            quoteLimits: try c.decodeIfPresent(QuoteReach.self, forKey: .quoteLimits))
    }
}
