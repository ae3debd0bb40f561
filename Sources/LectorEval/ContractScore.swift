/// What one contract scored, per category: the unit every figure of a run is summed from, stored with
/// the run so that runs can be aligned contract by contract and resampled (``EvalComparison``,
/// ``Bootstrap``).
public struct ContractScore: Sendable, Hashable, Codable {
    /// The contract's PDF file name (the labels' `corpus_file`).
    public var file: String
    /// Whether its analysis failed (or was cancelled at the timeout): then every category reads as
    /// answered absent, a miss for each labelled one.
    public var failed: Bool
    /// By Lector category key, for the categories scored, except those that scored
    /// ``CategoryOutcome/init()`` (not labelled, not found, nothing quoted: most categories of most
    /// contracts), which are left out.
    public var outcomes: [String: CategoryOutcome]

    /// A contract's scores; empty outcomes are left out.
    public init(file: String, failed: Bool = false, outcomes: [String: CategoryOutcome]) {
        self.file = file
        self.failed = failed
        self.outcomes = outcomes.filter { $0.value != CategoryOutcome() }
    }

    /// The outcome of `category` (the empty outcome when none is stored).
    public subscript(category: String) -> CategoryOutcome { outcomes[category] ?? CategoryOutcome() }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            file: try c.decode(String.self, forKey: .file), failed: try c.decode(Bool.self, forKey: .failed),
            outcomes: try c.decode([String: CategoryOutcome].self, forKey: .outcomes))
    }

    enum CodingKeys: String, CodingKey {
        case file, failed, outcomes
    }
}
