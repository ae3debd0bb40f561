import Foundation
import LectorCore
import LectorDB

/// Browser sessions of the review pages (`lector.web_sessions`).
///
/// A person signs in with a tenant's API token (`lct_...`) or their reviewer credential (`lrv_...`) and
/// gets a cookie: `lws_` and 64 random hex digits, handed to the browser once; the database keeps only
/// its SHA-256. A session is live until it expires (``init(database:lifetime:)``), is signed out, or its
/// credential is revoked (checked on every lookup) or deleted (the row goes with it). Each session has a
/// CSRF token of its own that every form must carry.
public struct WebSessionStore: Sendable {
    /// A live session: whom it speaks for.
    public struct Session: Sendable, Equatable {
        public var id: Int64
        /// The tenant every page of the session is scoped to.
        public var tenant: String
        /// The reviewer who signed in, when they used a reviewer credential.
        public var reviewerID: Int64?
        /// The API token used to sign in, when it was one.
        public var apiTokenID: Int64?
        /// The person, as decisions name them: the reviewer's name, or "token NAME".
        public var who: String
        /// The value every form of the session must carry (32 random bytes in hex).
        public var csrfToken: String
        public var expiresAt: Date

        /// Whether a form's CSRF value is this session's, compared in constant time (a mismatch takes
        /// as long wherever it is).
        public func accepts(csrf presented: String) -> Bool { SecretToken.equal(csrfToken, presented) }
    }

    /// What every session cookie starts with.
    public static let cookiePrefix = "lws_"

    let database: PostgresClient
    /// How long a session lives after sign-in.
    public let lifetime: Duration

    /// A store on `database` whose sessions live `lifetime` (8 hours unless given; at least a second).
    public init(database: PostgresClient, lifetime: Duration = .seconds(8 * 3600)) {
        self.database = database
        self.lifetime = max(lifetime, .seconds(1))
    }

    /// Signs in with an API token (`lct_...`) or a reviewer credential (`lrv_...`); nil when neither is live.
    /// Returns the cookie value (random, shown once; only its SHA-256 is stored) and the session.
    public func signIn(credential: String) async throws -> (cookie: String, session: Session)? {
        let cookie = SecretToken.make(prefix: Self.cookiePrefix)
        let csrf = SecretToken.randomHex()
        let seconds = Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) / 1e18
        let row: PostgresRow?
        if credential.hasPrefix(ReviewerStore.tokenPrefix) {
            guard let reviewer = try await ReviewerStore(database: database).authenticate(credential) else { return nil }
            row = try await database.query(
                """
                INSERT INTO lector.web_sessions (session_sha256, tenant, reviewer_id, who, csrf_token, expires_at)
                SELECT $1, r.tenant, r.id, r.name, $2, now() + make_interval(secs => $3)
                FROM lector.reviewers r WHERE r.id = $4 AND r.revoked_at IS NULL
                RETURNING \(Self.columns)
                """, SecretToken.hash(cookie), csrf, seconds, reviewer.id
            ).first
        } else if credential.hasPrefix(APITokenStore.tokenPrefix) {
            guard let principal = try await APITokenStore(database: database).authenticate(credential) else { return nil }
            row = try await database.query(
                """
                INSERT INTO lector.web_sessions (session_sha256, tenant, api_token_id, who, csrf_token, expires_at)
                SELECT $1, t.tenant, t.id, 'token ' || t.name, $2, now() + make_interval(secs => $3)
                FROM lector.api_tokens t WHERE t.id = $4 AND t.revoked_at IS NULL
                RETURNING \(Self.columns)
                """, SecretToken.hash(cookie), csrf, seconds, principal.tokenID
            ).first
        } else {
            return nil
        }
        // Revoked between the check and the insert: no session.
        guard let row else { return nil }
        return (cookie, try Self.session(row))
    }

    /// The live session of a cookie: not expired, not ended, its credential not revoked; nil otherwise.
    public func session(cookie: String) async throws -> Session? {
        guard SecretToken.isWellFormed(cookie, prefix: Self.cookiePrefix) else { return nil }
        let rows = try await database.query(
            """
            SELECT s.id, s.tenant, s.reviewer_id, s.api_token_id, s.who, s.csrf_token, s.expires_at
            FROM lector.web_sessions s
            LEFT JOIN lector.reviewers r ON r.id = s.reviewer_id
            LEFT JOIN lector.api_tokens t ON t.id = s.api_token_id
            WHERE s.session_sha256 = $1 AND s.ended_at IS NULL AND s.expires_at > now()
              AND ((r.id IS NOT NULL AND r.revoked_at IS NULL AND r.tenant = s.tenant)
                   OR (t.id IS NOT NULL AND t.revoked_at IS NULL AND t.tenant = s.tenant))
            """, SecretToken.hash(cookie))
        return try rows.first.map(Self.session)
    }

    /// Ends the session of a cookie (no matter whether it was live); later lookups return nil.
    public func signOut(cookie: String) async throws {
        guard SecretToken.isWellFormed(cookie, prefix: Self.cookiePrefix) else { return }
        try await database.query(
            "UPDATE lector.web_sessions SET ended_at = now() WHERE session_sha256 = $1 AND ended_at IS NULL",
            SecretToken.hash(cookie))
    }

    /// Deletes sessions that expired or ended more than `age` ago (their decisions keep the reviewer's
    /// name; the link to the session becomes NULL). Returns how many went.
    @discardableResult
    public func prune(olderThan age: Duration = .seconds(30 * 86_400)) async throws -> Int {
        let seconds = Double(age.components.seconds)
        let rows = try await database.query(
            """
            DELETE FROM lector.web_sessions
            WHERE coalesce(ended_at, expires_at) < now() - make_interval(secs => $1) RETURNING id
            """, seconds)
        return rows.count
    }

    static let columns = "id, tenant, reviewer_id, api_token_id, who, csrf_token, expires_at"

    static func session(_ row: PostgresRow) throws -> Session {
        Session(
            id: try row.decode("id"), tenant: try row.decode("tenant"),
            reviewerID: try row.decode("reviewer_id", as: Int64?.self),
            apiTokenID: try row.decode("api_token_id", as: Int64?.self), who: try row.decode("who"),
            csrfToken: try row.decode("csrf_token"), expiresAt: try row.decode("expires_at"))
    }
}
