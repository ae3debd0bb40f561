import Foundation
import Hummingbird
import Logging
import LectorAPI
import LectorDB
import LectorService

/// `GET /review/batches`: the tenant's batch runs; `GET /review/batches/{id}`: one run's progress and its
/// report (what it brought that was not known before: new high-risk findings, deadlines within its
/// horizon, failed documents), read from the views `lector.batch_progress` and `lector.batch_report`.
extension ReviewDesk {
    @Sendable func batches(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try await session(request)
        let rows = try await database.query(
            """
            SELECT p.batch_id, p.name, p.state, p.created_at, p.items, p.done, p.failed, p.pending, p.cost_usd::float8 AS cost
            FROM lector.batch_progress p JOIN lector.batches b ON b.id = p.batch_id
            WHERE b.tenant = $1 ORDER BY p.batch_id DESC LIMIT 100
            """, session.tenant)
        let list = try rows.map { row -> [String: Any] in
            [
                "id": try row.decode("batch_id", as: Int64.self), "name": try row.decode("name", as: String.self),
                "state": try row.decode("state", as: String.self), "createdAt": Self.display(try row.decode("created_at", as: Date.self)),
                "items": try row.decode("items", as: Int.self), "done": try row.decode("done", as: Int.self),
                "failed": try row.decode("failed", as: Int.self), "pending": try row.decode("pending", as: Int.self),
                "cost": String(format: "%.4f", try row.decode("cost", as: Double.self)),
            ]
        }
        return templates.page(
            "batch", ["chrome": chrome(session), "heading": "Batches", "batches": ["rows": list]] as [String: Any])
    }

    @Sendable func batch(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try await session(request)
        let batchID = try Self.id(context, "id", what: "batch")
        let rows = try await database.query(
            """
            SELECT p.name, p.state, p.created_at, p.items, p.done, p.failed, p.pending, p.skipped, p.tokens_in, p.tokens_out,
                   p.cost_usd::float8 AS cost,
                   (SELECT coalesce(jsonb_agg(jsonb_build_object(
                               'kind', r.kind, 'document_id', r.document_id, 'filename', r.filename, 'category', r.category,
                               'risk', r.risk, 'due_date', to_char(r.due_date, 'YYYY-MM-DD'), 'detail', r.detail)
                           ORDER BY CASE r.kind WHEN 'failed_document' THEN 0 WHEN 'high_risk_finding' THEN 1 ELSE 2 END,
                                    r.due_date NULLS LAST, r.filename, r.category), '[]')
                    FROM lector.batch_report r WHERE r.batch_id = p.batch_id)::text AS report
            FROM lector.batch_progress p JOIN lector.batches b ON b.id = p.batch_id
            WHERE p.batch_id = $1 AND b.tenant = $2
            """, batchID, session.tenant)
        guard let row = rows.first else { throw WebError.notFound("batch") }
        struct ReportRow: Decodable {
            var kind: String
            var documentId: Int64?
            var filename: String?
            var category: String?
            var risk: String?
            var dueDate: String?
            var detail: String?
        }
        let report = try Self.jsonDecoder.decode([ReportRow].self, from: Data(try row.decode("report", as: String.self).utf8))
        let name = try row.decode("name", as: String.self)
        let batch: [String: Any] = [
            "state": try row.decode("state", as: String.self), "createdAt": Self.display(try row.decode("created_at", as: Date.self)),
            "items": try row.decode("items", as: Int.self), "done": try row.decode("done", as: Int.self),
            "failed": try row.decode("failed", as: Int.self), "pending": try row.decode("pending", as: Int.self),
            "skipped": try row.decode("skipped", as: Int.self), "tokensIn": try row.decode("tokens_in", as: Int64.self),
            "tokensOut": try row.decode("tokens_out", as: Int64.self), "cost": String(format: "%.4f", try row.decode("cost", as: Double.self)),
            "hasReport": !report.isEmpty,
            "report": report.map { line in
                [
                    "kind": line.kind.replacingOccurrences(of: "_", with: " "),
                    "href": line.documentId.map { "/review/documents/\($0)" } as Any, "filename": line.filename ?? "",
                    "category": line.category.map(Self.label) ?? "", "risk": line.risk as Any, "dueDate": line.dueDate ?? "",
                    "detail": line.detail ?? "",
                ] as [String: Any]
            },
        ]
        return templates.page(
            "batch", ["chrome": chrome(session), "heading": "Batch \(name) #\(batchID)", "batch": batch] as [String: Any])
    }
}
