import LectorCore
import LectorDB

import Foundation

/// Reads a document's findings from its latest analysis (the `lector.latest_findings` view): the one
/// read path of `lector findings` and `GET /v1/documents/{id}/findings`.
public struct FindingsReport: Sendable {
    /// One finding of the latest analysis, with that analysis' identity.
    public struct Row: Sendable, Equatable {
        public var analysisID: Int64
        public var profile: String
        public var model: String
        public var analysedAt: Date
        public var category: String
        public var presence: String
        public var value: String?
        /// The normalised value, by type (at most one is set).
        public var valueDate: String?
        public var valueDuration: String?
        public var valueAmount: Double?
        public var valueCurrency: String?
        public var valueBool: Bool?
        public var pages: [Int]
        public var confidence: Double?
        public var risk: String?
        public var riskRationale: String?
        /// Whether the normalised value appears in a verified quote; nil without such a value.
        public var valueGrounded: Bool?
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

    /// The findings of the tenant's document's latest analysis, by category; empty when it has none yet.
    public func findings(documentID id: Int64, tenant: String) async throws -> [Row] {
        let rows = try await database.query(
            """
            SELECT analysis_id, profile, model, analysed_at, category, presence, value, value_date::text AS value_date,
                   value_duration, value_amount::float8 AS value_amount, value_currency, value_bool, pages,
                   confidence::float8 AS confidence, risk, risk_rationale, value_grounded, quote_count,
                   verified_quote_count, approximate_quote_count, grounding_flags, quotes::text AS quotes
            FROM lector.latest_findings WHERE document_id = $1 AND tenant = $2 ORDER BY category
            """, id, tenant)
        return try rows.map { row in
            Row(
                analysisID: try row.decode("analysis_id"), profile: try row.decode("profile"), model: try row.decode("model"),
                analysedAt: try row.decode("analysed_at"), category: try row.decode("category"),
                presence: try row.decode("presence"), value: try row.decode("value", as: String?.self),
                valueDate: try row.decode("value_date", as: String?.self),
                valueDuration: try row.decode("value_duration", as: String?.self),
                valueAmount: try row.decode("value_amount", as: Double?.self),
                valueCurrency: try row.decode("value_currency", as: String?.self),
                valueBool: try row.decode("value_bool", as: Bool?.self), pages: try row.decode("pages"),
                confidence: try row.decode("confidence", as: Double?.self), risk: try row.decode("risk", as: String?.self),
                riskRationale: try row.decode("risk_rationale", as: String?.self),
                valueGrounded: try row.decode("value_grounded", as: Bool?.self), quoteCount: try row.decode("quote_count"),
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
