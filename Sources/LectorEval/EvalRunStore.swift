import Foundation
import LectorDB

/// Stores and reads evaluation runs (`lector.eval_runs`, schema/0040_eval.sql and 0095_eval_contracts.sql).
public struct EvalRunStore: Sendable {
    let database: PostgresClient

    /// A store over `database`.
    public init(database: PostgresClient) { self.database = database }

    /// Inserts `run` and returns its id.
    public func insert(_ run: EvalRun) async throws -> Int64 {
        let row = try await database.query(
            """
            INSERT INTO lector.eval_runs
                (benchmark, labels, engine_host, model, engine_dialect, profile, prompt_version, reasoning_effort,
                 documents, failures, analysis_ids, reused_analyses, tokens_in, tokens_out, cost_usd, categories,
                 overall, started_at, finished_at, contracts, selection, max_quotes, max_quote_length)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13, $14, $15, $16::jsonb,
                    $17::jsonb, $18, $19, $20::jsonb, $21::jsonb, $22, $23)
            RETURNING id
            """,
            [
                run.benchmark, run.labels, run.engineHost, run.model, run.engineDialect, run.profile, run.promptVersion,
                run.reasoningEffort, run.documents, try PostgresJSON(encoding: run.failures),
                try PostgresJSON(encoding: run.analysisIDs), run.reusedAnalyses, run.tokensIn, run.tokensOut, run.costUSD,
                try PostgresJSON(encoding: run.categories), try PostgresJSON(encoding: run.overall), run.startedAt,
                run.finishedAt, try PostgresJSON(encoding: run.contracts), try run.selection.map { try PostgresJSON(encoding: $0) },
                run.quoteLimits?.maxQuotes, run.quoteLimits?.maxQuoteLength,
            ]
        ).one()
        return try row.decode("id", as: Int64.self)
    }

    /// The run with `id`.
    ///
    /// - Throws: ``EvalError`` (`eval.run_not_found`) when there is none.
    public func run(_ id: Int64) async throws -> EvalRun {
        let rows = try await database.query("\(Self.select) WHERE id = $1", id)
        guard let row = rows.first else { throw EvalError(.runNotFound, "no evaluation run \(id) (see lector eval list)") }
        return try Self.decode(row)
    }

    /// The most recent runs, newest first.
    public func list(limit: Int = 50) async throws -> [EvalRun] {
        let rows = try await database.query("\(Self.select) ORDER BY id DESC LIMIT $1", limit)
        return try rows.map(Self.decode)
    }

    static let select = """
        SELECT id, benchmark, labels, engine_host, model, engine_dialect, profile, prompt_version, reasoning_effort,
               documents, failures::text AS failures, analysis_ids::text AS analysis_ids, reused_analyses, tokens_in,
               tokens_out, cost_usd::float8 AS cost_usd, categories::text AS categories, overall::text AS overall,
               extract(epoch FROM started_at)::float8 AS started, extract(epoch FROM finished_at)::float8 AS finished,
               contracts::text AS contracts, selection::text AS selection, max_quotes, max_quote_length
        FROM lector.eval_runs
        """

    static func decode(_ row: PostgresRow) throws -> EvalRun {
        let decoder = JSONDecoder()
        func json<T: Decodable>(_ column: String, as type: T.Type) throws -> T {
            try decoder.decode(T.self, from: Data(try row.decode(column, as: String.self).utf8))
        }
        var quoteLimits: QuoteReach?
        if let maxQuotes = try row.decode("max_quotes", as: Int?.self),
            let maxQuoteLength = try row.decode("max_quote_length", as: Int?.self)
        {
            quoteLimits = QuoteReach(maxQuotes: maxQuotes, maxQuoteLength: maxQuoteLength)
        }
        return EvalRun(
            id: try row.decode("id"), benchmark: try row.decode("benchmark"), labels: try row.decode("labels"),
            engineHost: try row.decode("engine_host"), model: try row.decode("model"),
            engineDialect: try row.decode("engine_dialect"), profile: try row.decode("profile"),
            promptVersion: try row.decode("prompt_version"), reasoningEffort: try row.decode("reasoning_effort"),
            documents: try row.decode("documents"), failures: try json("failures", as: [EvalRun.Failure].self),
            analysisIDs: try json("analysis_ids", as: [Int64].self), reusedAnalyses: try row.decode("reused_analyses"),
            tokensIn: try row.decode("tokens_in"), tokensOut: try row.decode("tokens_out"),
            costUSD: try row.decode("cost_usd", as: Double?.self),
            startedAt: Date(timeIntervalSince1970: try row.decode("started", as: Double.self)),
            finishedAt: Date(timeIntervalSince1970: try row.decode("finished", as: Double.self)),
            categories: try json("categories", as: [CategoryScore].self), overall: try json("overall", as: CategoryScore.self),
            contracts: try json("contracts", as: [ContractScore].self),
            selection: try row.decode("selection", as: String?.self).map {
                try decoder.decode(ContractSelection.Record.self, from: Data($0.utf8))
            },
            quoteLimits: quoteLimits)
    }
}
