import ArgumentParser
import Foundation
import LectorCore
import LectorDB

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
                let matches = try await client.query(
                    """
                    SELECT id, filename FROM lector.documents
                    WHERE tenant = $1 AND (id::text = $2 OR (length($2) >= 8 AND sha256 LIKE lower($2) || '%')
                          OR filename = $2 OR filename LIKE '%/' || $2)
                    ORDER BY id
                    """, tenant, document)
                guard let first = matches.first else { throw FindingsLookupError("no document matches '\(document)'") }
                guard matches.count == 1 else {
                    let ids = try matches.map { try "\($0.decode("id", as: Int64.self))" }.joined(separator: ", ")
                    throw ValidationError("'\(document)' matches several documents (ids \(ids)); give an id")
                }
                let id = try first.decode("id", as: Int64.self)
                let rows = try await client.query(
                    """
                    SELECT category, presence, value, pages, risk, quote_count, verified_quote_count, quotes::text AS quotes
                    FROM lector.latest_findings WHERE document_id = $1 ORDER BY category
                    """, id)
                if rows.isEmpty { throw FindingsLookupError("document \(id) has no analysis yet (see lector status)") }
                if json {
                    var items: [[String: Any]] = []
                    for row in rows {
                        let quotes = try row.decode("quotes", as: String.self)
                        items.append([
                            "category": try row.decode("category", as: String.self),
                            "presence": try row.decode("presence", as: String.self),
                            "value": try row.decode("value", as: String?.self) ?? NSNull(),
                            "pages": try row.decode("pages", as: [Int].self),
                            "risk": try row.decode("risk", as: String?.self) ?? NSNull(),
                            "quotes": (try? JSONSerialization.jsonObject(with: Data(quotes.utf8))) ?? [],
                        ])
                    }
                    printJSON(["document_id": id, "findings": items])
                    return
                }
                print(pad("CATEGORY", 34) + pad("ANSWER", 9) + pad("PAGES", 8) + pad("VERIFIED", 9) + "VALUE")
                for row in rows {
                    let quotes = try row.decode("quote_count", as: Int.self)
                    let verified = try row.decode("verified_quote_count", as: Int.self)
                    let pages = try row.decode("pages", as: [Int].self).map(String.init).joined(separator: ",")
                    let value = (try row.decode("value", as: String?.self) ?? "").replacingOccurrences(of: "\n", with: " ")
                    print(
                        pad(try row.decode("category", as: String.self), 34) + pad(try row.decode("presence", as: String.self), 9)
                            + pad(pages.isEmpty ? "-" : pages, 8) + pad(quotes == 0 ? "-" : "\(verified)/\(quotes)", 9)
                            + String(value.prefix(80)))
                }
            }
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? String(text.prefix(width - 1)) + " " : text + String(repeating: " ", count: width - text.count)
    }
}

/// The document asked for does not exist or has no findings yet (exit 1, not a usage error).
struct FindingsLookupError: LectorError {
    var message: String
    init(_ message: String) { self.message = message }
    var code: String { "findings.not_found" }
    var description: String { message }
}
