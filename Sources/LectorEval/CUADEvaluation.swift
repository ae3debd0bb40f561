import Foundation
import LectorAnalysis
import LectorDB
import LectorEngine
import LectorPDF
import LectorQueue
import LectorService
import Logging

/// `lector eval cuad`: runs the labelled CUAD contracts through the normal pipeline (stored documents,
/// `analyze` jobs, a worker) and scores the analyses against the labels.
///
/// Documents are stored once per tenant and content, as any submission. Each run enqueues fresh analyze
/// jobs on its own queue (default `eval`, so that evaluation does not compete with nightly batches),
/// unless `reuseAnalyses` asks to score a contract's latest analysis under the same profile and prompt
/// version. The jobs are run by an in-process worker, or by external `lector worker --queue eval`
/// processes (``Runner/externalWorkers``) while this waits. A contract whose job fails (or is cancelled
/// at the timeout) is reported and left out of the scores.
public struct CUADEvaluation: Sendable {
    /// What to evaluate.
    public struct Options: Sendable {
        /// CUAD's `master_clauses.csv` with a first column `corpus_file`.
        public var labelsFile: URL
        /// The folder with the contracts' PDFs (named as the labels' `corpus_file`).
        public var pdfFolder: URL
        /// The profile the contracts are analysed under; its CUAD categories are scored.
        public var profile: AnalysisProfile
        /// Evaluate only the first N contracts, smallest PDF files first.
        public var limit: Int?
        /// The tenant the contracts are stored under.
        public var tenant: String
        /// The queue the analyze jobs go to.
        public var queue: String
        /// Score existing analyses under the same profile and prompt version instead of analysing again.
        public var reuseAnalyses: Bool
        /// Stop waiting after this long (nil: as long as it takes): the finished analyses are scored, the
        /// unfinished jobs cancelled and reported as failures.
        public var timeout: Duration?

        /// Options; by default every contract, fresh analyses on the queue `eval` under the tenant `eval`.
        public init(
            labelsFile: URL, pdfFolder: URL, profile: AnalysisProfile, limit: Int? = nil, tenant: String = "eval",
            queue: String = "eval", reuseAnalyses: Bool = false, timeout: Duration? = nil
        ) {
            self.labelsFile = labelsFile
            self.pdfFolder = pdfFolder
            self.profile = profile
            self.limit = limit
            self.tenant = tenant
            self.queue = queue
            self.reuseAnalyses = reuseAnalyses
            self.timeout = timeout
        }
    }

    /// Who runs the analyze jobs.
    public enum Runner: Sendable {
        /// A worker in this process, with this engine and extractor, until the run's jobs are done.
        case inProcess(engine: EngineClient, engineDialect: String, extractor: PDFExtractor, concurrency: Int)
        /// Workers elsewhere (`lector worker --queue <queue>`); this only waits.
        case externalWorkers
    }

    let database: PostgresClient
    let logger: Logger

    /// An evaluation against `database`; `logger` goes to the worker and the queue.
    public init(database: PostgresClient, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Runs the evaluation, stores it in `lector.eval_runs` and returns it with its id.
    ///
    /// - Parameter progress: receives one line per change in the jobs' states (for standard error).
    /// - Throws: ``EvalError`` (labels, PDFs, no contracts); database and engine errors.
    public func run(
        _ options: Options, runner: Runner, progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> EvalRun {
        let startedAt = Date()
        let labels = try CUADLabels.load(from: options.labelsFile)
        let contracts = try selectContracts(labels, options: options)
        let token = UUID().uuidString.lowercased().prefix(12)
        let keyPrefix = "eval:\(token):"

        // Store the documents and either find an analysis to reuse or enqueue a job.
        var planned: [(contract: CUADContract, documentID: Int64, analysisID: Int64?, jobID: Int64?)] = []
        let queue = JobQueue(client: database, logger: logger)
        for contract in contracts {
            let url = options.pdfFolder.appendingPathComponent(contract.file)
            guard let bytes = FileManager.default.contents(atPath: url.path) else {
                throw EvalError(.pdfs, "\(url.path): cannot be read")
            }
            let entry = try await database.withTransaction { connection in
                let document = try await DocumentStore().insert(
                    tenant: options.tenant, filename: contract.file, bytes: [UInt8](bytes), labels: ["source": "cuad"],
                    on: connection)
                if options.reuseAnalyses {
                    let existing = try await connection.query(
                        """
                        SELECT id FROM lector.analyses WHERE document_id = $1 AND profile = $2 AND prompt_version = $3
                        ORDER BY finished_at DESC, id DESC LIMIT 1
                        """, document.id, options.profile.name, options.profile.promptVersion)
                    if let row = existing.first {
                        return (document.id, try row.decode("id", as: Int64?.self), Int64?.none)
                    }
                }
                let job = try await queue.enqueue(
                    try AnalyzeJob.newJob(
                        documentID: document.id, profile: options.profile.name, tenant: options.tenant,
                        queue: options.queue, uniqueKey: keyPrefix + String(document.id)),
                    on: connection)
                return (document.id, Int64?.none, Int64?(job.id))
            }
            planned.append((contract, entry.0, entry.1, entry.2))
        }
        let jobCount = planned.count { $0.jobID != nil }
        progress("\(contracts.count) contracts, \(jobCount) to analyse on queue '\(options.queue)', \(contracts.count - jobCount) reused")

        var finished = true
        if jobCount > 0 {
            switch runner {
            case .externalWorkers:
                finished = try await waitForJobs(queue, keyPrefix: keyPrefix, timeout: options.timeout, progress: progress)
            case .inProcess(let engine, let dialect, let extractor, let concurrency):
                var handlers = JobHandlers()
                AnalyzeJob(
                    database: database, extractor: extractor, engine: engine, engineDialect: dialect,
                    profiles: [options.profile.name: options.profile]
                ).register(in: &handlers)
                let worker = Worker(
                    queue: queue, handlers: handlers,
                    // A long lease: one request to a small local model can outlast a short one on a loaded machine.
                    configuration: WorkerConfiguration(queue: options.queue, concurrency: max(1, concurrency), leaseSeconds: 120),
                    logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await worker.run() }
                    do {
                        finished = try await waitForJobs(queue, keyPrefix: keyPrefix, timeout: options.timeout, progress: progress)
                    } catch {
                        worker.shutdown()
                        try? await group.waitForAll()
                        throw error
                    }
                    if finished {
                        worker.shutdown()
                    } else {
                        // Out of time: no grace for running jobs, whose engine requests may never end.
                        group.cancelAll()
                    }
                    try await group.waitForAll()
                }
            }
        }
        if !finished {
            // Out of time: what is done is scored; the rest is cancelled (a running job loses its lease) and
            // reported, so that no eval job lingers on the queue.
            for jobID in planned.compactMap(\.jobID) where try await !queue.job(id: jobID).state.isFinal {
                _ = try await queue.cancel(jobID: jobID)
            }
            progress("timeout: unfinished analyses cancelled; scoring the finished ones")
        }

        // Collect the analyses and score them.
        var scored: [(contract: CUADContract, findings: [String: ScoredFinding])] = []
        var analyses: [AnalysisSummary] = []
        var failures: [EvalRun.Failure] = []
        for entry in planned {
            var analysisID = entry.analysisID
            if analysisID == nil, let jobID = entry.jobID {
                let rows = try await database.query("SELECT id FROM lector.analyses WHERE job_id = $1", jobID)
                analysisID = try rows.first?.decode("id", as: Int64.self)
                if analysisID == nil {
                    let job = try await queue.job(id: jobID)
                    let reason =
                        job.state == .cancelled && !finished
                        ? "not finished within the timeout"
                        : try await queue.errors(jobID: jobID).last?.error ?? "job \(jobID) is \(job.state.rawValue)"
                    failures.append(EvalRun.Failure(file: entry.contract.file, reason: reason))
                    continue
                }
            }
            guard let analysisID else { continue }
            analyses.append(try await summary(analysisID))
            scored.append((entry.contract, try await findings(analysisID)))
        }
        let scores = CUADScorer(categories: options.profile.categories).score(scored)
        func joined(_ values: [String]) -> String {
            var seen: [String] = []
            for value in values where !seen.contains(value) { seen.append(value) }
            return seen.isEmpty ? "-" : seen.joined(separator: ", ")
        }
        let costs = analyses.compactMap(\.costUSD)
        var run = EvalRun(
            labels: options.labelsFile.lastPathComponent, engineHost: joined(analyses.map(\.engineHost)),
            model: joined(analyses.map(\.model)), engineDialect: joined(analyses.map(\.engineDialect)),
            profile: options.profile.name, promptVersion: options.profile.promptVersion,
            reasoningEffort: analyses.isEmpty ? options.profile.reasoningEffort.rawValue : joined(analyses.map(\.reasoningEffort)),
            documents: scored.count, failures: failures, analysisIDs: analyses.map(\.id),
            reusedAnalyses: planned.count { $0.analysisID != nil }, tokensIn: analyses.reduce(0) { $0 + $1.tokensIn },
            tokensOut: analyses.reduce(0) { $0 + $1.tokensOut }, costUSD: costs.isEmpty ? nil : costs.reduce(0, +),
            startedAt: startedAt, finishedAt: Date(), categories: scores.categories, overall: scores.overall)
        run.id = try await EvalRunStore(database: database).insert(run)
        return run
    }

    /// The labelled contracts whose PDF is in the folder, smallest file first (so that `limit` takes a
    /// quick sample), at most `limit`.
    func selectContracts(_ labels: CUADLabels, options: Options) throws(EvalError) -> [CUADContract] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: options.pdfFolder.path)
        } catch {
            throw EvalError(.pdfs, "\(options.pdfFolder.path): cannot list the folder")
        }
        let available = Set(names)
        var sized: [(contract: CUADContract, size: Int)] = []
        for contract in labels.contracts where available.contains(contract.file) {
            let path = options.pdfFolder.appendingPathComponent(contract.file).path
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? Int.max
            sized.append((contract, size))
        }
        sized.sort { ($0.size, $0.contract.file) < ($1.size, $1.contract.file) }
        var chosen = sized.map(\.contract)
        if let limit = options.limit { chosen = Array(chosen.prefix(max(0, limit))) }
        guard !chosen.isEmpty else {
            throw EvalError(
                .noContracts,
                "none of the \(labels.contracts.count) labelled contracts has its PDF in \(options.pdfFolder.path)")
        }
        return chosen
    }

    /// Polls the run's jobs until none is open, reporting changes; false when `timeout` passed first.
    func waitForJobs(_ queue: JobQueue, keyPrefix: String, timeout: Duration?, progress: @Sendable (String) -> Void) async throws -> Bool {
        let start = ContinuousClock.now
        var last = ""
        while true {
            let counts = try await queue.stateCounts(keyPrefix: keyPrefix)
            let completed = counts[.completed, default: 0]
            let failed = counts[.failed, default: 0] + counts[.cancelled, default: 0]
            let running = counts[.running, default: 0]
            let waiting = counts.filter { !$0.key.isFinal && $0.key != .running }.values.reduce(0, +)
            let line = "analyses: \(completed) done, \(failed) failed, \(running) running, \(waiting) waiting"
            if line != last {
                let elapsed = Int((ContinuousClock.now - start).components.seconds)
                progress("[\(elapsed)s] \(line)")
                last = line
            }
            if running + waiting == 0 { return true }
            if let timeout, ContinuousClock.now - start > timeout { return false }
            try await Task.sleep(for: .seconds(1))
        }
    }

    struct AnalysisSummary: Sendable {
        var id: Int64
        var model: String
        var engineHost: String
        var engineDialect: String
        var reasoningEffort: String
        var tokensIn: Int64
        var tokensOut: Int64
        var costUSD: Double?
    }

    func summary(_ analysisID: Int64) async throws -> AnalysisSummary {
        let row = try await database.query(
            """
            SELECT model, engine_host, engine_dialect, reasoning_effort, tokens_in, tokens_out, cost_usd::float8 AS cost
            FROM lector.analyses WHERE id = $1
            """, analysisID
        ).one()
        return AnalysisSummary(
            id: analysisID, model: try row.decode("model"), engineHost: try row.decode("engine_host"),
            engineDialect: try row.decode("engine_dialect"), reasoningEffort: try row.decode("reasoning_effort"),
            tokensIn: try row.decode("tokens_in"), tokensOut: try row.decode("tokens_out"),
            costUSD: try row.decode("cost", as: Double?.self))
    }

    /// An analysis's findings with their quotes, by category.
    func findings(_ analysisID: Int64) async throws -> [String: ScoredFinding] {
        let rows = try await database.query(
            """
            SELECT id, category, presence, value, value_date::text AS value_date, value_duration
            FROM lector.findings WHERE analysis_id = $1
            """, analysisID)
        var byID: [Int64: ScoredFinding] = [:]
        for row in rows {
            byID[try row.decode("id", as: Int64.self)] = ScoredFinding(
                category: try row.decode("category"), present: try row.decode("presence", as: String.self) == "present",
                value: CUADValue.FindingValue(
                    text: try row.decode("value", as: String?.self), date: try row.decode("value_date", as: String?.self),
                    duration: try row.decode("value_duration", as: String?.self)))
        }
        let quotes = try await database.query(
            """
            SELECT q.finding_id, q.text, q.verified, q.match FROM lector.finding_quotes q
            JOIN lector.findings f ON f.id = q.finding_id
            WHERE f.analysis_id = $1 ORDER BY q.finding_id, q.ordinal
            """, analysisID)
        for row in quotes {
            let id = try row.decode("finding_id", as: Int64.self)
            byID[id]?.quotes.append(
                ScoredFinding.Quote(
                    text: try row.decode("text"), verified: try row.decode("verified", as: Bool.self),
                    match: try row.decode("match", as: String.self)))
        }
        return Dictionary(byID.values.map { ($0.category, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
