import Foundation
import LectorDB

extension AnalysisStore {
    /// Which of `documentIDs` already have an analysis under `profile`, `promptVersion` and this pipeline
    /// version (a batch skips those).
    public func analysedDocuments(
        _ documentIDs: [Int64], profile: String, promptVersion: String, on connection: PostgresConnection
    ) async throws -> Set<Int64> {
        let rows = try await connection.query(
            """
            SELECT DISTINCT a.document_id FROM lector.analyses a
            WHERE a.document_id = ANY($1::bigint[]) AND a.profile = $2 AND a.prompt_version = $3 AND a.pipeline_version = $4
            """, documentIDs, profile, promptVersion, AnalyzeJob.pipelineVersion)
        return Set(try rows.map { try $0.decode("document_id", as: Int64.self) })
    }
}
