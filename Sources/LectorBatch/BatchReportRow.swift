/// One line of a batch's report (`lector.batch_report`): a new high-risk finding, a new deadline within
/// the horizon, or a document that failed.
public struct BatchReportRow: Sendable, Codable, Equatable {
    /// `high_risk_finding`, `deadline`, `failed_document`.
    public var kind: String
    public var documentID: Int64?
    public var filename: String?
    /// The finding's category, or the deadline's kind (`expiration`, `notice`).
    public var category: String?
    public var risk: String?
    /// ISO date (yyyy-mm-dd) of a deadline.
    public var dueDate: String?
    /// The risk rationale, the deadline's detail, or the failure's reason.
    public var detail: String?

    enum CodingKeys: String, CodingKey {
        case kind, filename, category, risk, detail
        case documentID = "document_id", dueDate = "due_date"
    }

    /// The CSV columns, in order.
    public static let csvHeader = ["kind", "document_id", "filename", "category", "risk", "due_date", "detail"]

    public var csvFields: [String] {
        [kind, documentID.map(String.init) ?? "", filename ?? "", category ?? "", risk ?? "", dueDate ?? "", detail ?? ""]
    }
}
