/// CUAD's rule for whether a predicted span (a quote) matches a labelled one, as CUAD's `evaluate.py`
/// has it: both texts lose `. , ; :`, are lower-cased, read `/` as a space and become sets of
/// whitespace-separated words; they match when the Jaccard similarity of the two sets is at least 0.5.
/// For Parties a prediction also matches when it contains the labelled text as it stands (CUAD's
/// `ans in pred`: case, punctuation and spacing as written, and only that way round).
public struct SpanMatcher: Sendable {
    /// Whether CUAD's Parties rule applies: the labelled text inside the prediction matches too.
    public var labelInPredictionMatches: Bool

    /// A matcher; `labelInPredictionMatches` adds CUAD's Parties rule.
    public init(labelInPredictionMatches: Bool = false) {
        self.labelInPredictionMatches = labelInPredictionMatches
    }

    /// The matcher for a Lector category: Parties gets the containment rule.
    public init(category: String) {
        self.init(labelInPredictionMatches: category == "parties")
    }

    /// Whether `prediction` matches `label`.
    public func matches(_ prediction: String, _ label: String) -> Bool {
        matches(Prepared(prediction), Prepared(label))
    }

    /// Whether `prediction` matches any of `labels`.
    public func matchesAny(_ prediction: String, _ labels: [String]) -> Bool {
        let prediction = Prepared(prediction)
        return labels.contains { matches(prediction, Prepared($0)) }
    }

    /// A text with its CUAD word set, for matching it many times.
    public struct Prepared: Sendable {
        public let text: String
        let scalars: [Unicode.Scalar]
        let words: Set<String>

        public init(_ text: String) {
            self.text = text
            scalars = Array(text.unicodeScalars)
            words = Set(SpanMatcher.normalize(text))
        }
    }

    /// Whether the prepared `prediction` matches the prepared `label`.
    public func matches(_ prediction: Prepared, _ label: Prepared) -> Bool {
        if Self.jaccardAtLeastHalf(prediction.words, label.words) { return true }
        return labelInPredictionMatches && Self.contains(prediction.scalars, label.scalars)
    }

    /// Jaccard similarity of the two texts' word sets (0 when both are empty), for reports and tests.
    public static func jaccard(_ a: String, _ b: String) -> Double {
        let left = Set(normalize(a))
        let right = Set(normalize(b))
        let union = left.union(right).count
        return union == 0 ? 0 : Double(left.intersection(right).count) / Double(union)
    }

    /// The words of a text under CUAD's normalisation.
    public static func normalize(_ text: String) -> [String] {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            switch scalar {
            case ".", ",", ";", ":": continue
            case "/": cleaned.append(" ")
            default: cleaned.append(scalar)
            }
        }
        return String(cleaned).split(whereSeparator: { $0.isWhitespace }).map(String.init)
    }

    /// `|A ∩ B| / |A ∪ B| >= 1/2`, in integers so that exactly one half is not lost to rounding. Two
    /// empty sets do not match (CUAD's labels are never empty).
    static func jaccardAtLeastHalf(_ a: Set<String>, _ b: Set<String>) -> Bool {
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        let shared = small.count { large.contains($0) }
        let union = a.count + b.count - shared
        return union > 0 && 2 * shared >= union
    }

    /// Whether `needle` occurs in `haystack` scalar for scalar (Python's `in` on strings).
    static func contains(_ haystack: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard needle.count <= haystack.count else { return false }
        let first = needle[0]
        var start = 0
        while start + needle.count <= haystack.count {
            if haystack[start] == first {
                var i = 1
                while i < needle.count, haystack[start + i] == needle[i] { i += 1 }
                if i == needle.count { return true }
            }
            start += 1
        }
        return false
    }
}
