import Foundation
import Hummingbird
import LectorAPI
import LectorDB
import LectorPDF
import LectorService
import Logging

/// What the review desk needs to know beyond its dependencies.
public struct ReviewDeskConfiguration: Sendable {
    /// When session cookies carry `Secure`.
    public enum SecureCookies: String, Sendable, CaseIterable {
        /// When the request came over TLS through a proxy that says so (`X-Forwarded-Proto: https`).
        case auto
        /// Always: Lector is reached over HTTPS only.
        case always
        /// Never (plain HTTP on a trusted network, tests).
        case never
    }

    public var secureCookies: SecureCookies
    /// How long a browser session lasts after sign-in.
    public var sessionLifetime: Duration
    /// Documents per page of the documents list.
    public var pageSize: Int
    /// The width, in pixels, page images are asked for (rounded up by ``PageRenderStore/widths``).
    public var imageWidth: Int

    public init(
        secureCookies: SecureCookies = .auto, sessionLifetime: Duration = .seconds(8 * 3600), pageSize: Int = 25,
        imageWidth: Int = 1100
    ) {
        self.secureCookies = secureCookies
        self.sessionLifetime = sessionLifetime
        self.pageSize = pageSize
        self.imageWidth = imageWidth
    }
}

/// The review desk, served by `lector serve` under `/review`: reviewers sign in with a reviewer
/// credential or their tenant's API token, look at each finding beside the page it quotes, and confirm,
/// reject or correct it. Every page is scoped to the session's tenant exactly like the API: another
/// tenant's id is a 404.
///
/// Pages are server-rendered HTML (Mustache templates compiled in); one small script adds keyboard
/// navigation and word selection on the page image. Every form carries the session's CSRF token, and
/// every page's data is read in one query.
public struct ReviewDesk: Sendable {
    let database: PostgresClient
    let sessions: WebSessionStore
    let reviews: FindingReviewStore
    let renders: PageRenderStore
    let templates: Templates
    let configuration: ReviewDeskConfiguration
    let logger: Logger

    /// - Throws: when a compiled-in template does not parse (a build mistake, caught by the tests).
    public init(
        database: PostgresClient, extractor: PDFExtractor, configuration: ReviewDeskConfiguration = .init(), logger: Logger
    ) throws {
        self.database = database
        self.sessions = WebSessionStore(database: database, lifetime: configuration.sessionLifetime)
        self.reviews = FindingReviewStore(database: database)
        self.renders = PageRenderStore(database: database, extractor: extractor, logger: logger)
        self.templates = try Templates()
        self.configuration = configuration
        self.logger = logger
    }

    /// Adds the desk's routes under `/review` to the API's router.
    public func add(to router: Router<APIRequestContext>) {
        let group = router.group("review").add(middleware: WebPageMiddleware(templates: templates))
        group.get(use: documents)
        group.get("sign-in", use: signInForm)
        group.post("sign-in", use: signIn)
        group.post("sign-out", use: signOut)
        group.get("documents/:id", use: document)
        group.get("documents/:id/pages/:page", use: pageImage)
        group.get("documents/:id/pages/:page/words", use: pageWords)
        group.post("documents/:id/findings/:finding/decision", use: decide)
        group.get("batches", use: batches)
        group.get("batches/:id", use: batch)
        group.get("export.csv", use: exportCSV)
        group.get("export.json", use: exportJSON)
        group.get("assets/review.js") { _, _ in
            Templates.asset(PackageResources.review_js, type: "text/javascript; charset=utf-8")
        }
        group.get("assets/review.css") { _, _ in
            Templates.asset(PackageResources.review_css, type: "text/css; charset=utf-8")
        }
    }
}
