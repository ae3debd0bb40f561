import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LectorDB
import LectorQueue
import LectorService
import LectorTestSupport
import LectorWeb
import NIOCore
import Testing

/// The documents page's search, filters and pages, and the batch pages, over HTTP.
@Suite("Review desk: documents list and batches (HTTP)")
struct DeskPagesTests {
    /// The document links of a documents page, in order.
    static func listed(_ html: String) -> [String] {
        html.components(separatedBy: "<td><a href=\"/review/documents/").dropFirst().compactMap { part in
            part.split(separator: ">", maxSplits: 1).last.flatMap { $0.split(separator: "<").first }.map(String.init)
        }
    }

    @Test func searchFiltersAndPages() async throws {
        try await DeskTest.with(configuration: .init(pageSize: 1)) { database, client, _, _ in
            // A second contract of acme's, submitted but not analysed: queued, no findings.
            let services = try await SampleContracts.bytes("services-agreement-meridian-cloud.pdf")
            _ = try await Submitter(database: database, queue: JobQueue(client: database, logger: TestDatabase.logger))
                .submit(bytes: services, filename: "services-meridian.pdf", tenant: "acme", profile: "test")
            let (token, _) = try await APITokenStore(database: database).create(tenant: "acme", name: "desk")
            let (jar, _) = try await DeskHTTPTests.signIn(client, credential: token)
            func page(_ uri: String) async throws -> String {
                let response = try await client.execute(uri: uri, method: .get, headers: jar.header)
                #expect(response.status == .ok, "\(uri)")
                return String(buffer: response.body)
            }

            // Newest first, one per page, with links between pages.
            let first = try await page("/review")
            #expect(Self.listed(first) == ["services-meridian.pdf"])
            #expect(first.contains("Documents 1 to 1 of 2."))
            #expect(first.contains("href=\"/review?page=2\""))
            let second = try await page("/review?page=2")
            #expect(Self.listed(second) == ["nda-northwind.pdf"])
            #expect(second.contains("href=\"/review?page=1\""))
            #expect(!second.contains("Next page"))

            #expect(Self.listed(try await page("/review?q=NORTHWIND")) == ["nda-northwind.pdf"], "search ignores case")
            #expect(Self.listed(try await page("/review?q=Non-Disclosure")) == ["nda-northwind.pdf"], "search reads titles")
            #expect(Self.listed(try await page("/review?q=%25")) == [], "a % is a character, not a wildcard")
            #expect(Self.listed(try await page("/review?state=queued")) == ["services-meridian.pdf"])
            #expect(Self.listed(try await page("/review?state=analysed")) == ["nda-northwind.pdf"])
            #expect(Self.listed(try await page("/review?risk=medium")) == ["nda-northwind.pdf"])
            #expect(Self.listed(try await page("/review?risk=high")) == [])
            #expect(Self.listed(try await page("/review?review=done")) == [])
            let filtered = try await page("/review?state=queued&q=meridian")
            #expect(filtered.contains("<option value=\"queued\" selected>"), "the filter stays chosen")
            #expect(filtered.contains("value=\"meridian\""))
            // Unknown filter values are ignored, not errors.
            #expect(Self.listed(try await page("/review?state=bogus&risk=%3Cscript%3E&page=-3")) == ["services-meridian.pdf"])

            // The queued document's page says it has no analysis yet.
            let queued = try await database.query(
                "SELECT id FROM lector.documents WHERE filename = 'services-meridian.pdf'").one().decode("id", as: Int64.self)
            #expect(try await page("/review/documents/\(queued)").contains("This document has no analysis yet"))
        }
    }

    @Test func aBatchReportPageIsTheTenantsOnly() async throws {
        try await DeskTest.with { database, client, _, seeded in
            let job = try await database.query(
                "SELECT job_id FROM lector.analyses WHERE document_id = $1", seeded.acmeDocument
            ).one().decode("job_id", as: Int64.self)
            let batch = try await database.query(
                "INSERT INTO lector.batches (name, tenant, profile) VALUES ('nightly-contracts', 'acme', 'test') RETURNING id"
            ).one().decode("id", as: Int64.self)
            try await database.query(
                """
                INSERT INTO lector.batch_items (batch_id, item, document_id, job_id, status, reason) VALUES
                    ($1, 'contracts/nda.pdf', $2, $3, 'queued', NULL),
                    ($1, 'contracts/broken.pdf', NULL, NULL, 'rejected', 'not a PDF (starts with <html>)')
                """, batch, seeded.acmeDocument, job)
            let other = try await database.query(
                "INSERT INTO lector.batches (name, tenant, profile) VALUES ('globex-secret-run', 'globex', 'test') RETURNING id"
            ).one().decode("id", as: Int64.self)

            let (token, _) = try await APITokenStore(database: database).create(tenant: "acme", name: "desk")
            let (jar, _) = try await DeskHTTPTests.signIn(client, credential: token)
            let list = String(buffer: try await client.execute(uri: "/review/batches", method: .get, headers: jar.header).body)
            #expect(list.contains("nightly-contracts #\(batch)"))
            #expect(!list.contains("globex-secret-run"))

            let report = try await client.execute(uri: "/review/batches/\(batch)", method: .get, headers: jar.header)
            #expect(report.status == .ok)
            let html = String(buffer: report.body)
            #expect(html.contains("2: 1 done, 1 failed, 0 pending"))
            #expect(html.contains("failed document"))
            #expect(html.contains("not a PDF (starts with &lt;html&gt;)"), "text from files is escaped")
            #expect(try await client.execute(uri: "/review/batches/\(other)", method: .get, headers: jar.header).status == .notFound)
        }
    }
}
