import Foundation
import LectorAnalysis
import LectorDB

/// Writes an analysis, its findings and their quotes (DESIGN §4) on the caller's connection, inside the
/// caller's transaction (the one that also completes the job, fenced by its lease).
///
/// Idempotent per job: `analyses.job_id` is unique, so a retried job that reaches the write again gets
/// the existing analysis back instead of a second one.
public struct AnalysisStore: Sendable {
    /// What the analysis result does not know: where it belongs and how it ran.
    public struct Context: Sendable {
        public var documentID: Int64
        /// The job that ran the analysis; nil for ad-hoc runs (which are then not deduplicated).
        public var jobID: Int64?
        public var tenant: String
        /// The engine's dialect (`vllm`, `llamacpp`, ...).
        public var engineDialect: String
        /// Lector's version, for reproducing an analysis.
        public var pipelineVersion: String
        /// When the job started working on the document.
        public var startedAt: Date
        /// Time spent extracting the PDF, when it was extracted for this analysis.
        public var extractMilliseconds: Int?
        /// The estimated price, from the operator's price table.
        public var costUSD: Double?

        public init(
            documentID: Int64, jobID: Int64?, tenant: String, engineDialect: String, pipelineVersion: String,
            startedAt: Date, extractMilliseconds: Int? = nil, costUSD: Double? = nil
        ) {
            self.documentID = documentID
            self.jobID = jobID
            self.tenant = tenant
            self.engineDialect = engineDialect
            self.pipelineVersion = pipelineVersion
            self.startedAt = startedAt
            self.extractMilliseconds = extractMilliseconds
            self.costUSD = costUSD
        }
    }

    /// The outcome of ``write(_:context:on:)``.
    public struct Written: Sendable, Hashable {
        public var analysisID: Int64
        /// False when the job's analysis already existed (nothing was written).
        public var created: Bool
    }

    public init() {}

    /// A value for an `integer` column: PostgreSQL refuses anything beyond 32 bits (SQLSTATE 22003) and
    /// would fail the whole fenced completion for a timing.
    static func integerColumn(_ value: Int) -> Int { Int(Int32(clamping: value)) }

    /// Writes `result`; run it inside the transaction that completes the job.
    public func write(_ result: AnalysisResult, context: Context, on connection: PostgresConnection) async throws -> Written {
        let inserted = try await connection.query(
            """
            INSERT INTO lector.analyses
                (document_id, job_id, tenant, profile, prompt_version, pipeline_version, model, engine_host,
                 engine_dialect, external_engine, reasoning_effort, plan, document_facts, tokens_in, tokens_out,
                 tokens_cached, cost_usd, extract_ms, engine_ms, started_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb, $14, $15, $16, $17, $18, $19, $20)
            ON CONFLICT (job_id) DO NOTHING
            RETURNING id
            """,
            [
                context.documentID, context.jobID, context.tenant, result.profile, result.promptVersion,
                context.pipelineVersion, result.model, result.engineHost, context.engineDialect, result.externalEngine,
                result.reasoningEffort ?? "default", try PostgresJSON(encoding: result.plan),
                try PostgresJSON(encoding: result.facts), Int64(result.usage.promptTokens),
                Int64(result.usage.completionTokens), result.usage.cachedPromptTokens.map(Int64.init), context.costUSD,
                context.extractMilliseconds.map(Self.integerColumn), Self.integerColumn(result.engineMilliseconds),
                context.startedAt,
            ])
        guard let row = inserted.first else {
            let existing = try await connection.query(
                "SELECT id FROM lector.analyses WHERE job_id = $1", context.jobID)
            return Written(analysisID: try existing.one().decode("id", as: Int64.self), created: false)
        }
        let analysisID = try row.decode("id", as: Int64.self)
        for finding in result.findings {
            let normalized = finding.normalized
            let findingRow = try await connection.query(
                """
                INSERT INTO lector.findings
                    (analysis_id, document_id, tenant, category, presence, value, normalized, value_date,
                     value_duration, value_amount, value_currency, value_bool, pages, confidence, risk, risk_rationale,
                     value_grounded, grounding_flags, conflict)
                VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::date, $9, $10, $11, $12, $13::integer[], $14, $15, $16,
                        $17, $18::text[], $19::jsonb)
                RETURNING id
                """,
                [
                    analysisID, context.documentID, context.tenant, finding.category, finding.presence.rawValue,
                    finding.value, normalized.isEmpty ? nil : try PostgresJSON(encoding: normalized),
                    normalized.date.flatMap { AnswerValidator.isRealDate($0) ? $0 : nil },
                    normalized.duration.flatMap { AnswerValidator.isDuration($0) ? $0 : nil }, normalized.amount,
                    normalized.currency, normalized.boolean, finding.pages, finding.confidence, finding.risk.rawValue,
                    finding.riskRationale, finding.valueGrounded, finding.flags.map(\.rawValue),
                    try finding.conflict.map { try PostgresJSON(encoding: $0) },
                ])
            let findingID = try findingRow.one().decode("id", as: Int64.self)
            for (ordinal, quote) in finding.quotes.enumerated() {
                try await connection.query(
                    """
                    INSERT INTO lector.finding_quotes
                        (finding_id, ordinal, page, text, verified, page_corrected_from, match, document_text, locations)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
                    """,
                    findingID, ordinal + 1, quote.page, quote.text, quote.verified, quote.pageCorrectedFrom,
                    quote.match.rawValue, quote.documentText, try PostgresJSON(encoding: quote.locations))
            }
        }
        return Written(analysisID: analysisID, created: true)
    }
}
