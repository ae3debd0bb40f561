import Foundation
import LectorCore
import LectorDB

/// Per-person credentials for the review pages, one tenant each (`lector.reviewers`), stored as their
/// SHA-256 only, like ``APITokenStore``'s tokens.
///
/// A credential is `lrv_` and 64 random hex digits (``SecretToken``); ``create(tenant:name:)`` returns it
/// once. A reviewer signs in with it (``WebSessionStore/signIn(credential:)``) and the decisions made in
/// that session carry the reviewer's name.
public struct ReviewerStore: Sendable {
    /// A stored reviewer, without the credential.
    public struct Record: Sendable, Equatable, Codable {
        public var id: Int64
        public var tenant: String
        /// The person's name, shown beside their decisions.
        public var name: String
        /// The credential's first characters, to tell credentials apart.
        public var prefix: String
        public var createdAt: Date
        public var lastUsedAt: Date?
        public var revokedAt: Date?
    }

    /// What every reviewer credential starts with, so that leaked ones are easy to grep for.
    public static let tokenPrefix = "lrv_"

    let database: PostgresClient

    /// A store on `database`.
    public init(database: PostgresClient) { self.database = database }

    /// Makes a credential for the person `name` of `tenant` and stores its hash.
    ///
    /// - Returns: the credential (shown once) and its record.
    /// - Throws: ``TenancyError`` when the tenant or name is not acceptable or a live reviewer of that
    ///   name exists; database errors.
    public func create(tenant: String, name: String) async throws -> (token: String, record: Record) {
        try TenancyError.validateTenant(tenant)
        guard !name.isEmpty, name.utf8.count <= 200, name.trimmingCharacters(in: .whitespacesAndNewlines) == name,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw TenancyError(
                kind: .invalidName,
                detail: "a reviewer name is 1 to 200 characters, without control characters or surrounding spaces")
        }
        return try await CredentialTable.reviewers.create(tenant: tenant, name: name, on: database)
    }

    /// Reviewers, newest first; only `tenant`'s when given; revoked ones too when `includeRevoked`.
    public func list(tenant: String? = nil, includeRevoked: Bool = false) async throws -> [Record] {
        try await CredentialTable.reviewers.list(tenant: tenant, includeRevoked: includeRevoked, on: database)
    }

    /// Revokes the live reviewer with `id`, or the one of `tenant` named `name`. Their browser sessions
    /// end with it (``WebSessionStore/session(cookie:)`` checks the credential on every request).
    ///
    /// - Throws: ``TenancyError`` of kind `notFound` when no live reviewer matches.
    @discardableResult
    public func revoke(id: Int64? = nil, tenant: String? = nil, name: String? = nil) async throws -> Record {
        try await CredentialTable.reviewers.revoke(id: id, tenant: tenant, name: name, on: database)
    }

    /// The live reviewer a presented credential belongs to, or nil when it is unknown, malformed or
    /// revoked.
    ///
    /// Only the credential's hash is sent to the database. Records the last use at most once a minute.
    public func authenticate(_ token: String) async throws -> Record? {
        guard SecretToken.isWellFormed(token, prefix: Self.tokenPrefix) else { return nil }
        let rows = try await database.query(
            """
            SELECT \(CredentialTable.recordColumns),
                   (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
            FROM lector.reviewers WHERE token_sha256 = $1 AND revoked_at IS NULL
            """, SecretToken.hash(token))
        guard let row = rows.first else { return nil }
        var record: Record = try CredentialTable.record(row)
        if try row.decode("stale", as: Bool.self) {
            let used = try await database.query(
                "UPDATE lector.reviewers SET last_used_at = now() WHERE id = $1 RETURNING last_used_at", record.id
            ).first
            record.lastUsedAt = try used?.decode("last_used_at", as: Date?.self) ?? record.lastUsedAt
        }
        return record
    }
}
