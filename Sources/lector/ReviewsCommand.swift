import ArgumentParser
import Foundation
import LectorService

/// `lector reviews export`: the reviewers' decisions beside the model's findings.
struct ReviewsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reviews", abstract: "Reviewers' decisions on findings.", subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a tenant's reviewed findings as CSV or JSON.",
            discussion: """
                One row per finding of each document's latest analysis that has a decision
                for its category (--all: every finding, with its review status): the document,
                the category, what the model said (presence, value), the decision, the truth
                after it (presence, value), the reviewer, when, and the note. The CSV is
                formula-safe: a cell a spreadsheet would evaluate gets a leading apostrophe.
                The review pages' download serves the same bytes.
                """)
        enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }

        @OptionGroup var global: GlobalOptions
        @Option(help: "Tenant whose reviews to export.") var tenant: String
        @Option(help: "csv or json.") var format: Format = .csv
        @Flag(help: "Every finding of the latest analyses, pending ones included.") var all = false

        func run() async throws {
            let logger = global.makeLogger()
            try await reportingErrors {
                try TenancyError.validateTenant(tenant)
                try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                    let rows = try await ReviewExport(database: client).rows(tenant: tenant, all: all)
                    let text = format == .csv ? ReviewExport.csv(rows) : ReviewExport.json(rows)
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            }
        }
    }
}
