import ArgumentParser
import Foundation
import LectorBatch

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
