import ArgumentParser
import Foundation
import LectorAnalysis
import LectorEngine
import LectorEval
import LectorPDF

/// `lector eval`: measure analysis quality against labelled contracts and compare runs.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure analysis quality on labelled contracts (CUAD) and compare runs.",
        subcommands: [EvalCUAD.self, EvalList.self, EvalCompare.self])
}

struct EvalCUAD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cuad",
        abstract: "Analyse CUAD-labelled contracts through the normal pipeline and score the findings.",
        discussion: """
            Stores the contracts (once per tenant and content), enqueues a fresh analyze job for each on the \
            queue --queue and runs them with a worker in this process (or, with --external-workers, waits \
            for `lector worker --queue eval` processes), then scores per category: presence precision, \
            recall and F1 against non-empty labels; span recall and precision under CUAD's rule (Jaccard >= \
            0.5 of the word sets); value agreement for dates, durations, governing law and parties; and the \
            share of quotes verified. The run is stored in lector.eval_runs (see `lector eval list`).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var profileOptions: ProfileOptions

    @Option(help: ArgumentHelp("CUAD labels (master_clauses.csv rows with a first column corpus_file).", valueName: "file"))
    var labels: String
    @Option(help: ArgumentHelp("Folder with the contracts' PDFs, named as corpus_file.", valueName: "dir"))
    var pdfs: String
    @Option(help: "Analysis profile; only its CUAD categories are scored.") var profile = AnalysisProfile.defaultName
    @Option(help: "Evaluate only the N smallest contracts.") var limit: Int?
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
            var options = CUADEvaluation.Options(
                labelsFile: URL(fileURLWithPath: labels), pdfFolder: URL(fileURLWithPath: pdfs), profile: chosen, limit: limit,
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
            print(json ? try encodeJSON(run) : EvalTable.render(run))
        }
    }
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
        commandName: "compare", abstract: "Show per-category score changes between two stored runs (second minus first).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The run before.") var before: Int64
    @Argument(help: "The run after.") var after: Int64
    @Flag(help: "Print the comparison as JSON.") var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            let comparison = try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                let store = EvalRunStore(database: client)
                return EvalComparison(before: try await store.run(before), after: try await store.run(after))
            }
            print(json ? try encodeJSON(comparison) : EvalTable.render(comparison))
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
