import Foundation

/// One document a batch would take: a file of a file source, or a stored document of a query source.
public struct BatchCandidate: Sendable, Equatable {
    /// The member's key within the batch: the file path, or `document:<id>`.
    public var item: String
    /// The file, for file sources.
    public var path: String?
    /// The stored document, for query sources (file sources learn it when the file is stored).
    public var documentID: Int64?
    public var sizeBytes: Int64
    /// The file's modification time, for file sources.
    public var modifiedAt: Date?
    /// Estimated prompt and output tokens of its analysis.
    public var estimatedTokens: Int
    /// Why it cannot be taken (a listed file that is missing); such a candidate is reported as failed.
    public var problem: String?
}
