import LectorAnalysis
import LectorDB

/// The results of an analyze job's requests, kept in `lector.analysis_chunks` as they arrive, so that
/// the job's next attempt (after an engine outage, a crash, a lost lease) asks the engine only for the
/// requests that have none.
///
/// Rows are keyed by job, plan key and request: another job, or the same job under a changed profile,
/// model or plan, never reads them. Writes are not fenced by the lease: a worker that lost its lease
/// stores an answer to the same request under the same plan, as good as the new holder's; the first one
/// stored is kept.
public struct AnalysisChunkStore: ChunkStore {
    let database: PostgresClient
    let jobID: Int64
    let documentID: Int64
    let tenant: String

    public init(database: PostgresClient, jobID: Int64, documentID: Int64, tenant: String) {
        self.database = database
        self.jobID = jobID
        self.documentID = documentID
        self.tenant = tenant
    }

    public func stored(planKey: String) async throws -> [String: Analyzer.ChunkOutcome] {
        let rows = try await database.query(
            "SELECT request_key, result FROM lector.analysis_chunks WHERE job_id = $1 AND plan_key = $2", jobID, planKey)
        var outcomes: [String: Analyzer.ChunkOutcome] = [:]
        for row in rows {
            let key = try row.decode("request_key", as: String.self)
            // A row this version cannot read is asked again, not trusted.
            guard let outcome = try? row.decode("result", as: PostgresJSON.self).decode(as: Analyzer.ChunkOutcome.self) else { continue }
            outcomes[key] = outcome
        }
        return outcomes
    }

    public func save(_ outcome: Analyzer.ChunkOutcome, for request: AnalysisPlan.Request, planKey: String) async throws {
        let present = outcome.chunks.reduce(0) { $0 + $1.findings.count { $0.presence == .present } }
        try await database.query(
            """
            INSERT INTO lector.analysis_chunks
                (job_id, plan_key, request_key, document_id, tenant, first_page, last_page, categories, asks_document,
                 requests, tokens_in, tokens_out, findings_present, result)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10, $11, $12, $13, $14::jsonb)
            ON CONFLICT (job_id, plan_key, request_key) DO NOTHING
            """,
            [
                jobID, planKey, request.storageKey, documentID, tenant, AnalysisStore.integerColumn(request.firstPage),
                AnalysisStore.integerColumn(request.lastPage), request.categories, request.asksDocument,
                AnalysisStore.integerColumn(outcome.usage.requests), Int64(outcome.usage.promptTokens),
                Int64(outcome.usage.completionTokens), AnalysisStore.integerColumn(present), try PostgresJSON(encoding: outcome),
            ])
    }
}
