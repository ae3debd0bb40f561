import Foundation
import LectorQueue

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

/// Where a batch's documents come from.
public enum BatchSource: Sendable, Equatable {
    /// Files below `path` whose path relative to it matches `glob` (`**` spans folders); each run takes
    /// only files that are new or changed since a run of the same definition took them in.
    case directory(path: String, glob: String)
    /// A read-only SQL query returning a `document_id` column (for re-analysis), run in a read-only
    /// transaction. Operator configuration: never built from user input.
    case query(String)
    /// Named files (absolute, or relative to the definition's folder).
    case files([String])

    /// A short label for listings: `directory`, `query`, `files`.
    public var kind: String {
        switch self {
        case .directory: "directory"
        case .query: "query"
        case .files: "files"
        }
    }
}

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

/// What the report of a run looks at.
public struct BatchReportSettings: Sendable, Equatable {
    /// Deadlines (expiry, notice) this many days ahead are reported.
    public var horizonDays: Int

    public init(horizonDays: Int = 90) {
        self.horizonDays = horizonDays
    }
}

/// Prices per million tokens in US dollars, for estimates and for analyses that carry no price.
public struct TokenPrice: Sendable, Equatable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double

    public init(inputPerMillion: Double, outputPerMillion: Double) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
    }

    /// Mistral's list price for Mistral Small 4 on its API (DESIGN §7).
    public static let mistralSmall4 = TokenPrice(inputPerMillion: 0.15, outputPerMillion: 0.60)

    /// The price of `input` and `output` tokens.
    public func cost(input: Int, output: Int) -> Double {
        (Double(input) * inputPerMillion + Double(output) * outputPerMillion) / 1_000_000
    }
}
