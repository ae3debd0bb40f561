/// What a batch would take now: the candidates within its limits, and what was left for the next run.
public struct BatchPlan: Sendable {
    public var definition: BatchDefinition
    /// Taken, in order.
    public var candidates: [BatchCandidate]
    /// Beyond a limit: left for the next run.
    public var deferred: [BatchCandidate]
    /// Files of a directory source that a previous run already took in, unchanged since.
    public var unchanged: Int
    public var estimatedTokens: Int
    public var estimatedCostUSD: Double
}
