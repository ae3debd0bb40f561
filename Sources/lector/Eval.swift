import ArgumentParser
import Foundation
import LectorAnalysis
import LectorEngine
import LectorEval
import LectorPDF

/// `lector eval`: measure analysis quality against labelled contracts and compare runs.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure analysis quality on labelled contracts (CUAD) or reviewers' decisions, and compare runs.",
        subcommands: [EvalCUAD.self, EvalReviews.self, EvalList.self, EvalReport.self, EvalCompare.self])
}

struct EvalCUAD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cuad",
        abstract: "Analyse CUAD-labelled contracts through the normal pipeline and score the findings.",
        discussion: """
            Stores the contracts (once per tenant and content), enqueues a fresh analyze job for each on the \
            queue --queue and runs them with a worker in this process (or, with --external-workers, waits \
            for `lector worker --queue eval` processes), then scores per category and overall as CUAD does \
            (README, Evaluation): presence precision, recall and F1; span true/false positives and false \
            negatives under CUAD's rule (word-set Jaccard >= 0.5; for Parties also the label inside the \
            quote); AUPR and precision at 80% and 90% recall from the findings' confidences; the share of \
            labelled spans the profile's quote limits put out of reach; value agreement and grounding. A \
            contract whose analysis fails is a miss in every labelled category and is listed with its reason. \
            --sample N --seed S takes a reproducible random subset; --split FILE the contracts it names. The \
            run is stored in lector.eval_runs (see `lector eval list`, `report`, `compare`).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var profileOptions: ProfileOptions

    @Option(help: ArgumentHelp("CUAD labels (master_clauses.csv rows with a first column corpus_file).", valueName: "file"))
    var labels: String
    @Option(help: ArgumentHelp("Folder with the contracts' PDFs, named as corpus_file.", valueName: "dir"))
    var pdfs: String
    @Option(help: "Analysis profile; only its CUAD categories are scored.") var profile = AnalysisProfile.defaultName
    @Option(help: ArgumentHelp("Evaluate a random sample of N contracts (reproducible with --seed).", valueName: "N"))
    var sample: Int?
    @Option(help: "The sample's seed: the same seed, labels, folder and split give the same contracts.") var seed: UInt64 = 0
    @Option(
        help: ArgumentHelp(
            "Evaluate only the contracts this file names (one corpus_file per line; # comments), before --sample.",
            valueName: "file"))
    var split: String?
    @Option(help: "Tenant the contracts are stored under.") var tenant = "eval"
    @Option(help: "Queue for the analyze jobs.") var queue = "eval"
    @Option(help: "Jobs the in-process worker runs at once.") var concurrency = 4
    @Flag(help: "Score each contract's latest analysis under the same profile and prompt version when there is one.")
    var reuse = false
    @Flag(help: "Do not run a worker here; wait for `lector worker --queue <queue>` processes.")
    var externalWorkers = false
    @Option(help: "Stop waiting after this many minutes: score what finished, cancel the rest (default: no limit).")
    var timeoutMinutes: Double?
    @Flag(help: "Print the run as JSON.") var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            let profiles = try profileOptions.loadAll()
            guard let chosen = profiles[profile] else {
                throw ValidationError("no profile '\(profile)'; known: \(profiles.keys.sorted().joined(separator: ", "))")
            }
            if let sample, sample < 1 { throw ValidationError("--sample must be at least 1") }
            var options = CUADEvaluation.Options(
                labelsFile: URL(fileURLWithPath: labels), pdfFolder: URL(fileURLWithPath: pdfs), profile: chosen,
                selection: ContractSelection(split: split.map { URL(fileURLWithPath: $0) }, sample: sample, seed: seed),
                tenant: tenant, queue: queue, reuseAnalyses: reuse)
            options.timeout = timeoutMinutes.map { .seconds($0 * 60) }
            let progress: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data("\(line)\n".utf8)) }
            let run = try await global.withDatabase(logger: logger, maxConnections: concurrency + 3) { client in
                let evaluation = CUADEvaluation(database: client, logger: logger)
                if externalWorkers {
                    return try await evaluation.run(options, runner: .externalWorkers, progress: progress)
                }
                let configuration = try engineOptions.configuration()
                return try await EngineClient.withClient(configuration: configuration, logger: logger) { engine in
                    let info = try await engine.discover()
                    return try await evaluation.run(
                        options,
                        runner: .inProcess(
                            engine: engine, engineDialect: info.dialect.rawValue, extractor: PDFExtractor(logger: logger),
                            concurrency: concurrency),
                        progress: progress)
                }
            }
            print(json ? try encodeJSON(run) : EvalTable.render(run, intervals: Bootstrap().intervals(run.contracts, categories: run.categories.map(\.category))))
        }
    }
}

struct EvalReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show a stored run with bootstrap intervals, as text, JSON or one self-contained HTML page.",
        discussion: """
            The intervals are bootstrap 95% intervals over the run's contracts (--resamples draws, --seed). \
            --html FILE writes one HTML file with no external resources: the overall figures, per-category \
            bars with intervals, CUAD's precision-recall curve, the failures and the full table.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The run (see `lector eval list`).") var run: Int64
    @Option(help: ArgumentHelp("Write the report as one self-contained HTML file.", valueName: "file")) var html: String?
    @Option(help: "Bootstrap resamples.") var resamples = 2000
    @Option(help: "Bootstrap seed.") var seed: UInt64 = 19
    @Flag(help: "Print the run and its intervals as JSON.") var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            guard resamples >= 1 else { throw ValidationError("--resamples must be at least 1") }
            let stored = try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                try await EvalRunStore(database: client).run(run)
            }
            let intervals = Bootstrap(resamples: resamples, seed: seed).intervals(
                stored.contracts, categories: stored.categories.map(\.category))
            if let html {
                let page = EvalReportHTML.render(stored, intervals: intervals)
                do {
                    try Data(page.utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
                } catch {
                    throw EvalError(.output, "\(html): cannot be written")
                }
                FileHandle.standardError.write(Data("wrote \(html)\n".utf8))
            } else if json {
                print(try encodeJSON(EvalRunReport(run: stored, intervals: intervals)))
            } else {
                print(EvalTable.render(stored, intervals: intervals))
            }
        }
    }
}

/// A run with its intervals, for `lector eval report --json`.
struct EvalRunReport: Encodable {
    var run: EvalRun
    var intervals: [Bootstrap.Estimate]
}

struct EvalList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List stored evaluation runs, newest first.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "How many runs.") var limit = 20
    @Flag(help: "Print the runs as JSON.") var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            let runs = try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                try await EvalRunStore(database: client).list(limit: limit)
            }
            print(json ? try encodeJSON(runs) : EvalTable.render(list: runs))
        }
    }
}

struct EvalCompare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two stored runs on the contracts both scored, with paired bootstrap 95% intervals.",
        discussion: """
            Aligns the runs on the contracts both scored (failures included) and names those dropped; \
            recomputes every figure on them; gives each category's F1 change and the overall changes \
            (after minus before) with paired bootstrap 95% intervals (--resamples, --seed).
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The run before.") var before: Int64
    @Argument(help: "The run after.") var after: Int64
    @Option(help: "Bootstrap resamples.") var resamples = 2000
    @Option(help: "Bootstrap seed.") var seed: UInt64 = 19
    @Flag(help: "Print the comparison as JSON.") var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            guard resamples >= 1 else { throw ValidationError("--resamples must be at least 1") }
            let comparison = try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                let store = EvalRunStore(database: client)
                return EvalComparison(
                    before: try await store.run(before), after: try await store.run(after),
                    bootstrap: Bootstrap(resamples: resamples, seed: seed))
            }
            print(json ? try encodeJSON(comparison) : EvalTable.render(comparison))
        }
    }
}

struct EvalReviews: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reviews",
        abstract: "Score the model's findings against reviewers' decisions (the organisation's own truth).",
        discussion: """
            For every document and category with a decision (recorded in the review pages), the truth is \
            the latest decision's answer and value; the model is the finding of that category in the \
            document's latest analysis (of --profile when given). Per category and overall: presence \
            true/false positives and negatives with precision and recall ('present' is positive; unclear \
            counts as not present), and value agreement (pairs both call present with a reviewed value, \
            compared without case, whitespace or punctuation). A reviewed category the latest analysis has \
            no finding for is not scored, and counted as such.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Score the latest analysis of this profile (default: each document's latest analysis).") var profile: String?
    @Option(help: "Only this tenant's decisions (default: every tenant).") var tenant: String?
    @Flag(help: "Print the scores as JSON.") var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            let pairs = try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                try await ReviewTruthStore(database: client).pairs(profile: profile, tenant: tenant)
            }
            let evaluation = ReviewEvaluation.score(pairs, profile: profile, tenant: tenant)
            if json {
                print(try encodeJSON(evaluation))
            } else if evaluation.isEmpty {
                print(
                    "no reviewed findings\(tenant.map { " of tenant '\($0)'" } ?? ""): record decisions in the review pages "
                        + "(lector serve) first; nothing to score")
            } else {
                print(evaluation.render())
            }
        }
    }
}

/// Pretty, sorted JSON with ISO 8601 dates.
func encodeJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
