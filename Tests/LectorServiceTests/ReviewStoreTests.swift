import Foundation
import LectorCore
import LectorDB
import LectorService
import LectorTestSupport
import Testing

/// The review desk's data layer against the real PostgreSQL: reviewer credentials, browser sessions,
/// append-only decisions and what the views make of them.
@Suite("Reviewers, sessions and finding reviews")
struct ReviewStoreTests {
    /// The text of page 2 of every seeded document; chosen quotes are checked against it.
    static let pageTwo = """
        12. Governing Law. This Agreement shall be governed by the laws of the State of New York.
        13. Non-Competition. The Supplier shall not compete with the Customer for 24 months after termination.
        """

    /// A seeded document: its id, its latest analysis and that analysis's findings by category.
    struct Seeded {
        var documentID: Int64
        var analysisID: Int64
        var findings: [String: Int64]
    }

    /// A document of `tenant` with two pages and an analysis with three findings: governing_law present
    /// ("New York", a verified quote on page 2), non_compete absent, cap_on_liability unclear.
    static func seed(_ database: PostgresClient, tenant: String, name: String = "msa") async throws -> Seeded {
        let document = try await database.query(
            """
            INSERT INTO lector.documents (tenant, sha256, filename, size_bytes, content, page_count)
            VALUES ($1, $2, $3, 8, '\\x00'::bytea, 2) RETURNING id
            """, tenant, SecretToken.hash(tenant + name), name + ".pdf"
        ).one().decode("id", as: Int64.self)
        for (number, text) in [(1, "1. Parties. Acme Corp and Borealis Ltd."), (2, pageTwo)] {
            try await database.query(
                "INSERT INTO lector.pages (document_id, number, text, char_count, needs_vision) VALUES ($1, $2, $3, $4, false)",
                document, number, text, text.count)
        }
        return try await analyse(database, documentID: document, tenant: tenant, governingLaw: "New York")
    }

    /// A new analysis of the document (a reanalysis when it has one already).
    static func analyse(_ database: PostgresClient, documentID: Int64, tenant: String, governingLaw: String) async throws -> Seeded {
        let analysis = try await database.query(
            """
            INSERT INTO lector.analyses (document_id, tenant, profile, prompt_version, pipeline_version, model,
                engine_host, engine_dialect, reasoning_effort, started_at, finished_at)
            VALUES ($1, $2, 'contract-review', 'c/1', '1', 'm', '127.0.0.1', 'vllm', 'none', now(), clock_timestamp())
            RETURNING id
            """, documentID, tenant
        ).one().decode("id", as: Int64.self)
        var findings: [String: Int64] = [:]
        for (category, presence, value) in [
            ("governing_law", "present", governingLaw as String?), ("non_compete", "absent", nil), ("cap_on_liability", "unclear", nil),
        ] {
            findings[category] = try await database.query(
                """
                INSERT INTO lector.findings (analysis_id, document_id, tenant, category, presence, value)
                VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
                """, analysis, documentID, tenant, category, presence, value
            ).one().decode("id", as: Int64.self)
        }
        let quote = "governed by the laws of the State of New York"
        let found = try #require(pageTwo.range(of: quote))
        let start = pageTwo.unicodeScalars.distance(from: pageTwo.unicodeScalars.startIndex, to: found.lowerBound)
        try await database.query(
            """
            INSERT INTO lector.finding_quotes (finding_id, ordinal, page, text, verified, match, locations)
            VALUES ($1, 0, 2, $2, true, 'exact', $3)
            """, findings["governing_law"]!, quote,
            PostgresJSON(text: #"[{"page": 2, "start": \#(start), "end": \#(start + quote.unicodeScalars.count), "boxes": []}]"#))
        return Seeded(documentID: documentID, analysisID: analysis, findings: findings)
    }

    /// The review columns of latest_findings for a document, by category.
    static func reviewColumns(_ database: PostgresClient, documentID: Int64) async throws
        -> [String: (status: String, presence: String?, value: String?, by: String?, current: Bool)]
    {
        let rows = try await database.query(
            """
            SELECT category, review_status, reviewed_presence, reviewed_value, reviewed_by, review_current
            FROM lector.latest_findings WHERE document_id = $1
            """, documentID)
        var out: [String: (status: String, presence: String?, value: String?, by: String?, current: Bool)] = [:]
        for row in rows {
            out[try row.decode("category")] = (
                try row.decode("review_status"), try row.decode("reviewed_presence", as: String?.self),
                try row.decode("reviewed_value", as: String?.self), try row.decode("reviewed_by", as: String?.self),
                try row.decode("review_current")
            )
        }
        return out
    }

    /// Whether `body` throws a ``ReviewError`` of `kind`.
    static func refused(_ kind: ReviewError.Kind, _ body: () async throws -> Void) async -> Bool {
        do {
            try await body()
            return false
        } catch let error as ReviewError {
            return error.kind == kind
        } catch {
            return false
        }
    }

    // MARK: Reviewers

    @Test func reviewersAreCreatedAuthenticatedAndRevokedAndOnlyTheirHashIsStored() async throws {
        try await TestDatabase.with { database, _ in
            let store = ReviewerStore(database: database)
            let (token, record) = try await store.create(tenant: "acme", name: "Ada Lovelace")
            #expect(token.hasPrefix(ReviewerStore.tokenPrefix) && token.count == 4 + 64)
            #expect(record.tenant == "acme" && record.name == "Ada Lovelace" && token.hasPrefix(record.prefix) && record.revokedAt == nil)
            let stored = try await database.query("SELECT token_sha256, token_prefix FROM lector.reviewers").one()
            #expect(try stored.decode("token_sha256", as: String.self) == SecretToken.hash(token))
            let leaked = try await database.query(
                "SELECT count(*)::int AS n FROM lector.reviewers r WHERE strpos(r::text, $1) > 0", String(token.dropFirst(12))
            ).one().decode("n", as: Int.self)
            #expect(leaked == 0)

            #expect(try await store.authenticate(token)?.id == record.id)
            #expect(try await store.authenticate(token)?.lastUsedAt != nil)
            #expect(try await store.authenticate(SecretToken.make(prefix: ReviewerStore.tokenPrefix)) == nil)
            #expect(try await store.authenticate(String(token.dropLast())) == nil)
            #expect(try await store.authenticate("lct_" + token.dropFirst(4)) == nil)

            await #expect(throws: TenancyError.self) { try await store.create(tenant: "acme", name: "Ada Lovelace") }
            await #expect(throws: TenancyError.self) { try await store.create(tenant: "bad tenant", name: "x") }
            await #expect(throws: TenancyError.self) { try await store.create(tenant: "acme", name: "") }
            let other = try await store.create(tenant: "globex", name: "Ada Lovelace")
            #expect(try await store.list(tenant: "acme").map(\.name) == ["Ada Lovelace"])
            #expect(try await store.list().count == 2)

            let revoked = try await store.revoke(tenant: "acme", name: "Ada Lovelace")
            #expect(revoked.id == record.id && revoked.revokedAt != nil)
            #expect(try await store.authenticate(token) == nil)
            #expect(try await store.authenticate(other.token)?.tenant == "globex")
            #expect(try await store.list(tenant: "acme").isEmpty)
            #expect(try await store.list(tenant: "acme", includeRevoked: true).count == 1)
            await #expect(throws: TenancyError.self) { try await store.revoke(id: record.id) }
            // The name is free again once revoked.
            _ = try await store.create(tenant: "acme", name: "Ada Lovelace")
        }
    }

    // MARK: Sessions

    @Test func signInWithAnAPITokenOrAReviewerCredentialAndOnlyLiveSessionsCount() async throws {
        try await TestDatabase.with { database, _ in
            let sessions = WebSessionStore(database: database)
            let apiToken = try await APITokenStore(database: database).create(tenant: "acme", name: "desk")
            let reviewer = try await ReviewerStore(database: database).create(tenant: "acme", name: "Grace")

            let byToken = try #require(try await sessions.signIn(credential: apiToken.token))
            #expect(byToken.session.tenant == "acme" && byToken.session.who == "token desk")
            #expect(byToken.session.apiTokenID == apiToken.record.id && byToken.session.reviewerID == nil)
            let byReviewer = try #require(try await sessions.signIn(credential: reviewer.token))
            #expect(byReviewer.session.who == "Grace" && byReviewer.session.reviewerID == reviewer.record.id)
            #expect(byReviewer.cookie.hasPrefix(WebSessionStore.cookiePrefix) && byReviewer.cookie != byToken.cookie)
            #expect(byReviewer.session.csrfToken.count == 64 && byReviewer.session.csrfToken != byToken.session.csrfToken)
            #expect(byReviewer.session.expiresAt > Date())
            #expect(byReviewer.session.accepts(csrf: byReviewer.session.csrfToken))
            #expect(!byReviewer.session.accepts(csrf: byToken.session.csrfToken) && !byReviewer.session.accepts(csrf: ""))

            #expect(try await sessions.session(cookie: byToken.cookie) == byToken.session)
            #expect(try await sessions.session(cookie: byReviewer.cookie) == byReviewer.session)
            #expect(try await sessions.signIn(credential: "lrv_" + String(repeating: "0", count: 64)) == nil)
            #expect(try await sessions.signIn(credential: "letmein") == nil)
            #expect(try await sessions.session(cookie: "lws_" + String(repeating: "a", count: 64)) == nil)

            // Only hashes: no row holds the cookie or the credentials.
            let stored = try await database.query("SELECT session_sha256 FROM lector.web_sessions ORDER BY id").map {
                try $0.decode("session_sha256", as: String.self)
            }
            #expect(stored == [SecretToken.hash(byToken.cookie), SecretToken.hash(byReviewer.cookie)])
            for secret in [byToken.cookie, byReviewer.cookie, apiToken.token, reviewer.token] {
                let found = try await database.query(
                    "SELECT count(*)::int AS n FROM lector.web_sessions s WHERE strpos(s::text, $1) > 0", String(secret.dropFirst(12))
                ).one().decode("n", as: Int.self)
                #expect(found == 0)
            }

            // Signed out.
            try await sessions.signOut(cookie: byToken.cookie)
            #expect(try await sessions.session(cookie: byToken.cookie) == nil)
            // Expired.
            let again = try #require(try await sessions.signIn(credential: apiToken.token))
            try await database.query(
                "UPDATE lector.web_sessions SET expires_at = now() - interval '1 second' WHERE id = $1", again.session.id)
            #expect(try await sessions.session(cookie: again.cookie) == nil)
            // The credential revoked: the reviewer's live session is refused, and no new one is opened.
            try await ReviewerStore(database: database).revoke(id: reviewer.record.id)
            #expect(try await sessions.session(cookie: byReviewer.cookie) == nil)
            #expect(try await sessions.signIn(credential: reviewer.token) == nil)
            let third = try #require(try await sessions.signIn(credential: apiToken.token))
            try await APITokenStore(database: database).revoke(id: apiToken.record.id)
            #expect(try await sessions.session(cookie: third.cookie) == nil)
            #expect(try await sessions.signIn(credential: apiToken.token) == nil)
        }
    }

    // MARK: Decisions

    @Test func decisionsAreRecordedAndTheLatestWinsInTheViews() async throws {
        try await TestDatabase.with { database, _ in
            let seeded = try await Self.seed(database, tenant: "acme")
            let store = FindingReviewStore(database: database)
            let law = try #require(seeded.findings["governing_law"])
            let compete = try #require(seeded.findings["non_compete"])

            #expect(try await Self.reviewColumns(database, documentID: seeded.documentID)["governing_law"]?.status == "pending")
            let confirm = try await store.record(tenant: "acme", findingID: law, decision: .confirm, note: "checked", reviewer: "Ada")
            #expect(confirm.decision == .confirm && confirm.category == "governing_law" && confirm.analysisID == seeded.analysisID)
            let previous = try JSONSerialization.jsonObject(with: Data(confirm.previousJSON.utf8)) as? [String: Any]
            #expect(previous?["presence"] as? String == "present" && previous?["value"] as? String == "New York")
            #expect((previous?["quotes"] as? [[String: Any]])?.first?["match"] as? String == "exact")
            let confirmed = try JSONSerialization.jsonObject(with: Data(confirm.newJSON.utf8)) as? [String: Any]
            #expect(confirmed?["presence"] as? String == "present" && confirmed?["value"] as? String == "New York")
            #expect((confirmed?["quote"] as? [String: Any])?["page"] as? Int == 2)

            var columns = try await Self.reviewColumns(database, documentID: seeded.documentID)
            #expect(columns["governing_law"]?.status == "reviewed" && columns["governing_law"]?.by == "Ada")
            #expect(columns["governing_law"]?.current == true && columns["non_compete"]?.status == "pending")

            // Reject an absent finding: it becomes present.
            let reject = try await store.record(tenant: "acme", findingID: compete, decision: .reject, reviewer: "Ada")
            let rejected = try JSONSerialization.jsonObject(with: Data(reject.newJSON.utf8)) as? [String: Any]
            #expect(rejected?["presence"] as? String == "present")
            // The latest decision wins: governing_law corrected after it was confirmed.
            let correct = try await store.record(
                tenant: "acme", findingID: law, decision: .correct, correction: .init(value: "State of New York"), reviewer: "Grace")
            columns = try await Self.reviewColumns(database, documentID: seeded.documentID)
            #expect(columns["governing_law"]?.status == "corrected" && columns["governing_law"]?.by == "Grace")
            #expect(columns["governing_law"]?.value == "State of New York" && columns["governing_law"]?.presence == "present")
            #expect(columns["non_compete"]?.status == "corrected" && columns["non_compete"]?.presence == "present")
            #expect(columns["cap_on_liability"]?.status == "pending")

            let overview = try await database.query(
                """
                SELECT findings_reviewed, findings_corrected, findings_pending, last_reviewed_at
                FROM lector.contract_overview WHERE document_id = $1
                """, seeded.documentID
            ).one()
            #expect(try overview.decode("findings_reviewed", as: Int.self) == 0)
            #expect(try overview.decode("findings_corrected", as: Int.self) == 2)
            #expect(try overview.decode("findings_pending", as: Int.self) == 1)
            #expect(try overview.decode("last_reviewed_at", as: Date.self) == correct.decidedAt)
            // Confirmed again: reviewed.
            try await store.record(tenant: "acme", findingID: law, decision: .confirm, reviewer: "Ada")
            let reviewed = try await database.query(
                "SELECT findings_reviewed FROM lector.contract_overview WHERE document_id = $1", seeded.documentID
            ).one().decode("findings_reviewed", as: Int.self)
            #expect(reviewed == 1)

            let history = try await store.history(tenant: "acme", documentID: seeded.documentID)
            #expect(history.map(\.decision) == [.confirm, .correct, .reject, .confirm])
            #expect(history.last == confirm)
            #expect(try await store.history(tenant: "globex", documentID: seeded.documentID).isEmpty)
            let latest = try await database.query(
                "SELECT count(*)::int AS n FROM lector.latest_reviews WHERE document_id = $1", seeded.documentID
            ).one().decode("n", as: Int.self)
            #expect(latest == 2)
        }
    }

    @Test func correctionsAreCheckedAndAChosenQuoteMustBeOnItsPage() async throws {
        try await TestDatabase.with { database, _ in
            let seeded = try await Self.seed(database, tenant: "acme")
            let other = try await Self.seed(database, tenant: "globex")
            let store = FindingReviewStore(database: database)
            let compete = try #require(seeded.findings["non_compete"])

            // A passage of page 2 as it stands: stored with its offsets in the page text.
            let passage = "The Supplier shall not compete with the Customer for 24 months"
            let review = try await store.record(
                tenant: "acme", findingID: compete, decision: .correct,
                correction: .init(presence: "present", value: "24 months", quote: .init(page: 2, text: passage)), reviewer: "Ada")
            let new = try JSONSerialization.jsonObject(with: Data(review.newJSON.utf8)) as? [String: Any]
            let quote = try #require(new?["quote"] as? [String: Any])
            #expect(quote["match"] as? String == "exact" && quote["page"] as? Int == 2 && quote["text"] as? String == passage)
            let start = try #require(quote["start"] as? Int)
            let end = try #require(quote["end"] as? Int)
            let located = try await database.query(
                "SELECT substr(text, $1::int + 1, $2::int - $1::int) AS passage FROM lector.pages WHERE document_id = $3 AND number = 2",
                start, end, seeded.documentID
            ).one().decode("passage", as: String.self)
            #expect(located == passage)
            // Normalised (line break, case) is accepted as the pipeline accepts it.
            _ = try await store.record(
                tenant: "acme", findingID: compete, decision: .correct,
                correction: .init(quote: .init(page: 2, text: "the supplier shall NOT compete\nwith the Customer")), reviewer: "Ada")

            // Refused: a "not" added, a digit changed, the wrong page, a page that does not exist.
            for choice in [
                FindingReviewStore.QuoteChoice(page: 2, text: "This Agreement shall not be governed by the laws of the State of New York"),
                FindingReviewStore.QuoteChoice(page: 2, text: "shall not compete with the Customer for 25 months after termination"),
                FindingReviewStore.QuoteChoice(page: 1, text: passage),
                FindingReviewStore.QuoteChoice(page: 7, text: passage),
            ] {
                #expect(
                    await Self.refused(.quoteNotOnPage) {
                        _ = try await store.record(
                            tenant: "acme", findingID: compete, decision: .correct, correction: .init(quote: choice), reviewer: "Ada")
                    }, "\(choice.page): \(choice.text)")
            }
            // Invalid requests.
            for correction in [
                FindingReviewStore.Correction(presence: "maybe"), FindingReviewStore.Correction(),
                FindingReviewStore.Correction(presence: "absent", value: "24 months"),
            ] {
                #expect(
                    await Self.refused(.invalid) {
                        _ = try await store.record(tenant: "acme", findingID: compete, decision: .correct, correction: correction, reviewer: "Ada")
                    })
            }
            #expect(
                await Self.refused(.invalid) {
                    _ = try await store.record(
                        tenant: "acme", findingID: compete, decision: .confirm,
                        note: String(repeating: "n", count: FindingReviewStore.maximumNoteLength + 1), reviewer: "Ada")
                })
            // Another tenant's finding, or none: not found, and nothing recorded for it.
            #expect(
                await Self.refused(.notFound) {
                    _ = try await store.record(tenant: "acme", findingID: other.findings["governing_law"]!, decision: .confirm, reviewer: "Ada")
                })
            #expect(await Self.refused(.notFound) { _ = try await store.record(tenant: "acme", findingID: 999_999, decision: .confirm, reviewer: "Ada") })
            #expect(try await store.history(tenant: "globex", documentID: other.documentID).isEmpty)
            #expect(try await store.history(tenant: "acme", documentID: seeded.documentID).count == 2)
        }
    }

    @Test func decisionsAreAppendOnlyButGoWithTheirDocument() async throws {
        try await TestDatabase.with { database, _ in
            let seeded = try await Self.seed(database, tenant: "acme")
            let store = FindingReviewStore(database: database)
            let sessions = WebSessionStore(database: database)
            let reviewer = try await ReviewerStore(database: database).create(tenant: "acme", name: "Ada")
            let signedIn = try #require(try await sessions.signIn(credential: reviewer.token))
            let review = try await store.record(
                tenant: "acme", findingID: seeded.findings["governing_law"]!, decision: .confirm, reviewer: signedIn.session.who,
                reviewerID: reviewer.record.id, sessionID: signedIn.session.id)
            for sql in [
                "UPDATE lector.finding_reviews SET note = 'rewritten'", "UPDATE lector.finding_reviews SET finding_id = NULL",
                "DELETE FROM lector.finding_reviews", "TRUNCATE lector.finding_reviews",
            ] {
                await #expect(throws: DatabaseError.self, "\(sql)") { try await database.query(sql) }
            }
            #expect(try await store.history(tenant: "acme", documentID: seeded.documentID) == [review])
            // Pruning old sessions only forgets the decision's link to its session (the foreign key's SET NULL).
            try await sessions.signOut(cookie: signedIn.cookie)
            #expect(try await sessions.prune() == 0)
            try await database.query("UPDATE lector.web_sessions SET ended_at = now() - interval '40 days'")
            #expect(try await sessions.prune() == 1)
            let link = try await database.query("SELECT session_id, reviewer_id FROM lector.finding_reviews").one()
            #expect(try link.isNull("session_id") && link.decode("reviewer_id", as: Int64.self) == reviewer.record.id)
            // Deleting the finding only forgets the link (the foreign key's SET NULL).
            try await database.query("DELETE FROM lector.findings WHERE id = $1", seeded.findings["governing_law"]!)
            let kept = try await store.history(tenant: "acme", documentID: seeded.documentID)
            #expect(kept.count == 1 && kept.first?.findingID == nil && kept.first?.previousJSON == review.previousJSON)
            // Deleting the document deletes its decisions (the cascade).
            try await database.query("DELETE FROM lector.documents WHERE id = $1", seeded.documentID)
            let left = try await database.query("SELECT count(*)::int AS n FROM lector.finding_reviews").one().decode("n", as: Int.self)
            #expect(left == 0)
        }
    }

    @Test func aReanalysisKeepsTheDecisionVisibleButNotCurrent() async throws {
        try await TestDatabase.with { database, _ in
            let seeded = try await Self.seed(database, tenant: "acme")
            let store = FindingReviewStore(database: database)
            try await store.record(
                tenant: "acme", findingID: seeded.findings["governing_law"]!, decision: .correct,
                correction: .init(value: "New York State"), reviewer: "Ada")
            let again = try await Self.analyse(database, documentID: seeded.documentID, tenant: "acme", governingLaw: "Delaware")
            let row = try await database.query(
                """
                SELECT analysis_id, value, review_status, reviewed_value, reviewed_analysis_id, review_current
                FROM lector.latest_findings WHERE document_id = $1 AND category = 'governing_law'
                """, seeded.documentID
            ).one()
            #expect(try row.decode("analysis_id", as: Int64.self) == again.analysisID)
            #expect(try row.decode("value", as: String.self) == "Delaware")
            #expect(try row.decode("review_status", as: String.self) == "corrected")
            #expect(try row.decode("reviewed_value", as: String.self) == "New York State")
            #expect(try row.decode("reviewed_analysis_id", as: Int64.self) == seeded.analysisID)
            #expect(try row.decode("review_current", as: Bool.self) == false)
            // A decision on the new analysis is current again.
            try await store.record(tenant: "acme", findingID: again.findings["governing_law"]!, decision: .confirm, reviewer: "Ada")
            let current = try await database.query(
                "SELECT review_current FROM lector.latest_findings WHERE document_id = $1 AND category = 'governing_law'",
                seeded.documentID
            ).one().decode("review_current", as: Bool.self)
            #expect(current)
        }
    }

    @Test func theExportHasTheReviewedFindingsOfTheTenant() async throws {
        try await TestDatabase.with { database, _ in
            let seeded = try await Self.seed(database, tenant: "acme")
            _ = try await Self.seed(database, tenant: "globex")
            try await FindingReviewStore(database: database).record(
                tenant: "acme", findingID: seeded.findings["governing_law"]!, decision: .correct,
                correction: .init(value: "State of New York"), note: "=1+1", reviewer: "Ada")
            let export = ReviewExport(database: database)
            let reviewed = try await export.rows(tenant: "acme")
            #expect(reviewed.map(\.category) == ["governing_law"])
            let row = try #require(reviewed.first)
            #expect(row.modelPresence == "present" && row.modelValue == "New York" && row.reviewStatus == "corrected")
            #expect(row.decision == "correct" && row.reviewedValue == "State of New York" && row.reviewer == "Ada")
            #expect(row.note == "=1+1" && row.reviewCurrent && row.reviewedAt != nil)
            #expect(try await export.rows(tenant: "acme", all: true).map(\.reviewStatus).sorted() == ["corrected", "pending", "pending"])
            #expect(try await export.rows(tenant: "globex").isEmpty)
            let csv = ReviewExport.csv(reviewed)
            #expect(export.csv(reviewed) == csv && csv.hasPrefix(ReviewExport.csvHeader.joined(separator: ",") + "\r\n"))
            #expect(csv.contains(",'=1+1,") && !csv.contains(",=1+1,"))
            let objects = try JSONSerialization.jsonObject(with: Data(ReviewExport.json(reviewed).utf8)) as? [[String: Any]]
            #expect(objects?.first?["note"] as? String == "=1+1" && objects?.first?["document_id"] as? Int == Int(seeded.documentID))
        }
    }

    @Test func aMappedReaderSeesOnlyItsTenantsDecisions() async throws {
        try await TestDatabase.with { database, configuration in
            let acme = try await Self.seed(database, tenant: "acme")
            let globex = try await Self.seed(database, tenant: "globex")
            let store = FindingReviewStore(database: database)
            try await store.record(tenant: "acme", findingID: acme.findings["governing_law"]!, decision: .confirm, reviewer: "Ada")
            try await store.record(tenant: "globex", findingID: globex.findings["governing_law"]!, decision: .reject, reviewer: "Eve")
            _ = try await ReviewerStore(database: database).create(tenant: "acme", name: "Ada")
            // Readers are granted the decisions by `lector role create-reader` (the migration granted them
            // to the group role of this cluster already: take that away first).
            try await database.query("REVOKE SELECT ON lector.finding_reviews FROM lector_reader")
            try await TestReaderRole.with(tenant: "acme", database: database) { role in
                var readerConfiguration = configuration
                readerConfiguration.userName = role
                readerConfiguration.maxConnections = 1
                try await PostgresClient.withClient(configuration: readerConfiguration, logger: TestDatabase.logger) { reader in
                    let reviewers = try await reader.query("SELECT reviewer FROM lector.finding_reviews").map {
                        try $0.decode("reviewer", as: String.self)
                    }
                    #expect(reviewers == ["Ada"])
                    #expect(try await reader.query("SELECT tenant FROM lector.latest_reviews").map { try $0.decode("tenant", as: String.self) } == ["acme"])
                    let statuses = try await reader.query(
                        "SELECT DISTINCT tenant, reviewed_by FROM lector.latest_findings WHERE review_status <> 'pending'"
                    ).map { try $0.decode("reviewed_by", as: String.self) }
                    #expect(statuses == ["Ada"])
                    let overview = try await reader.query("SELECT tenant, findings_reviewed FROM lector.contract_overview").one()
                    #expect(try overview.decode("tenant", as: String.self) == "acme" && overview.decode("findings_reviewed", as: Int.self) == 1)
                    // Credentials and sessions are not readable; decisions cannot be written.
                    for sql in [
                        "SELECT * FROM lector.reviewers", "SELECT * FROM lector.web_sessions",
                        "INSERT INTO lector.finding_reviews (tenant, document_id, category, decision, reviewer, previous, new) VALUES ('acme', \(acme.documentID), 'x', 'confirm', 'r', '{}', '{\"presence\": \"absent\"}')",
                    ] {
                        await #expect(throws: DatabaseError.self, "\(sql)") { try await reader.query(sql) }
                    }
                }
            }
        }
    }
}
