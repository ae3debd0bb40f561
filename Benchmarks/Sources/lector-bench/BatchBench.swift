import ArgumentParser
import Foundation
import LectorAnalysis
import LectorBatch
import LectorCore
import LectorDB
import LectorQueue
import LectorService
import Logging

/// `lector-bench batch`: the Lector side of `Benchmarks/run batch`. Hidden; prints one JSON object.
/// Uses the database it is given as scratch: it empties documents, jobs and batches, and writes made-up
/// analyses for the report step.
struct BatchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Measure batch enqueue against single enqueues; empties the database it runs in.")

    @OptionGroup var bench: BenchOptions
    @Option(help: "Folder of analysis profiles.") var profiles = "jobs/profiles"
    @Option(help: "Documents per batch.") var documents = 1_000
    @Option(help: "Profile the batch uses.") var profile = "fast-text"
    @Option(help: "Repetitions of each measurement (the median is reported).") var repeats = 5

    func run() async throws {
        let logger = bench.makeLogger()
        do {
            let profiles = try AnalysisProfile.loadAll(from: URL(fileURLWithPath: self.profiles))
            try await bench.withDatabase(logger: logger, maxConnections: 4) { client in
                let queue = JobQueue(client: client, logger: logger)
                let runner = BatchRunner(database: client, queue: queue, profiles: profiles, logger: logger)
                try await client.query("TRUNCATE lector.jobs, lector.batches, lector.documents, lector.cron_ticks CASCADE")
                // Stored documents as a re-analysis batch finds them (bytes need only look like a PDF).
                try await client.query(
                    """
                    INSERT INTO lector.documents (tenant, sha256, filename, size_bytes, content, labels)
                    SELECT 'default', encode(sha256(('bench ' || n)::bytea), 'hex'), 'bench-' || n || '.pdf', 20000,
                           convert_to('%PDF-1.4 bench ' || n, 'UTF8'), '{"bench": "batch"}'
                    FROM generate_series(1, $1::integer) AS n
                    """, documents)
                let definition = BatchDefinition(
                    name: "bench", profile: profile,
                    source: .query("SELECT id AS document_id FROM lector.documents WHERE labels ->> 'bench' = 'batch' ORDER BY id"))
                let ids = try await client.query("SELECT id FROM lector.documents ORDER BY id").map { try $0.decode("id", as: Int64.self) }

                var batchTotal: [Double] = [], batchEnqueue: [Double] = [], single: [Double] = []
                for _ in 0..<repeats {
                    try await client.query("TRUNCATE lector.jobs, lector.batches CASCADE")
                    let start = ContinuousClock.now
                    let outcome = try await runner.run(definition)
                    batchTotal.append((ContinuousClock.now - start).secondsValue)
                    batchEnqueue.append(outcome.enqueueSeconds)
                    guard outcome.queued == documents else {
                        throw ValidationError("the batch queued \(outcome.queued) of \(documents)")
                    }

                    // The peer: the same analysis jobs enqueued one statement each, as submitting does.
                    try await client.query("TRUNCATE lector.jobs, lector.batches CASCADE")
                    let singleStart = ContinuousClock.now
                    for id in ids {
                        try await queue.enqueue(
                            NewJob(
                                kind: AnalyzeJob.kind,
                                args: try PostgresJSON(encoding: AnalyzeJob.Arguments(documentID: id, profile: profile)),
                                uniqueKey: AnalyzeJob.uniqueKey(documentID: id, profile: profile)))
                    }
                    single.append((ContinuousClock.now - singleStart).secondsValue)
                }
                // The batch's end: its analyses written as workers would (a high risk in every tenth document,
                // an expiry 0-199 days ahead), then the summary and the report of what changed.
                try await client.query("TRUNCATE lector.jobs, lector.batches CASCADE")
                let outcome = try await runner.run(definition)
                try await client.query(
                    """
                    WITH done AS (
                        UPDATE lector.jobs SET state = 'completed', finished_at = now()
                        WHERE batch_id = $1 RETURNING id, (args ->> 'document_id')::bigint AS document_id
                    ), a AS (
                        INSERT INTO lector.analyses (document_id, job_id, profile, prompt_version, pipeline_version, model,
                                                     engine_host, engine_dialect, reasoning_effort, tokens_in, tokens_out, started_at)
                        SELECT document_id, id, $2, $3, $4, 'bench', 'localhost', 'vllm', 'none', 3000, 300, now() FROM done
                        RETURNING id, document_id
                    )
                    INSERT INTO lector.findings (analysis_id, document_id, category, presence, risk, value_date)
                    SELECT id, document_id, 'governing_law', 'present', CASE WHEN document_id % 10 = 0 THEN 'high' ELSE 'low' END, NULL
                    FROM a
                    UNION ALL
                    SELECT id, document_id, 'expiration_date', 'present', 'low', current_date + (document_id % 200)::integer FROM a
                    """, outcome.batchID, profile, profiles[profile]?.promptVersion ?? "", AnalyzeJob.pipelineVersion)
                let store = BatchStore(database: client)
                let endStart = ContinuousClock.now
                let ended = try await store.finishIfDone(batchID: outcome.batchID)
                let finishSeconds = (ContinuousClock.now - endStart).secondsValue
                let reportStart = ContinuousClock.now
                let report = try await store.report(batchID: outcome.batchID)
                let reportSeconds = (ContinuousClock.now - reportStart).secondsValue

                func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
                printJSON([
                    "documents": documents, "repeats": repeats,
                    "batch_run_seconds": median(batchTotal), "batch_enqueue_seconds": median(batchEnqueue),
                    "single_enqueues_seconds": median(single),
                    "ratio_single_to_batch_run": median(single) / median(batchTotal),
                    "batch_ended": ended, "finish_seconds": finishSeconds, "report_seconds": reportSeconds,
                    "report_high_risk_findings": report.filter { $0.kind == "high_risk_finding" }.count,
                    "report_deadlines": report.filter { $0.kind == "deadline" }.count,
                ])
            }
        }
    }
}
