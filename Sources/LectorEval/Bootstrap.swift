/// Bootstrap 95% intervals over contracts: the contracts are drawn with replacement, as many as there
/// are, `resamples` times (seeded, so the same runs always give the same intervals); each figure is
/// recomputed on every resample, and the interval runs from the 2.5th to the 97.5th percentile of the
/// resampled values (linear interpolation between order statistics, NumPy's default). A resample on
/// which a figure is undefined (no labelled contract for a recall, say) is left out of its interval.
///
/// Paired (``compare(before:after:categories:)``): both runs are resampled with the same draws of the
/// contracts they share, and the interval is that of the difference, after minus before; an interval
/// that excludes 0 is a difference the contracts support, not one sampling alone would produce.
public struct Bootstrap: Sendable {
    /// How many resamples.
    public var resamples: Int
    /// The draws' seed.
    public var seed: UInt64

    /// 2,000 resamples with seed 19 by default.
    public init(resamples: Int = 2000, seed: UInt64 = 19) {
        self.resamples = max(1, resamples)
        self.seed = seed
    }

    /// The overall figures given intervals, in report order.
    public static let overallFigures = [
        "precision", "recall", "f1", "span_precision", "span_recall", "span_f1", "aupr", "precision_at_80_recall",
        "precision_at_90_recall",
    ]

    /// One figure with its interval: for one run the figure itself, for two the difference.
    public struct Estimate: Sendable, Hashable, Codable {
        /// `f1` for a category, an ``Bootstrap/overallFigures`` name for `overall`.
        public var figure: String
        /// The category key or `overall`.
        public var category: String
        /// On all the contracts (nil when undefined).
        public var value: Double?
        /// The 95% interval (nil when no resample defines the figure).
        public var lower: Double?
        public var upper: Double?
        /// Resamples on which the figure was defined.
        public var defined: Int

        /// Whether the interval lies wholly above or below 0 (for differences).
        public var excludesZero: Bool {
            guard let lower, let upper else { return false }
            return lower > 0 || upper < 0
        }
    }

    /// Intervals of one run's figures: each category's presence F1 and the overall figures.
    public func intervals(_ contracts: [ContractScore], categories: [String]) -> [Estimate] {
        let layout = Layout(categories: categories)
        let vectors = contracts.map(layout.vector)
        let point = layout.figures(Layout.sum(vectors, weights: nil))
        var samples = Array(repeating: [Double](), count: point.count)
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<(vectors.isEmpty ? 0 : resamples) {
            let weights = Self.draw(vectors.count, &generator)
            for (index, value) in layout.figures(Layout.sum(vectors, weights: weights)).enumerated() {
                if let value { samples[index].append(value) }
            }
        }
        return layout.estimates(point: point, samples: samples)
    }

    /// Paired intervals of the differences (after minus before) on contracts aligned by position: the
    /// caller passes the same contracts in the same order for both runs.
    public func compare(before: [ContractScore], after: [ContractScore], categories: [String]) -> [Estimate] {
        precondition(before.count == after.count, "paired runs must be aligned")
        let layout = Layout(categories: categories)
        let left = before.map(layout.vector)
        let right = after.map(layout.vector)
        let point = zip(layout.figures(Layout.sum(left, weights: nil)), layout.figures(Layout.sum(right, weights: nil))).map {
            Self.difference($0, $1)
        }
        var samples = Array(repeating: [Double](), count: point.count)
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<(left.isEmpty ? 0 : resamples) {
            let weights = Self.draw(left.count, &generator)
            let a = layout.figures(Layout.sum(left, weights: weights))
            let b = layout.figures(Layout.sum(right, weights: weights))
            for index in a.indices {
                if let delta = Self.difference(a[index], b[index]) { samples[index].append(delta) }
            }
        }
        return layout.estimates(point: point, samples: samples)
    }

    static func difference(_ before: Double?, _ after: Double?) -> Double? {
        guard let before, let after else { return nil }
        return after - before
    }

    /// How often each of `count` contracts is drawn in one resample.
    static func draw(_ count: Int, _ generator: inout SeededGenerator) -> [Int] {
        var weights = Array(repeating: 0, count: count)
        for _ in 0..<count { weights[generator.below(count)] += 1 }
        return weights
    }

    /// The `q` quantile of sorted values, interpolating linearly between order statistics.
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let h = Double(sorted.count - 1) * q
        let below = Int(h.rounded(.down))
        guard below + 1 < sorted.count else { return sorted[below] }
        return sorted[below] + (h - Double(below)) * (sorted[below + 1] - sorted[below])
    }

    /// Each contract as a vector of additive counts: per category labelled, predicted, both; then labelled
    /// spans, matched, unmatched predictions; then the curve's true and false positives per threshold.
    struct Layout {
        let categories: [String]
        var spanBase: Int { 3 * categories.count }
        var curveBase: Int { spanBase + 3 }
        var thresholds: Int { PrecisionRecallCurve.thresholds.count }
        var width: Int { curveBase + 2 * thresholds }

        func vector(_ contract: ContractScore) -> [Int] {
            var vector = Array(repeating: 0, count: width)
            var curve = PrecisionRecallCurve.Counts()
            for (index, category) in categories.enumerated() {
                let outcome = contract[category]
                vector[3 * index] = outcome.labelled ? 1 : 0
                vector[3 * index + 1] = outcome.predicted ? 1 : 0
                vector[3 * index + 2] = outcome.labelled && outcome.predicted ? 1 : 0
                vector[spanBase] += outcome.spans
                vector[spanBase + 1] += outcome.matched
                vector[spanBase + 2] += outcome.unmatched
                curve.add(outcome)
            }
            for index in 0..<thresholds {
                vector[curveBase + index] = curve.truePositives[index]
                vector[curveBase + thresholds + index] = curve.falsePositives[index]
            }
            return vector
        }

        static func sum(_ vectors: [[Int]], weights: [Int]?) -> [Int] {
            guard let first = vectors.first else { return [] }
            var total = Array(repeating: 0, count: first.count)
            total.withUnsafeMutableBufferPointer { total in
                for (index, vector) in vectors.enumerated() {
                    let weight = weights?[index] ?? 1
                    guard weight > 0 else { continue }
                    vector.withUnsafeBufferPointer { vector in
                        for i in 0..<vector.count { total[i] += weight * vector[i] }
                    }
                }
            }
            return total
        }

        /// Each category's F1, then the overall figures, from summed counts.
        func figures(_ sum: [Int]) -> [Double?] {
            guard !sum.isEmpty else { return Array(repeating: nil, count: categories.count + Bootstrap.overallFigures.count) }
            var values: [Double?] = []
            var labelled = 0, predicted = 0, both = 0
            for index in categories.indices {
                let (l, p, b) = (sum[3 * index], sum[3 * index + 1], sum[3 * index + 2])
                values.append(CategoryScore.f1(truePositives: b, predicted: p, labelled: l))
                labelled += l
                predicted += p
                both += b
            }
            let spans = sum[spanBase], matched = sum[spanBase + 1], unmatched = sum[spanBase + 2]
            var counts = PrecisionRecallCurve.Counts()
            counts.spans = spans
            for index in 0..<thresholds {
                counts.truePositives[index] = sum[curveBase + index]
                counts.falsePositives[index] = sum[curveBase + thresholds + index]
            }
            let curve = PrecisionRecallCurve(counts)
            values += [
                CategoryScore.ratio(both, predicted), CategoryScore.ratio(both, labelled),
                CategoryScore.f1(truePositives: both, predicted: predicted, labelled: labelled),
                CategoryScore.ratio(matched, matched + unmatched), CategoryScore.ratio(matched, spans),
                CategoryScore.f1(truePositives: matched, predicted: matched + unmatched, labelled: spans), curve.aupr,
                curve.precision(atRecall: 0.8), curve.precision(atRecall: 0.9),
            ]
            return values
        }

        func estimates(point: [Double?], samples: [[Double]]) -> [Estimate] {
            let names = categories.map { ("f1", $0) } + Bootstrap.overallFigures.map { ($0, "overall") }
            return names.enumerated().map { index, name in
                let sorted = samples[index].sorted()
                return Estimate(
                    figure: name.0, category: name.1, value: point[index], lower: Bootstrap.quantile(sorted, 0.025),
                    upper: Bootstrap.quantile(sorted, 0.975), defined: sorted.count)
            }
        }
    }
}

extension [Bootstrap.Estimate] {
    /// The estimate of `figure` for `category`.
    public func estimate(_ figure: String, category: String = "overall") -> Bootstrap.Estimate? {
        first { $0.figure == figure && $0.category == category }
    }
}
