import LectorDB

/// Reads reviewed truth beside the model's findings (`lector.latest_reviews`, `lector.analyses`,
/// `lector.findings`).
public struct ReviewTruthStore: Sendable {
    let database: PostgresClient

    /// A store on `database`.
    public init(database: PostgresClient) { self.database = database }

    /// Every (document, category) with a decision, of `tenant` when given, with the truth after its
    /// latest decision and the finding of that category in the document's latest analysis (of
    /// `profile` when given; none: model presence nil).
    public func pairs(profile: String? = nil, tenant: String? = nil) async throws -> [ReviewedPair] {
        let rows = try await database.query(
            """
            WITH latest AS (
                SELECT DISTINCT ON (a.document_id) a.id, a.document_id
                FROM lector.analyses a
                WHERE ($1::text IS NULL OR a.profile = $1) AND ($2::text IS NULL OR a.tenant = $2)
                ORDER BY a.document_id, a.finished_at DESC, a.id DESC
            )
            SELECT r.document_id, r.category, r.new ->> 'presence' AS truth_presence, r.new ->> 'value' AS truth_value,
                   f.presence AS model_presence, f.value AS model_value
            FROM lector.latest_reviews r
            LEFT JOIN latest l ON l.document_id = r.document_id
            LEFT JOIN lector.findings f ON f.analysis_id = l.id AND f.category = r.category
            WHERE ($2::text IS NULL OR r.tenant = $2)
            ORDER BY r.category, r.document_id
            """, profile, tenant)
        return try rows.map { row in
            ReviewedPair(
                documentID: try row.decode("document_id"), category: try row.decode("category"),
                truthPresence: try row.decode("truth_presence"), truthValue: try row.decode("truth_value", as: String?.self),
                modelPresence: try row.decode("model_presence", as: String?.self),
                modelValue: try row.decode("model_value", as: String?.self))
        }
    }
}
