import Foundation
import HTTPTypes
import Hummingbird
import Logging
import LectorAPI
import LectorDB
import LectorService
import NIOCore

/// `GET /review/export.csv` and `/review/export.json`: the tenant's reviewed findings (`?all=1`: every
/// finding with its review status), the same bytes as `lector reviews export`. The CSV is formula-safe.
extension ReviewDesk {
    @Sendable func exportCSV(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await export(request, type: "text/csv; charset=utf-8", file: "reviewed-findings.csv") { ReviewExport.csv($0) }
    }

    @Sendable func exportJSON(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await export(request, type: "application/json", file: "reviewed-findings.json") { ReviewExport.json($0) }
    }

    private func export(
        _ request: Request, type: String, file: String, render: ([ReviewExport.Row]) throws -> String
    ) async throws -> Response {
        let session = try await session(request)
        let rows = try await ReviewExport(database: database).rows(
            tenant: session.tenant, all: request.uri.queryParameters.get("all") != nil)
        var headers = Templates.securityHeaders
        headers[.contentType] = type
        headers[.contentDisposition] = "attachment; filename=\"\(file)\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: try render(rows))))
    }
}
