/// Where an analysis keeps each request's result as it arrives, so that a retried job asks the engine
/// again only for the requests that had no result (the service keeps them in `lector.analysis_chunks`).
///
/// Results are stored under the plan's ``AnalysisPlan/key``: a changed profile, prompt, model or plan
/// has another key and never reuses them.
public protocol ChunkStore: Sendable {
    /// The results stored under `planKey`, by ``AnalysisPlan/Request/storageKey``.
    func stored(planKey: String) async throws -> [String: Analyzer.ChunkOutcome]
    /// Stores `outcome`, the result of the planned `request`.
    func save(_ outcome: Analyzer.ChunkOutcome, for request: AnalysisPlan.Request, planKey: String) async throws
}
