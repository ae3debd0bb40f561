/// What the report of a run looks at.
public struct BatchReportSettings: Sendable, Equatable {
    /// Deadlines (expiry, notice) this many days ahead are reported.
    public var horizonDays: Int

    public init(horizonDays: Int = 90) {
        self.horizonDays = horizonDays
    }
}
