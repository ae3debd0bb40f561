/// Where a batch's documents come from.
public enum BatchSource: Sendable, Equatable {
    /// Files below `path` whose path relative to it matches `glob` (`**` spans folders); each run takes
    /// only files that are new or changed since a run of the same definition took them in.
    case directory(path: String, glob: String)
    /// A read-only SQL query returning a `document_id` column (for re-analysis). Operator
    /// configuration, never built from user input, and still run apart: on a connection of its own
    /// logged in as a reader role of the batch's tenant (`lector role create-reader`), so it sees only
    /// the views and that tenant's rows, in a read-only transaction under a statement timeout.
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
