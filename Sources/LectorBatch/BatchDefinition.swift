import Foundation
import LectorQueue
import LectorEngine

/// A batch job as an operator declares it in `jobs/NAME.yaml`: what to analyse, with which profile, when,
/// within which limits, and what to report.
public struct BatchDefinition: Sendable {
    /// Unique among definitions; the batches of one definition are compared with each other.
    public var name: String
    public var description: String?
    /// When the scheduler runs it; nil for a batch that only runs by hand (`lector batch run`).
    public var schedule: CronSchedule?
    public var tenant: String
    /// The analysis profile (a file of `jobs/profiles`).
    public var profile: String
    /// Priority of its analysis jobs; higher runs first.
    public var priority: Int
    /// The queue its analysis jobs go to.
    public var queue: String
    public var source: BatchSource
    public var limits: BatchLimits
    public var report: BatchReportSettings
    public var price: TokenPrice
    /// The file it was read from.
    public var file: String

    public init(
        name: String, description: String? = nil, schedule: CronSchedule? = nil, tenant: String = "default",
        profile: String, priority: Int = 0, queue: String = "default", source: BatchSource,
        limits: BatchLimits = BatchLimits(), report: BatchReportSettings = BatchReportSettings(),
        price: TokenPrice = .mistralSmall4, file: String = "<memory>"
    ) {
        self.name = name
        self.description = description
        self.schedule = schedule
        self.tenant = tenant
        self.profile = profile
        self.priority = priority
        self.queue = queue
        self.source = source
        self.limits = limits
        self.report = report
        self.price = price
        self.file = file
    }
}
