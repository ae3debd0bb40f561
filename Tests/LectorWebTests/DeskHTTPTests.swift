import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LectorDB
import LectorService
import LectorTestSupport
import LectorWeb
import NIOCore
import Testing

/// The review desk over HTTP, the way a browser (or an attacker's page) talks to it: sign-in and the
/// session cookie's attributes, CSRF refusals, tenant scoping, the export's formula-safety.
@Suite("Review desk: sessions, CSRF, tenants (HTTP)")
struct DeskHTTPTests {
    /// Signs in with `credential` through the form; returns the jar holding the session and the response.
    static func signIn(
        _ client: any TestClientProtocol, credential: String, headers extra: HTTPFields = [:]
    ) async throws -> (CookieJar, TestResponse) {
        var jar = CookieJar()
        let form = try await client.execute(uri: "/review/sign-in", method: .get, headers: extra)
        #expect(form.status == .ok)
        jar.take(form)
        let csrf = try #require(String(buffer: form.body).hiddenInput("csrf"))
        var headers = jar.header
        headers[.contentType] = "application/x-www-form-urlencoded"
        for field in extra { headers.append(field) }
        let response = try await client.execute(
            uri: "/review/sign-in", method: .post, headers: headers,
            body: formBody([("csrf", csrf), ("next", "/review"), ("credential", credential)]))
        jar.take(response)
        return (jar, response)
    }

    static func post(
        _ client: any TestClientProtocol, _ uri: String, jar: CookieJar, _ fields: [(String, String)]
    ) async throws -> TestResponse {
        var headers = jar.header
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await client.execute(uri: uri, method: .post, headers: headers, body: formBody(fields))
    }

    @Test func signInSetsAStrictHttpOnlyExpiringCookieAndSignOutEndsIt() async throws {
        try await DeskTest.with(configuration: .init(sessionLifetime: .seconds(3600))) { database, client, _, seeded in
            // Without a session a page redirects to sign-in, keeping where it was going.
            let anonymous = try await client.execute(uri: "/review/documents/\(seeded.acmeDocument)", method: .get)
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/review/sign-in?next=/review/documents/\(seeded.acmeDocument)")

            // A wrong credential: back to the form, no session.
            let (refusedJar, refused) = try await Self.signIn(client, credential: "lct_" + String(repeating: "0", count: 64))
            #expect(refused.status == .seeOther)
            #expect(refused.headers[.location]?.hasPrefix("/review/sign-in?failed=1") == true)
            #expect(refusedJar.cookies["lector_session"] == nil)

            let (token, _) = try await APITokenStore(database: database).create(tenant: "acme", name: "desk")
            let (jar, response) = try await Self.signIn(client, credential: token)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/review")
            let cookie = try #require(jar.lastSet["lector_session"])
            let attributes = Set(cookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
            #expect(attributes.contains("httponly"))
            #expect(attributes.contains("samesite=strict"))
            #expect(attributes.contains("path=/review"))
            #expect(attributes.contains("max-age=3600"))
            #expect(!attributes.contains("secure"), "plain HTTP without a TLS proxy: no Secure")
            // The cookie is random and only its hash is stored: the value is nowhere in the database.
            let value = try #require(jar.cookies["lector_session"])
            let stored = try await database.query(
                "SELECT count(*)::int AS n FROM lector.web_sessions WHERE to_jsonb(web_sessions)::text LIKE '%' || $1 || '%'", value
            ).one().decode("n", as: Int.self)
            #expect(stored == 0)

            let page = try await client.execute(uri: "/review", method: .get, headers: jar.header)
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("nda-northwind.pdf"))
            #expect(!html.contains("nda-globex-secret.pdf"), "another tenant's document is not listed")
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)

            // Sign-out needs the CSRF token too, then the cookie no longer opens anything.
            let csrf = try #require(html.hiddenInput("csrf"))
            #expect(try await Self.post(client, "/review/sign-out", jar: jar, []).status == .forbidden)
            let out = try await Self.post(client, "/review/sign-out", jar: jar, [("csrf", csrf)])
            #expect(out.status == .seeOther)
            let after = try await client.execute(uri: "/review", method: .get, headers: jar.header)
            #expect(after.status == .seeOther, "a signed-out session opens nothing")
        }
    }

    @Test func behindATLSProxyTheCookieIsSecure() async throws {
        try await DeskTest.with { database, client, _, _ in
            let (credential, _) = try await ReviewerStore(database: database).create(tenant: "acme", name: "Dana")
            let (jar, response) = try await Self.signIn(client, credential: credential, headers: [.init("X-Forwarded-Proto")!: "https"])
            #expect(response.status == .seeOther)
            let cookie = try #require(jar.lastSet["lector_session"]).lowercased()
            #expect(cookie.contains("; secure"))
        }
    }

    @Test func formsWithoutTheSessionsCSRFTokenAreRefusedAndOtherTenantsAre404() async throws {
        try await DeskTest.with { database, client, _, seeded in
            let (credential, _) = try await ReviewerStore(database: database).create(tenant: "acme", name: "Dana")
            let (jar, _) = try await Self.signIn(client, credential: credential)
            let document = try await client.execute(uri: "/review/documents/\(seeded.acmeDocument)", method: .get, headers: jar.header)
            #expect(document.status == .ok)
            let csrf = try #require(String(buffer: document.body).hiddenInput("csrf"))
            let law = try await DeskTest.finding("governing_law", document: seeded.acmeDocument, database: database)
            let decision = "/review/documents/\(seeded.acmeDocument)/findings/\(law)/decision"

            // The sign-in form itself: a token that is not the browser's own cookie is refused.
            var signInHeaders = HTTPFields()
            signInHeaders[.contentType] = "application/x-www-form-urlencoded"
            signInHeaders[.cookie] = "lector_sign_in=aaaa"
            let forged = try await client.execute(
                uri: "/review/sign-in", method: .post, headers: signInHeaders,
                body: formBody([("csrf", "bbbb"), ("credential", credential)]))
            #expect(forged.status == .forbidden)

            // No token, another token: 403, nothing recorded.
            #expect(try await Self.post(client, decision, jar: jar, [("decision", "confirm")]).status == .forbidden)
            #expect(try await Self.post(client, decision, jar: jar, [("csrf", String(csrf.reversed())), ("decision", "confirm")]).status == .forbidden)
            #expect(try await DeskTest.status("governing_law", document: seeded.acmeDocument, database: database) == "pending")

            // With it: recorded.
            let confirmed = try await Self.post(client, decision, jar: jar, [("csrf", csrf), ("decision", "confirm")])
            #expect(confirmed.status == .seeOther)
            #expect(confirmed.headers[.location]?.contains("saved=1") == true)
            #expect(try await DeskTest.status("governing_law", document: seeded.acmeDocument, database: database) == "reviewed")

            // Another tenant's document, page image, words and finding: 404, as if they did not exist.
            let other = seeded.globexDocument
            let otherLaw = try await DeskTest.finding("governing_law", document: other, database: database)
            for uri in ["/review/documents/\(other)", "/review/documents/\(other)/pages/1", "/review/documents/\(other)/pages/1/words",
                        "/review/documents/999999"] {
                let response = try await client.execute(uri: uri, method: .get, headers: jar.header)
                #expect(response.status == .notFound, "\(uri)")
                #expect(!String(buffer: response.body).contains("globex"), "\(uri)")
            }
            let crossPost = try await Self.post(
                client, "/review/documents/\(other)/findings/\(otherLaw)/decision", jar: jar, [("csrf", csrf), ("decision", "reject")])
            #expect(crossPost.status == .notFound)
            // Another tenant's finding under this tenant's document id: 404 too.
            let mixed = try await Self.post(
                client, "/review/documents/\(seeded.acmeDocument)/findings/\(otherLaw)/decision", jar: jar,
                [("csrf", csrf), ("decision", "reject")])
            #expect(mixed.status == .notFound)
            #expect(try await DeskTest.status("governing_law", document: other, database: database) == "pending")
        }
    }

    @Test func aCorrectedQuoteMustBeOnThePageAndTheExportIsFormulaSafe() async throws {
        try await DeskTest.with { database, client, _, seeded in
            let (credential, _) = try await ReviewerStore(database: database).create(tenant: "acme", name: "Dana")
            let (jar, _) = try await Self.signIn(client, credential: credential)
            let page = try await client.execute(uri: "/review/documents/\(seeded.acmeDocument)", method: .get, headers: jar.header)
            let csrf = try #require(String(buffer: page.body).hiddenInput("csrf"))
            let termination = try await DeskTest.finding("termination_for_convenience", document: seeded.acmeDocument, database: database)
            let decision = "/review/documents/\(seeded.acmeDocument)/findings/\(termination)/decision"

            // A quote the page does not say (a changed number) is refused with the page's explanation.
            let wrong = try await Self.post(
                client, decision, jar: jar,
                [("csrf", csrf), ("decision", "correct"), ("presence", "present"), ("value", "30 days"), ("quote_page", "1"),
                 ("quote_text", "Either party may terminate this Agreement by giving sixty (60) days' written notice")])
            #expect(wrong.status == .seeOther)
            let location = try #require(wrong.headers[.location])
            #expect(location.contains("error=review.quote_not_on_page"))
            let explained = try await client.execute(uri: location, method: .get, headers: jar.header)
            #expect(String(buffer: explained.body).contains("That quote is not on that page as written"))
            #expect(try await DeskTest.status("termination_for_convenience", document: seeded.acmeDocument, database: database) == "pending")

            let right = try await Self.post(
                client, decision, jar: jar,
                [("csrf", csrf), ("decision", "correct"), ("presence", "present"), ("value", "30 days"), ("quote_page", "1"),
                 ("quote_text", DeskTest.terminationQuote), ("note", "=HYPERLINK(\"http://evil\",\"x\")")])
            #expect(right.headers[.location]?.contains("saved=1") == true)
            #expect(try await DeskTest.status("termination_for_convenience", document: seeded.acmeDocument, database: database) == "corrected")

            let csv = try await client.execute(uri: "/review/export.csv", method: .get, headers: jar.header)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let text = String(buffer: csv.body)
            #expect(text.contains("30 days"))
            #expect(text.contains("'=HYPERLINK"), "a note that looks like a formula is neutralised")
            #expect(!text.contains(",=HYPERLINK") && !text.contains("\"=HYPERLINK"))
            let json = try await client.execute(uri: "/review/export.json", method: .get, headers: jar.header)
            #expect(json.status == .ok)
            #expect(String(buffer: json.body).contains("30 days"))
            #expect(!String(buffer: json.body).contains("globex"))
        }
    }

    @Test func aReanalysisKeepsEarlierDecisionsVisible() async throws {
        try await DeskTest.with { database, client, _, seeded in
            let (credential, _) = try await ReviewerStore(database: database).create(tenant: "acme", name: "Dana")
            let (jar, _) = try await Self.signIn(client, credential: credential)
            let uri = "/review/documents/\(seeded.acmeDocument)"
            let csrf = try #require(String(buffer: try await client.execute(uri: uri, method: .get, headers: jar.header).body).hiddenInput("csrf"))
            let law = try await DeskTest.finding("governing_law", document: seeded.acmeDocument, database: database)
            _ = try await Self.post(client, "\(uri)/findings/\(law)/decision", jar: jar, [("csrf", csrf), ("decision", "confirm")])

            try await DeskTest.reanalyse(seeded.acmeDocument, tenant: "acme", database: database)
            let newLaw = try await DeskTest.finding("governing_law", document: seeded.acmeDocument, database: database)
            #expect(newLaw != law, "the reanalysis made new findings")
            let html = String(buffer: try await client.execute(uri: uri, method: .get, headers: jar.header).body)
            #expect(html.contains("profile test-again"))
            #expect(html.contains("Confirmed by Dana (on an earlier analysis)"))
            #expect(html.contains("(on an earlier analysis):") || html.contains("(on an earlier analysis)</li>"), "the history says so too")
            #expect(try await DeskTest.status("governing_law", document: seeded.acmeDocument, database: database) == "reviewed")
        }
    }
}
