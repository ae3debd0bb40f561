import ArgumentParser
import Foundation
import LectorBatch

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
