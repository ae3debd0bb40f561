/// Per-category differences between two runs: `after` minus `before` for each ratio (nil when either
/// run leaves it undefined). The tool to decide between two prompt versions or reasoning efforts.
public struct EvalComparison: Sendable, Hashable, Codable {
    /// One category's ratios in both runs.
    public struct Row: Sendable, Hashable, Codable {
        public var category: String
        public var before: CategoryScore?
        public var after: CategoryScore?

        /// The change of one ratio, nil when either side is undefined.
        public func delta(_ metric: KeyPath<CategoryScore, Double?>) -> Double? {
            guard let a = after?[keyPath: metric], let b = before?[keyPath: metric] else { return nil }
            return a - b
        }
    }

    public var before: EvalRun
    public var after: EvalRun
    /// The categories of either run, in table order, then `overall`.
    public var rows: [Row]

    /// The comparison of two runs.
    public init(before: EvalRun, after: EvalRun) {
        self.before = before
        self.after = after
        var keys = before.categories.map(\.category)
        for key in after.categories.map(\.category) where !keys.contains(key) { keys.append(key) }
        rows = keys.map { key in
            Row(
                category: key, before: before.categories.first { $0.category == key },
                after: after.categories.first { $0.category == key })
        } + [Row(category: "overall", before: before.overall, after: after.overall)]
    }

    /// The ratios compared, with their column names.
    public static var metrics: [(name: String, path: KeyPath<CategoryScore, Double?>)] {
        [
            ("precision", \.precision), ("recall", \.recall), ("f1", \.f1), ("span_recall", \.spanRecall),
            ("span_precision", \.spanPrecision), ("value_agreement", \.valueAgreement), ("grounding", \.grounding),
        ]
    }
}
