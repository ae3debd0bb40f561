import ArgumentParser
import Foundation
import LectorService

struct Findings: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a document's findings from its latest analysis.",
        discussion: "DOCUMENT is a document id, a SHA-256 prefix (at least 8 characters) or a file name.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Document id, SHA-256 prefix or file name.") var document: String
    @Option(help: "Tenant of the document.") var tenant = "default"
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let logger = global.makeLogger()
        try await reportingErrors {
            try await global.withDatabase(logger: logger, maxConnections: 1) { client in
                let report = FindingsReport(database: client)
                let id = try await report.documentID(document, tenant: tenant)
                let rows = try await report.findings(documentID: id, tenant: tenant)
                if rows.isEmpty { throw FindingsLookupError("document \(id) has no analysis yet (see lector status)") }
                if json {
                    printJSON([
                        "document_id": id,
                        "findings": rows.map { row in
                            [
                                "category": row.category, "presence": row.presence, "value": row.value ?? NSNull(),
                                "pages": row.pages, "risk": row.risk ?? NSNull(), "grounding_flags": row.flags,
                                "quotes": (try? JSONSerialization.jsonObject(with: Data(row.quotesJSON.utf8))) ?? [],
                            ] as [String: Any]
                        },
                    ])
                    return
                }
                print(pad("CATEGORY", 34) + pad("ANSWER", 9) + pad("PAGES", 8) + pad("VERIFIED", 9) + pad("NEAR", 5) + "VALUE")
                for row in rows {
                    let pages = row.pages.map(String.init).joined(separator: ",")
                    let verified = row.quoteCount == 0 ? "-" : "\(row.verifiedQuoteCount)/\(row.quoteCount)"
                    let near = row.approximateQuoteCount == 0 ? "-" : "\(row.approximateQuoteCount)"
                    var value = (row.value ?? "").replacingOccurrences(of: "\n", with: " ")
                    if !row.flags.isEmpty { value = "[" + row.flags.joined(separator: ", ") + "] " + value }
                    print(
                        pad(row.category, 34) + pad(row.presence, 9) + pad(pages.isEmpty ? "-" : pages, 8)
                            + pad(verified, 9) + pad(near, 5) + String(value.prefix(100)))
                }
                print(
                    "VERIFIED: quotes the page says exactly (up to spacing, hyphenation, ligatures, quote marks, case)."
                        + " NEAR: close but not the same; --json shows the page's own text.")
            }
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? String(text.prefix(width - 1)) + " " : text + String(repeating: " ", count: width - text.count)
    }
}
