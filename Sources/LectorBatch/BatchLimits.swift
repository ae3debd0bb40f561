/// Limits of one run; documents beyond a limit are left for the next run.
public struct BatchLimits: Sendable, Equatable {
    public var maxDocuments: Int?
    public var maxEstimatedTokens: Int?
    public var maxEstimatedCostUSD: Double?

    public init(maxDocuments: Int? = nil, maxEstimatedTokens: Int? = nil, maxEstimatedCostUSD: Double? = nil) {
        self.maxDocuments = maxDocuments
        self.maxEstimatedTokens = maxEstimatedTokens
        self.maxEstimatedCostUSD = maxEstimatedCostUSD
    }
}
