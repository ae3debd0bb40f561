import Foundation
import LectorCore
import LectorDB

/// Bearer tokens for the HTTP API, one tenant each, stored as their SHA-256 only (`lector.api_tokens`).
///
/// A token is 32 random bytes in hex behind the prefix `lct_`; it is returned once by ``create(tenant:name:)``
/// and cannot be recovered afterwards.
public struct APITokenStore: Sendable {
    /// A stored token, without the token.
    public struct Record: Sendable, Equatable, Codable {
        public var id: Int64
        public var tenant: String
        public var name: String
        /// The token's first characters, to tell tokens apart.
        public var prefix: String
        public var createdAt: Date
        public var lastUsedAt: Date?
        public var revokedAt: Date?
    }

    /// Who a valid token speaks for.
    public struct Principal: Sendable, Equatable {
        public var tokenID: Int64
        public var tenant: String
    }

    /// What every token starts with, so that leaked tokens are easy to grep for.
    public static let tokenPrefix = "lct_"

    let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    /// Makes a token for `tenant` named `name` and stores its hash.
    ///
    /// - Returns: the token (shown once) and its record.
    /// - Throws: ``TenancyError`` when the tenant or name is not acceptable or a live token of that name
    ///   exists; database errors.
    public func create(tenant: String, name: String) async throws -> (token: String, record: Record) {
        try TenancyError.validateTenant(tenant)
        guard !name.isEmpty, name.utf8.count <= 200 else {
            throw TenancyError(kind: .invalidName, detail: "a token name is 1 to 200 characters")
        }
        return try await CredentialTable.apiTokens.create(tenant: tenant, name: name, on: database)
    }

    /// Tokens, newest first; only `tenant`'s when given; revoked ones too when `includeRevoked`.
    public func list(tenant: String? = nil, includeRevoked: Bool = false) async throws -> [Record] {
        try await CredentialTable.apiTokens.list(tenant: tenant, includeRevoked: includeRevoked, on: database)
    }

    /// Revokes the live token with `id`, or the one of `tenant` named `name`.
    ///
    /// - Throws: ``TenancyError`` of kind `notFound` when no live token matches.
    @discardableResult
    public func revoke(id: Int64? = nil, tenant: String? = nil, name: String? = nil) async throws -> Record {
        try await CredentialTable.apiTokens.revoke(id: id, tenant: tenant, name: name, on: database)
    }

    /// The tenant a presented token speaks for, or nil when it is unknown or revoked.
    ///
    /// Only the token's hash is sent to the database. Records the last use at most once a minute.
    public func authenticate(_ token: String) async throws -> Principal? {
        guard token.hasPrefix(Self.tokenPrefix), token.utf8.count < 200 else { return nil }
        let rows = try await database.query(
            """
            SELECT id, tenant, (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
            FROM lector.api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL
            """, Self.hash(token))
        guard let row = rows.first else { return nil }
        let principal = Principal(tokenID: try row.decode("id"), tenant: try row.decode("tenant"))
        if try row.decode("stale", as: Bool.self) {
            try await database.query("UPDATE lector.api_tokens SET last_used_at = now() WHERE id = $1", principal.tokenID)
        }
        return principal
    }

    /// The stored form of a token (``SecretToken/hash(_:)``).
    public static func hash(_ token: String) -> String { SecretToken.hash(token) }
}

/// A tenancy request that cannot be done: a bad tenant or role name, a duplicate, nothing to revoke.
public struct TenancyError: LectorError {
    public enum Kind: String, Sendable {
        case invalidTenant = "invalid_tenant", invalidName = "invalid_name", duplicate, notFound = "not_found"
        case privilegedRole = "privileged_role"
    }
    public var kind: Kind
    public var detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var code: String { "tenancy.\(kind.rawValue)" }
    public var description: String { detail }

    /// Tenants are short identifiers: letters, digits, `_`, `.`, `-`, starting with a letter or digit.
    public static func validateTenant(_ tenant: String) throws(TenancyError) {
        guard tenant.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}/) != nil else {
            throw TenancyError(
                kind: .invalidTenant,
                detail: "a tenant is 1 to 63 letters, digits, '_', '.' or '-', starting with a letter or digit")
        }
    }
}
