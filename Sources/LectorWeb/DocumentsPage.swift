import Foundation
import Hummingbird
import Logging
import LectorAPI
import LectorDB
import LectorService

/// `GET /review`: the tenant's documents, newest first, with state, profile, highest risk, counts and
/// review progress; search by name, filters by state, risk and review status; pages of
/// ``ReviewDeskConfiguration/pageSize``. One query.
extension ReviewDesk {
    /// The states a reviewer filters by, and the job states (``lector.document_states``) each stands for.
    static let stateFilters: [(value: String, label: String, states: [String])] = [
        ("queued", "Queued", ["available", "scheduled", "retryable"]),
        ("running", "Running", ["running"]),
        ("analysed", "Analysed", ["completed", "analysed"]),
        ("failed", "Failed", ["failed", "cancelled"]),
    ]
    static let riskFilters = ["high", "medium", "low", "none"]
    static let reviewFilters: [(value: String, label: String)] = [
        ("unreviewed", "Not started"), ("in_progress", "In progress"), ("done", "Done"), ("corrected", "With corrections"),
    ]

    /// A document's state as a reviewer reads it.
    static func stateLabel(_ state: String) -> String {
        stateFilters.first { $0.states.contains(state) }?.value ?? (state == "none" ? "not queued" : state)
    }

    @Sendable func documents(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try await session(request)
        let parameters = request.uri.queryParameters
        let query = parameters.get("q").map { String($0.trimmingCharacters(in: .whitespaces).prefix(200)) }.flatMap { $0.isEmpty ? nil : $0 }
        let state = parameters.get("state").flatMap { value in Self.stateFilters.first { $0.value == value } }
        let risk = parameters.get("risk").flatMap { Self.riskFilters.contains($0) ? $0 : nil }
        let review = parameters.get("review").flatMap { value in Self.reviewFilters.contains { $0.value == value } ? value : nil }
        let pageNumber = max(1, min(parameters.get("page", as: Int.self) ?? 1, 100_000))
        let size = configuration.pageSize

        let rows = try await database.query(
            """
            SELECT o.document_id, o.filename, o.title, o.profile, o.highest_risk,
                   coalesce(o.findings_present, 0) AS present, coalesce(o.findings_total, 0) AS total,
                   coalesce(o.unverified_quotes, 0) AS unverified, coalesce(o.conflicting_findings, 0) AS conflicts,
                   coalesce(o.findings_reviewed, 0) AS reviewed, coalesce(o.findings_corrected, 0) AS corrected,
                   coalesce(o.findings_pending, 0) AS pending, s.state, s.last_error,
                   count(*) OVER () AS matching
            FROM lector.contract_overview o
            JOIN lector.document_states s ON s.document_id = o.document_id
            WHERE o.tenant = $1
              AND ($2::text IS NULL OR strpos(lower(o.filename), lower($2)) > 0 OR strpos(lower(coalesce(o.title, '')), lower($2)) > 0)
              AND ($3::text[] IS NULL OR s.state = ANY($3))
              AND ($4::text IS NULL OR coalesce(o.highest_risk, 'none') = $4)
              AND ($5::text IS NULL OR CASE $5
                    WHEN 'unreviewed' THEN coalesce(o.findings_reviewed, 0) + coalesce(o.findings_corrected, 0) = 0
                    WHEN 'in_progress' THEN coalesce(o.findings_pending, 0) > 0
                                            AND coalesce(o.findings_reviewed, 0) + coalesce(o.findings_corrected, 0) > 0
                    WHEN 'done' THEN coalesce(o.findings_total, 0) > 0 AND coalesce(o.findings_pending, 0) = 0
                    WHEN 'corrected' THEN coalesce(o.findings_corrected, 0) > 0
                  END)
            ORDER BY o.submitted_at DESC, o.document_id DESC
            LIMIT $6 OFFSET $7
            """, session.tenant, query, state?.states, risk, review, size, (pageNumber - 1) * size)

        var documents: [[String: Any]] = []
        var matching = 0
        for row in rows {
            matching = try row.decode("matching", as: Int.self)
            let id = try row.decode("document_id", as: Int64.self)
            let total = try row.decode("total", as: Int.self)
            let reviewed = try row.decode("reviewed", as: Int.self)
            let corrected = try row.decode("corrected", as: Int.self)
            let stateValue = try row.decode("state", as: String.self)
            documents.append([
                "id": id, "href": "/review/documents/\(id)", "filename": try row.decode("filename", as: String.self),
                "title": try row.decode("title", as: String?.self) as Any,
                "state": Self.stateLabel(stateValue), "stateClass": Self.stateLabel(stateValue).replacingOccurrences(of: " ", with: "-"),
                "lastError": (stateValue == "failed" || stateValue == "retryable" ? try row.decode("last_error", as: String?.self) : nil) as Any,
                "profile": try row.decode("profile", as: String?.self) ?? "–",
                "risk": try row.decode("highest_risk", as: String?.self) as Any,
                "present": try row.decode("present", as: Int.self), "total": total,
                "unverified": try row.decode("unverified", as: Int.self),
                "conflicts": { let c = (try? row.decode("conflicts", as: Int.self)) ?? 0; return c > 0 ? c : nil as Int? }() as Any,
                "decided": reviewed + corrected,
                "progress": Self.progress(total: total, reviewed: reviewed, corrected: corrected),
            ])
        }
        if rows.isEmpty, pageNumber > 1 {
            // Past the last page (the list shrank): the count for the summary needs its own look.
            matching = 0
        }
        func link(page: Int) -> String {
            var items: [String] = []
            if let query { items.append("q=" + query.formEncoded) }
            if let state { items.append("state=" + state.value) }
            if let risk { items.append("risk=" + risk) }
            if let review { items.append("review=" + review) }
            items.append("page=\(page)")
            return "/review?" + items.joined(separator: "&")
        }
        let first = (pageNumber - 1) * size + 1
        let summary =
            matching == 0
            ? "No documents."
            : "Documents \(first) to \(first + documents.count - 1) of \(matching)."
        let view: [String: Any] = [
            "chrome": chrome(session),
            "query": query ?? "",
            "states": [["value": "", "label": "Any", "selected": state == nil]]
                + Self.stateFilters.map { ["value": $0.value, "label": $0.label, "selected": $0.value == state?.value] },
            "risks": [["value": "", "label": "Any", "selected": risk == nil]]
                + Self.riskFilters.map { ["value": $0, "label": $0, "selected": $0 == risk] },
            "reviews": [["value": "", "label": "Any", "selected": review == nil]]
                + Self.reviewFilters.map { ["value": $0.value, "label": $0.label, "selected": $0.value == review] },
            "documents": documents, "hasDocuments": !documents.isEmpty, "summary": summary,
            "previous": (pageNumber > 1 ? link(page: pageNumber - 1) : nil) as Any,
            "next": (pageNumber * size < matching ? link(page: pageNumber + 1) : nil) as Any,
        ]
        return templates.page("documents", view)
    }

    /// "3 of 12 decided (1 corrected)", or "no findings".
    static func progress(total: Int, reviewed: Int, corrected: Int) -> String {
        guard total > 0 else { return "no findings" }
        let decided = reviewed + corrected
        return "\(decided) of \(total) decided" + (corrected > 0 ? " (\(corrected) corrected)" : "")
    }
}
