import ArgumentParser
import Foundation
import LectorCore
import LectorBatch
import LectorEngine
import LectorQueue

struct BatchRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a batch now: select its documents, store new files, enqueue the analyses in bulk.",
        discussion: """
            NAME is a definition of the jobs folder, or FILE a definition file. --dry-run lists what would be \
            enqueued with the token and cost estimate and changes nothing. --wait shows progress until the \
            batch ends (workers must be running), then exits 1 when any document failed.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var profileOptions: ProfileOptions
    @Argument(help: "A definition name or file.") var definition: String
    @Flag(help: "Wait for the batch to end, with a progress bar.") var wait = false
    @Flag(help: "List what would be enqueued and the estimate; change nothing.") var dryRun = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            let profiles = try profileOptions.loadAll()
            let definition = try batchOptions.definition(self.definition, profiles: Set(profiles.keys))
            try await global.withDatabase(logger: logger, maxConnections: 2) { client in
                let queue = JobQueue(client: client, logger: logger)
                let runner = BatchRunner(database: client, queue: queue, profiles: profiles, logger: logger)
                if dryRun {
                    let plan = try await runner.plan(definition)
                    printPlan(plan)
                    return
                }
                let outcome = try await runner.run(definition)
                // Ends the batch (and writes its report) even when nobody waits, once a scheduler works the
                // batch queue; `lector batch status` ends it too.
                try await queue.enqueue(try BatchJobs.finishJob(batchID: outcome.batchID, tenant: definition.tenant))
                if !json {
                    print(
                        "batch \(outcome.batchID) \(definition.name): \(outcome.queued) queued, \(outcome.skipped) already analysed, "
                            + "\(outcome.rejected) rejected, \(outcome.plan?.deferred.count ?? 0) deferred by limits, "
                            + "\((outcome.plan?.unchanged ?? 0) + outcome.unchangedContent) unchanged files "
                            + "(enqueued in \(String(format: "%.3f", outcome.enqueueSeconds)) s)")
                }
                guard wait else {
                    if json { printEncoded(try await BatchStore(database: client).status(batchID: outcome.batchID)) }
                    return
                }
                let status = try await waitForEnd(batchID: outcome.batchID, store: BatchStore(database: client))
                if json { printEncoded(status) } else { print(BatchStatusText.describe(status)) }
                if status.failed > 0 { throw ExitCode(ExitStatus.failure) }
            }
        }
    }

    private func waitForEnd(batchID: Int64, store: BatchStore) async throws -> BatchStatus {
        let bar = BatchProgressBar(enabled: !json)
        let started = ContinuousClock.now
        var first: BatchStatus?
        while true {
            let status = try await store.status(batchID: batchID)
            if first == nil { first = status }
            if status.isFinished {
                bar.clear()
                return status
            }
            bar.show(status, since: first!, elapsed: ContinuousClock.now - started)
            try await Task.sleep(for: .seconds(1))
        }
    }

    private func printPlan(_ plan: BatchPlan) {
        if json {
            struct Item: Encodable {
                var item: String
                var document_id: Int64?
                var size_bytes: Int64
                var estimated_tokens: Int
                var problem: String?
            }
            struct Dry: Encodable {
                var name: String
                var items: [Item]
                var deferred: Int
                var unchanged: Int
                var estimated_tokens: Int
                var estimated_cost_usd: Double
            }
            let items = plan.candidates.map {
                Item(item: $0.item, document_id: $0.documentID, size_bytes: $0.sizeBytes, estimated_tokens: $0.estimatedTokens, problem: $0.problem)
            }
            printEncoded(
                Dry(
                    name: plan.definition.name, items: items, deferred: plan.deferred.count, unchanged: plan.unchanged,
                    estimated_tokens: plan.estimatedTokens, estimated_cost_usd: plan.estimatedCostUSD))
            return
        }
        for candidate in plan.candidates {
            print("\(candidate.item)\t\(candidate.estimatedTokens) tokens\(candidate.problem.map { "\t\($0)" } ?? "")")
        }
        print(
            "\(plan.definition.name) (dry run): \(plan.candidates.count) document(s) would be enqueued, "
                + "\(plan.deferred.count) deferred by limits, \(plan.unchanged) unchanged; "
                + "about \(plan.estimatedTokens) tokens, $\(money(plan.estimatedCostUSD)) "
                + "(at $\(plan.definition.price.inputPerMillion)/$\(plan.definition.price.outputPerMillion) per million in/out)")
    }
}

/// The one-line progress of a batch on a terminal: done / failed / remaining, throughput, ETA, tokens and
/// cost so far. Silent when standard error is not a terminal.
struct BatchProgressBar {
    let line: TerminalLine

    init(enabled: Bool) {
        line = TerminalLine(enabled: enabled)
    }

    func show(_ s: BatchStatus, since first: BatchStatus, elapsed: Duration) {
        line.show(Self.line(s, since: first, elapsed: elapsed))
    }

    static func line(_ s: BatchStatus, since first: BatchStatus, elapsed: Duration) -> String {
        let total = max(1, s.done + s.failed + s.pending)
        let finished = s.done + s.failed
        let bar = TerminalLine.bar(finished, of: total, width: 24)
        let seconds = elapsed.secondsValue
        let rate = seconds > 0 ? Double(finished - first.done - first.failed) / seconds : 0
        let eta = rate > 0 ? duration(Double(s.pending) / rate) : "?"
        return "\(bar) \(s.done) done, \(s.failed) failed, \(s.pending) remaining | \(String(format: "%.1f", rate * 60))/min"
            + " | ETA \(eta) | \(s.tokensIn + s.tokensOut) tokens, $\(money(s.costUSD))"
    }

    static func duration(_ seconds: Double) -> String {
        // A rate near zero makes the estimate huge or infinite: Int(_:) would trap on it.
        let s = Int(saturating: seconds.rounded()) ?? 0
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" }
        if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }

    func clear() { line.clear() }
}
