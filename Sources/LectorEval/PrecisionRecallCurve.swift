/// CUAD's precision-recall curve over span predictions, its area (AUPR) and precision at a recall,
/// computed as CUAD's `evaluate.py` computes them.
///
/// A prediction is a quote of a finding that says present; its confidence is the finding's. For each
/// confidence threshold `t` of CUAD's grid (0.99, 0.98, ... 0.01 as NumPy's `arange(0.99, 0, -0.01)`
/// yields them, then 0.001 and 0), the predictions with confidence strictly above `t` are scored with
/// the span rule: true positives are labelled spans some kept prediction matches, false positives kept
/// predictions that match no labelled span, false negatives the other labelled spans; precision is
/// TP / (TP + FP) (undefined when nothing is kept) and recall TP / (TP + FN). The curve starts at
/// recall 0, precision 1. Precisions are then *interpolated*: each becomes the largest precision at its
/// point or any later (lower-threshold) point, an undefined one taking the value after it; an undefined
/// precision at the last point (nothing predicted at all) leaves every point undefined, as Python's
/// `max` does in CUAD's script.
///
/// - AUPR: the trapezoidal area under the interpolated precisions over recall (scikit-learn's `auc`);
///   0 when the precisions are undefined.
/// - Precision at R% recall: the interpolated precision at the first point, in order of falling
///   threshold, whose recall is at least R%, 0 when none reaches it. As in CUAD's script the point of
///   threshold 0 is not looked at (its `zip` with the thresholds stops one point short).
///
/// With no labelled span at all recall is undefined everywhere: CUAD's script then reports 0, Lector
/// reports these figures as undefined (nil).
public struct PrecisionRecallCurve: Sendable, Hashable {
    /// CUAD's thresholds, highest first: NumPy fills `arange(0.99, 0, -0.01)` as `0.99 + i * d` with
    /// `d = (0.99 - 0.01) - 0.99`, so that for instance the tenth is 0.8999999999999999 (a confidence of
    /// 0.9 is above it).
    public static let thresholds: [Double] = {
        let start = 0.99
        let delta = (start + -0.01) - start
        return (0..<99).map { start + Double($0) * delta } + [0.001, 0]
    }()

    /// Additive counts behind a curve: labelled spans, and per threshold the kept predictions' true and
    /// false positives. Summing two counts is the counts of the union of their contracts.
    public struct Counts: Sendable, Hashable {
        public var spans = 0
        public var truePositives: [Int]
        public var falsePositives: [Int]

        /// Nothing counted.
        public init() {
            truePositives = Array(repeating: 0, count: PrecisionRecallCurve.thresholds.count)
            falsePositives = truePositives
        }

        /// Adds one contract's outcome for one category: its predictions are kept at the thresholds below
        /// its confidence (none when it has no confidence or says absent).
        public mutating func add(_ outcome: CategoryOutcome) {
            spans += outcome.spans
            guard outcome.predicted, let confidence = outcome.confidence, outcome.matched + outcome.unmatched > 0 else {
                return
            }
            let thresholds = PrecisionRecallCurve.thresholds
            for index in thresholds.indices where confidence > thresholds[index] {
                truePositives[index] += outcome.matched
                falsePositives[index] += outcome.unmatched
            }
        }

        /// Adds other counts, `times` times.
        public mutating func add(_ other: Counts, times: Int = 1) {
            spans += other.spans * times
            for index in truePositives.indices {
                truePositives[index] += other.truePositives[index] * times
                falsePositives[index] += other.falsePositives[index] * times
            }
        }
    }

    /// One point: the threshold (nil for the starting point), precision and recall (nil when
    /// undefined), and the interpolated precision.
    public struct Point: Sendable, Hashable, Codable {
        public var threshold: Double?
        public var precision: Double?
        public var recall: Double?
        public var interpolatedPrecision: Double?

        enum CodingKeys: String, CodingKey {
            case threshold, precision, recall
            case interpolatedPrecision = "interpolated_precision"
        }
    }

    /// The starting point, then one point per threshold.
    public let points: [Point]

    /// The curve of `counts`.
    public init(_ counts: Counts) {
        var raw: [(threshold: Double?, precision: Double?, recall: Double?)] = [(nil, 1, 0)]
        for (index, threshold) in Self.thresholds.enumerated() {
            let tp = counts.truePositives[index]
            let fp = counts.falsePositives[index]
            raw.append(
                (
                    threshold, tp + fp > 0 ? Double(tp) / Double(tp + fp) : nil,
                    counts.spans > 0 ? Double(tp) / Double(counts.spans) : nil
                ))
        }
        // Interpolation from the last point back, with Python's max(a, b): b if b > a else a.
        var interpolated = raw.map(\.precision)
        for index in stride(from: interpolated.count - 2, through: 0, by: -1) {
            let later = interpolated[index + 1]
            let here = interpolated[index]
            if let later, let here {
                interpolated[index] = here > later ? here : later
            } else {
                interpolated[index] = later
            }
        }
        points = zip(raw, interpolated).map {
            Point(threshold: $0.threshold, precision: $0.precision, recall: $0.recall, interpolatedPrecision: $1)
        }
    }

    /// The curve of a set of outcomes.
    public init(outcomes: some Sequence<CategoryOutcome>) {
        var counts = Counts()
        for outcome in outcomes { counts.add(outcome) }
        self.init(counts)
    }

    /// Whether any span is labelled (else every figure is undefined).
    public var isDefined: Bool { points.dropFirst().allSatisfy { $0.recall != nil } }

    /// The area under the interpolated precision-recall curve (CUAD's AUPR).
    public var aupr: Double? {
        guard isDefined else { return nil }
        var area = 0.0
        for index in 1..<points.count {
            guard let p0 = points[index - 1].interpolatedPrecision, let p1 = points[index].interpolatedPrecision,
                let r0 = points[index - 1].recall, let r1 = points[index].recall
            else { return 0 }
            area += (r1 - r0) * (p0 + p1) / 2
        }
        return area
    }

    /// CUAD's precision at `recall` (0.8 and 0.9 in the paper).
    public func precision(atRecall recall: Double) -> Double? {
        guard isDefined else { return nil }
        // The starting point and every threshold but the last (CUAD's zip).
        for point in points.dropLast() where (point.recall ?? -1) >= recall {
            return point.interpolatedPrecision ?? 0
        }
        return 0
    }
}
