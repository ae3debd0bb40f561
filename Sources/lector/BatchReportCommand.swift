import ArgumentParser
import Foundation
import LectorBatch
import LectorCore

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
