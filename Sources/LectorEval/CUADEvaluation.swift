import Foundation
import LectorAnalysis
import LectorDB
import LectorEngine
import LectorPDF
import LectorQueue
import LectorService
import Logging

/// `lector eval cuad`: runs labelled CUAD contracts through the normal pipeline (stored documents,
/// `analyze` jobs, a worker) and scores the analyses against the labels.
///
/// One run is five steps, each its own type: choosing the contracts (``ContractSelection``), submitting
/// them (``EvalSubmission``: documents stored once per tenant and content, a fresh analyze job per
/// contract on the run's queue, default `eval`, or with `reuseAnalyses` a contract's latest analysis under
/// the same profile and prompt version), waiting for the jobs (``EvalJobs``: an in-process worker, or
/// external `lector worker --queue eval` processes), collecting analyses and failures
/// (``EvalCollection``), scoring (``CUADScorer``) and storing (``EvalRunStore``). A contract whose job
/// fails (or is cancelled at the timeout) is scored as a miss in every labelled category and listed with
/// its reason.
public struct CUADEvaluation: Sendable {
    /// What to evaluate.
    public struct Options: Sendable {
        /// CUAD's `master_clauses.csv` with a first column `corpus_file`.
        public var labelsFile: URL
        /// The folder with the contracts' PDFs (named as the labels' `corpus_file`).
        public var pdfFolder: URL
        /// The profile the contracts are analysed under; its CUAD categories are scored.
        public var profile: AnalysisProfile
        /// Which contracts: a split, a seeded sample (all by default).
        public var selection: ContractSelection
        /// The tenant the contracts are stored under.
        public var tenant: String
        /// The queue the analyze jobs go to.
        public var queue: String
        /// Score existing analyses under the same profile and prompt version instead of analysing again.
        public var reuseAnalyses: Bool
        /// Stop waiting after this long (nil: as long as it takes): the finished analyses are scored, the
        /// unfinished jobs cancelled and counted as failures.
        public var timeout: Duration?

        /// Options; by default every contract, fresh analyses on the queue `eval` under the tenant `eval`.
        public init(
            labelsFile: URL, pdfFolder: URL, profile: AnalysisProfile, selection: ContractSelection = ContractSelection(),
            tenant: String = "eval", queue: String = "eval", reuseAnalyses: Bool = false, timeout: Duration? = nil
        ) {
            self.labelsFile = labelsFile
            self.pdfFolder = pdfFolder
            self.profile = profile
            self.selection = selection
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
    /// - Throws: ``EvalError`` (labels, PDFs, split, no contracts); database and engine errors.
    public func run(
        _ options: Options, runner: Runner, progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> EvalRun {
        let startedAt = Date()
        let labels = try CUADLabels.load(from: options.labelsFile)
        let chosen = try options.selection.choose(from: labels, pdfFolder: options.pdfFolder)
        let submitted = try await EvalSubmission(database: database, logger: logger).submit(chosen.contracts, options: options)
        progress(
            "\(chosen.record.summary): \(submitted.jobIDs.count) to analyse on queue '\(options.queue)', "
                + "\(submitted.reusedCount) reused")
        let finished = try await EvalJobs(database: database, logger: logger).run(
            submitted, runner: runner, options: options, progress: progress)
        let collected = try await EvalCollection(database: database, logger: logger).collect(submitted, finished: finished)
        var run = Self.score(
            collected, labels: labels, options: options, selection: chosen.record, startedAt: startedAt, finishedAt: Date())
        run.id = try await EvalRunStore(database: database).insert(run)
        return run
    }

    /// The run of `collected`: every chosen contract scored (failed ones as misses) under the profile's
    /// CUAD categories that the labels have, and the analyses' engines, models and costs.
    public static func score(
        _ collected: EvalCollection.Collected, labels: CUADLabels, options: Options, selection: ContractSelection.Record,
        startedAt: Date, finishedAt: Date
    ) -> EvalRun {
        let labelled = Set(labels.categoryNames)
        let categories = options.profile.categories.filter { $0.cuadName.map(labelled.contains) ?? false }
        let scorer = CUADScorer(categories: categories, reach: QuoteReach(options.profile.limits))
        let scores = scorer.score(collected.contracts.map { ($0.contract, $0.findings) })
        let analyses = collected.contracts.compactMap(\.analysis)
        func joined(_ values: [String]) -> String {
            var seen: [String] = []
            for value in values where !seen.contains(value) { seen.append(value) }
            return seen.isEmpty ? "-" : seen.joined(separator: ", ")
        }
        let costs = analyses.compactMap(\.costUSD)
        return EvalRun(
            labels: options.labelsFile.lastPathComponent, engineHost: joined(analyses.map(\.engineHost)),
            model: joined(analyses.map(\.model)), engineDialect: joined(analyses.map(\.engineDialect)),
            profile: options.profile.name, promptVersion: options.profile.promptVersion,
            reasoningEffort: analyses.isEmpty ? options.profile.reasoningEffort.rawValue : joined(analyses.map(\.reasoningEffort)),
            documents: analyses.count, failures: collected.failures, analysisIDs: analyses.map(\.id),
            reusedAnalyses: collected.reusedCount, tokensIn: analyses.reduce(0) { $0 + $1.tokensIn },
            tokensOut: analyses.reduce(0) { $0 + $1.tokensOut }, costUSD: costs.isEmpty ? nil : costs.reduce(0, +),
            startedAt: startedAt, finishedAt: finishedAt, categories: scores.categories, overall: scores.overall,
            contracts: scores.contracts, selection: selection, quoteLimits: QuoteReach(options.profile.limits))
    }
}
