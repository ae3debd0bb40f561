/// Two runs side by side: the tool to decide between two prompt versions, reasoning efforts or engines.
///
/// The runs are aligned on the contracts both scored (failed ones included: a failure is a score), and
/// the contracts only one of them scored are dropped and named. Every figure is recomputed on the shared
/// contracts, and the difference (after minus before) of each category's presence F1 and of the overall
/// figures gets a paired bootstrap 95% interval (``Bootstrap``). Runs stored before issue 19 have no
/// per-contract scores: they are compared on their stored figures, without alignment or intervals.
public struct EvalComparison: Sendable, Hashable, Codable {
    /// What identifies a run in a comparison.
    public struct RunHeader: Sendable, Hashable, Codable {
        public var id: Int64
        public var model: String
        public var engineHost: String
        public var profile: String
        public var promptVersion: String
        public var reasoningEffort: String
        /// Contracts the run scored (failed ones included) and of them failed.
        public var contracts: Int
        public var failed: Int
        public var tokensIn: Int64
        public var tokensOut: Int64
        public var quoteLimits: QuoteReach?

        init(_ run: EvalRun) {
            id = run.id
            model = run.model
            engineHost = run.engineHost
            profile = run.profile
            promptVersion = run.promptVersion
            reasoningEffort = run.reasoningEffort
            contracts = run.documents + run.failures.count
            failed = run.failures.count
            tokensIn = run.tokensIn
            tokensOut = run.tokensOut
            quoteLimits = run.quoteLimits
        }

        enum CodingKeys: String, CodingKey {
            case id, model, profile, contracts, failed
            case engineHost = "engine_host"
            case promptVersion = "prompt_version"
            case reasoningEffort = "reasoning_effort"
            case tokensIn = "tokens_in"
            case tokensOut = "tokens_out"
            case quoteLimits = "quote_limits"
        }
    }

    /// One category (or `overall`) in both runs, on the shared contracts.
    public struct Row: Sendable, Hashable, Codable {
        public var category: String
        public var before: CategoryScore?
        public var after: CategoryScore?
        /// The presence F1 difference with its interval (nil when not aligned or the category is in one
        /// run only; for `overall` see ``EvalComparison/overall``).
        public var f1Difference: Bootstrap.Estimate?

        /// The change of one ratio, nil when either side is undefined.
        public func delta(_ metric: KeyPath<CategoryScore, Double?>) -> Double? {
            guard let a = after?[keyPath: metric], let b = before?[keyPath: metric] else { return nil }
            return a - b
        }

        enum CodingKeys: String, CodingKey {
            case category, before, after
            case f1Difference = "f1_difference"
        }
    }

    public var before: RunHeader
    public var after: RunHeader
    /// Whether both runs have per-contract scores, so that they were aligned and resampled.
    public var aligned: Bool
    /// Contracts compared: those both runs scored (when aligned).
    public var contracts: Int
    /// Contracts dropped because only one run scored them.
    public var onlyBefore: [String]
    public var onlyAfter: [String]
    /// The categories of either run, in table order, then `overall`.
    public var rows: [Row]
    /// The overall figures' differences with their intervals (empty when not aligned).
    public var overall: [Bootstrap.Estimate]
    /// The bootstrap's settings.
    public var resamples: Int
    public var seed: UInt64

    /// The comparison of two runs.
    public init(before: EvalRun, after: EvalRun, bootstrap: Bootstrap = Bootstrap()) {
        self.before = RunHeader(before)
        self.after = RunHeader(after)
        resamples = bootstrap.resamples
        seed = bootstrap.seed
        var keys = before.categories.map(\.category)
        for key in after.categories.map(\.category) where !keys.contains(key) { keys.append(key) }
        aligned = !before.contracts.isEmpty && !after.contracts.isEmpty
        guard aligned else {
            contracts = 0
            onlyBefore = []
            onlyAfter = []
            overall = []
            rows =
                keys.map { key in
                    Row(
                        category: key, before: before.categories.first { $0.category == key },
                        after: after.categories.first { $0.category == key })
                } + [Row(category: "overall", before: before.overall, after: after.overall)]
            return
        }
        let afterFiles = Set(after.contracts.map(\.file))
        let beforeFiles = Set(before.contracts.map(\.file))
        onlyBefore = before.contracts.map(\.file).filter { !afterFiles.contains($0) }.sorted()
        onlyAfter = after.contracts.map(\.file).filter { !beforeFiles.contains($0) }.sorted()
        let shared = beforeFiles.intersection(afterFiles).sorted()
        contracts = shared.count
        let left = Self.contracts(before.contracts, shared)
        let right = Self.contracts(after.contracts, shared)

        let rightKeys = Set(after.categories.map(\.category))
        let beforeScores = CUADScorer.summarize(left, categories: before.categories.map { ($0.category, $0.cuadName) })
        let afterScores = CUADScorer.summarize(right, categories: after.categories.map { ($0.category, $0.cuadName) })
        // Overall figures over the categories both runs score, so that they compare like with like.
        let common = before.categories.filter { rightKeys.contains($0.category) }.map { ($0.category, $0.cuadName) }
        let differences = bootstrap.compare(before: left, after: right, categories: common.map(\.0))
        overall = differences.filter { $0.category == "overall" }
        rows =
            keys.map { key in
                Row(
                    category: key, before: beforeScores.categories.first { $0.category == key },
                    after: afterScores.categories.first { $0.category == key },
                    f1Difference: differences.estimate("f1", category: key))
            } + [
                Row(
                    category: "overall", before: CUADScorer.summarize(left, categories: common).overall,
                    after: CUADScorer.summarize(right, categories: common).overall)
            ]
    }

    /// `scores` restricted to `files`, in that order.
    static func contracts(_ scores: [ContractScore], _ files: [String]) -> [ContractScore] {
        let byFile = Dictionary(scores.map { ($0.file, $0) }, uniquingKeysWith: { first, _ in first })
        return files.compactMap { byFile[$0] }
    }

    /// Categories only one run scores (left out of the overall figures when aligned).
    public var unsharedCategories: [String] {
        rows.filter { $0.category != "overall" && ($0.before == nil) != ($0.after == nil) }.map(\.category)
    }

    enum CodingKeys: String, CodingKey {
        case before, after, aligned, contracts, rows, overall, resamples, seed
        case onlyBefore = "only_before"
        case onlyAfter = "only_after"
    }
}
