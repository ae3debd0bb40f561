/// CUAD's rule for whether an extracted span matches a labelled one (CUAD's `evaluate.py`): lower-cased,
/// `. , ; :` removed, `/` read as a space, then the two word sets overlap with Jaccard >= 0.5. For
/// Parties a span that contains the other, or is contained in it, also matches.
public struct SpanMatcher: Sendable {
    /// Whether the substring rule applies (CUAD's Parties category).
    public var substringMatches: Bool

    /// A matcher; `substringMatches` adds CUAD's Parties rule.
    public init(substringMatches: Bool = false) {
        self.substringMatches = substringMatches
    }

    /// The matcher for a Lector category: Parties gets the substring rule.
    public init(category: String) {
        self.init(substringMatches: category == "parties")
    }

    /// Whether `extracted` matches `labelled`.
    public func matches(_ extracted: String, _ labelled: String) -> Bool {
        let a = Self.normalize(extracted)
        let b = Self.normalize(labelled)
        if substringMatches, !a.isEmpty, !b.isEmpty {
            let x = a.joined(separator: " ")
            let y = b.joined(separator: " ")
            if x.contains(y) || y.contains(x) { return true }
        }
        let left = Set(a)
        let right = Set(b)
        let union = left.union(right).count
        guard union > 0 else { return false }
        // Integers, so that exactly one half is not lost to rounding.
        return 2 * left.intersection(right).count >= union
    }

    /// Whether `extracted` matches any of `labelled`.
    public func matchesAny(_ extracted: String, _ labelled: [String]) -> Bool {
        labelled.contains { matches(extracted, $0) }
    }

    /// Jaccard similarity of the two spans' word sets, for reports and tests.
    public static func jaccard(_ a: String, _ b: String) -> Double {
        let left = Set(normalize(a))
        let right = Set(normalize(b))
        let union = left.union(right).count
        return union == 0 ? 0 : Double(left.intersection(right).count) / Double(union)
    }

    /// The words of a span under CUAD's normalisation.
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
}
