import Foundation
import LectorCore
import LectorDB

/// The reviewed findings of a tenant, for `lector reviews export` and the review pages' download
/// (`/review/export.csv`): one read path and one rendering, so both serve the same bytes.
///
/// A row is a finding of a document's latest analysis (`lector.latest_findings`) with the decision in
/// force for its document and category: what the model said, what the reviewer decided, and the truth
/// after the decision.
public struct ReviewExport: Sendable {
    /// One finding with its review.
    public struct Row: Sendable, Equatable, Codable {
        public var documentID: Int64
        public var filename: String
        public var analysisID: Int64
        public var profile: String
        public var category: String
        /// What the model said.
        public var modelPresence: String
        public var modelValue: String?
        /// `pending`, `reviewed` (confirmed) or `corrected` (rejected or corrected).
        public var reviewStatus: String
        public var decision: String?
        /// The truth after the decision.
        public var reviewedPresence: String?
        public var reviewedValue: String?
        public var reviewer: String?
        public var reviewedAt: Date?
        public var note: String?
        /// Whether the decision was made on this analysis (false after a reanalysis).
        public var reviewCurrent: Bool

        enum CodingKeys: String, CodingKey {
            case documentID = "document_id", filename, analysisID = "analysis_id", profile, category
            case modelPresence = "model_presence", modelValue = "model_value", reviewStatus = "review_status", decision
            case reviewedPresence = "reviewed_presence", reviewedValue = "reviewed_value", reviewer
            case reviewedAt = "reviewed_at", note, reviewCurrent = "review_current"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(documentID, forKey: .documentID)
            try container.encode(filename, forKey: .filename)
            try container.encode(analysisID, forKey: .analysisID)
            try container.encode(profile, forKey: .profile)
            try container.encode(category, forKey: .category)
            try container.encode(modelPresence, forKey: .modelPresence)
            try container.encode(modelValue, forKey: .modelValue)
            try container.encode(reviewStatus, forKey: .reviewStatus)
            try container.encode(decision, forKey: .decision)
            try container.encode(reviewedPresence, forKey: .reviewedPresence)
            try container.encode(reviewedValue, forKey: .reviewedValue)
            try container.encode(reviewer, forKey: .reviewer)
            try container.encode(reviewedAt.map(ReviewExport.timestamp), forKey: .reviewedAt)
            try container.encode(note, forKey: .note)
            try container.encode(reviewCurrent, forKey: .reviewCurrent)
        }
    }

    /// The CSV header, in the order of the columns.
    public static let csvHeader = [
        "document_id", "filename", "analysis_id", "profile", "category", "model_presence", "model_value", "review_status",
        "decision", "reviewed_presence", "reviewed_value", "reviewer", "reviewed_at", "note", "review_current",
    ]

    let database: PostgresClient

    /// An export on `database`.
    public init(database: PostgresClient) { self.database = database }

    /// The tenant's reviewed findings (`all`: every finding of the latest analyses, with its status), by
    /// document and category.
    public func rows(tenant: String, all: Bool = false) async throws -> [Row] {
        let rows = try await database.query(
            """
            SELECT document_id, filename, analysis_id, profile, category, presence, value, review_status, review_decision,
                   reviewed_presence, reviewed_value, reviewed_by, reviewed_at, review_note, review_current
            FROM lector.latest_findings
            WHERE tenant = $1 AND ($2 OR review_status <> 'pending')
            ORDER BY document_id, category
            """, tenant, all)
        return try rows.map { row in
            Row(
                documentID: try row.decode("document_id"), filename: try row.decode("filename"),
                analysisID: try row.decode("analysis_id"), profile: try row.decode("profile"),
                category: try row.decode("category"), modelPresence: try row.decode("presence"),
                modelValue: try row.decode("value", as: String?.self), reviewStatus: try row.decode("review_status"),
                decision: try row.decode("review_decision", as: String?.self),
                reviewedPresence: try row.decode("reviewed_presence", as: String?.self),
                reviewedValue: try row.decode("reviewed_value", as: String?.self),
                reviewer: try row.decode("reviewed_by", as: String?.self),
                reviewedAt: try row.decode("reviewed_at", as: Date?.self), note: try row.decode("review_note", as: String?.self),
                reviewCurrent: try row.decode("review_current"))
        }
    }

    /// The rows as CSV (RFC 4180, CRLF, a header line), formula-safe (``CSV``: a cell that a spreadsheet
    /// would evaluate, such as a note starting with `=`, gets a leading apostrophe).
    public static func csv(_ rows: [Row]) -> String {
        var out = CSV.line(csvHeader)
        for row in rows {
            out += CSV.line([
                String(row.documentID), row.filename, String(row.analysisID), row.profile, row.category, row.modelPresence,
                row.modelValue ?? "", row.reviewStatus, row.decision ?? "", row.reviewedPresence ?? "", row.reviewedValue ?? "",
                row.reviewer ?? "", row.reviewedAt.map(timestamp) ?? "", row.note ?? "", row.reviewCurrent ? "true" : "false",
            ])
        }
        return out
    }

    /// The rows as a JSON array of objects (keys as the CSV header; nulls kept; sorted keys), with a
    /// final newline.
    public static func json(_ rows: [Row]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain values cannot fail.
        let data = (try? encoder.encode(rows)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// ``csv(_:)-swift.type.method``, for callers that hold an export.
    public func csv(_ rows: [Row]) -> String { Self.csv(rows) }

    /// ``json(_:)-swift.type.method``, for callers that hold an export.
    public func json(_ rows: [Row]) -> String { Self.json(rows) }

    /// A timestamp as ISO 8601 in UTC with milliseconds (`2026-12-02T21:53:39.123Z`).
    static func timestamp(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}
