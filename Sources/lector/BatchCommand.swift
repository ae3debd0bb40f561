import ArgumentParser
import Foundation
import LectorBatch
import LectorQueue

struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Batch jobs declared in jobs/*.yaml: validate, run, list, status, report.",
        discussion: """
            A definition names a source (a folder, a SQL query returning document ids, or a list of files), a
            profile, optional limits and a schedule (run by `lector scheduler`). Workers (`lector worker`) do
            the analyses; a batch ends when each of its documents is analysed or failed.
            """,
        subcommands: [
            BatchValidate.self, BatchRun.self, BatchList.self, BatchStatusCommand.self, BatchReportCommand.self, BatchBench.self,
        ])
}

struct BatchValidate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check batch definitions: every jobs/*.yaml, or the files named.",
        discussion: "Prints one line per valid definition; the first invalid one is `error: FILE:LINE: reason`, exit 1.")

    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var profileOptions: ProfileOptions
    @Argument(help: "Definition files (default: every *.yaml of the jobs folder).") var files: [String] = []

    func run() async throws {
        try await reportingErrors {
            let profiles = Set(try profileOptions.loadAll().keys)
            let definitions: [BatchDefinition]
            if files.isEmpty {
                definitions = try BatchCatalog(directory: batchOptions.directory(), profiles: profiles).definitions
            } else {
                definitions = try files.map { try BatchDefinition.load(file: URL(fileURLWithPath: $0), profiles: profiles) }
            }
            for definition in definitions {
                let when = definition.schedule.map { "\($0)" } ?? "by hand"
                print("ok\t\(definition.name)\t\(definition.source.kind)\t\(definition.profile)\t\(when)\t\(definition.file)")
            }
        }
    }
}

struct BatchList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List recent batches, newest first.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only the batches of this definition.") var name: String?
    @Option(help: "How many.") var limit = 20
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            let batches = try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                try await BatchStore(database: client).list(name: name, limit: limit)
            }
            if json { return printEncoded(batches) }
            print("id\tname\tstate\tdone\tfailed\tpending\tskipped\tdeferred\tcreated")
            for b in batches {
                print("\(b.id)\t\(b.name)\t\(b.state)\t\(b.done)\t\(b.failed)\t\(b.pending)\t\(b.skipped)\t\(b.deferred)\t\(iso(b.createdAt))")
            }
        }
    }
}

struct BatchStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show one batch: counts, tokens, cost, summary.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var id: Int64
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            let status = try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                try await BatchStore(database: client).status(batchID: id)
            }
            if json { return printEncoded(status) }
            print(BatchStatusText.describe(status))
        }
    }
}

struct BatchReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Export what a batch brought: new high-risk findings, new deadlines, failed documents.",
        discussion: "The rows of the view lector.batch_report for the batch; JSON adds the batch's status and summary.")

    enum Format: String, ExpressibleByArgument { case csv, json }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var id: Int64
    @Option(help: "csv or json.") var format: Format = .csv

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            let (status, rows) = try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                let store = BatchStore(database: client)
                return (try await store.status(batchID: id), try await store.report(batchID: id))
            }
            switch format {
            case .json:
                struct Export: Encodable {
                    var batch: BatchStatus
                    var rows: [BatchReportRow]
                }
                printEncoded(Export(batch: status, rows: rows))
            case .csv:
                print(CSV.line(BatchReportRow.csvHeader), terminator: "")
                for row in rows { print(CSV.line(row.csvFields), terminator: "") }
            }
        }
    }
}

/// RFC 4180 lines: fields quoted when they hold a comma, quote or line break; CRLF endings.
enum CSV {
    static func line(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }
}

enum BatchStatusText {
    static func describe(_ s: BatchStatus) -> String {
        var lines = [
            "batch \(s.id) \(s.name): \(s.state)\(s.scheduledFor.map { " (tick \(iso($0)))" } ?? "")",
            "  documents: \(s.selected) taken, \(s.done) done, \(s.failed) failed, \(s.pending) pending, \(s.skipped) skipped, \(s.deferred) deferred by limits",
            "  tokens: \(s.tokensIn) in, \(s.tokensOut) out (estimated \(s.estimatedTokens)); cost $\(money(s.costUSD)) (estimated $\(money(s.estimatedCostUSD)))",
            "  started \(iso(s.createdAt))\(s.finishedAt.map { ", finished \(iso($0))" } ?? "")",
        ]
        if let error = s.error { lines.append("  error: \(error)") }
        if let summary = s.summary { lines.append("  summary: \(summary)") }
        return lines.joined(separator: "\n")
    }
}

func money(_ value: Double) -> String { String(format: "%.4f", value) }

func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

/// Pretty, sorted JSON with ISO 8601 dates on standard output.
func printEncoded<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self))
}
