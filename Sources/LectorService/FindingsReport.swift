import LectorCore
import LectorDB

/// Reads a document's findings from its latest analysis (the `lector.latest_findings` view), for the
/// command line and, later, the API.
public struct FindingsReport: Sendable {
    /// One finding as people read it.
    public struct Row: Sendable, Equatable {
        public var category: String
        public var presence: String
        public var value: String?
        public var pages: [Int]
        public var risk: String?
        public var quoteCount: Int
        public var verifiedQuoteCount: Int
        /// Quotes that matched only approximately (never verified).
        public var approximateQuoteCount: Int
        /// What contradicts itself in the finding (``GroundingFlag`` raw values).
        public var flags: [String]
        /// The quotes as JSON text (`[{"page", "text", "verified", "match", "page_corrected_from",
        /// "document_text", "locations"}]`).
        public var quotesJSON: String
    }

    let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    /// The id of the one document of `tenant` that `reference` names: an id, a SHA-256 prefix of at
    /// least 8 characters, or a file name.
    ///
    /// - Throws: ``FindingsLookupError`` when none or several match.
    public func documentID(_ reference: String, tenant: String) async throws -> Int64 {
        let matches = try await database.query(
            """
            SELECT id FROM lector.documents
            WHERE tenant = $1 AND (id::text = $2 OR (length($2) >= 8 AND sha256 LIKE lower($2) || '%')
                  OR filename = $2 OR filename LIKE '%/' || $2)
            ORDER BY id
            """, tenant, reference)
        let ids = try matches.map { try $0.decode("id", as: Int64.self) }
        guard let first = ids.first else { throw FindingsLookupError("no document matches '\(reference)'") }
        guard ids.count == 1 else {
            throw FindingsLookupError(
                "'\(reference)' matches several documents (ids \(ids.map(String.init).joined(separator: ", "))); give an id")
        }
        return first
    }

    /// The findings of the document's latest analysis, by category.
    ///
    /// - Throws: ``FindingsLookupError`` when the document has no analysis yet.
    public func findings(documentID id: Int64) async throws -> [Row] {
        let rows = try await database.query(
            """
            SELECT category, presence, value, pages, risk, quote_count, verified_quote_count, approximate_quote_count,
                   grounding_flags, quotes::text AS quotes
            FROM lector.latest_findings WHERE document_id = $1 ORDER BY category
            """, id)
        if rows.isEmpty { throw FindingsLookupError("document \(id) has no analysis yet (see lector status)") }
        return try rows.map { row in
            Row(
                category: try row.decode("category"), presence: try row.decode("presence"),
                value: try row.decode("value", as: String?.self), pages: try row.decode("pages"),
                risk: try row.decode("risk", as: String?.self), quoteCount: try row.decode("quote_count"),
                verifiedQuoteCount: try row.decode("verified_quote_count"),
                approximateQuoteCount: try row.decode("approximate_quote_count"), flags: try row.decode("grounding_flags"),
                quotesJSON: try row.decode("quotes"))
        }
    }
}

/// The document asked for does not exist, is ambiguous, or has no findings yet.
public struct FindingsLookupError: LectorError {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var code: String { "findings.not_found" }
    public var description: String { message }
}
