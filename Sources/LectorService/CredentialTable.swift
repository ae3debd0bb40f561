import Foundation
import LectorCore
import LectorDB

/// One of the two tables of hashed, per-tenant, named, revocable credentials: `lector.api_tokens`
/// (``APITokenStore``) and `lector.reviewers` (``ReviewerStore``). Their rows have the same columns and
/// are made, listed and revoked alike; this is that code, once.
///
/// The table name goes into the SQL text, so it is one of the two below, fixed in code by the case;
/// everything that comes from a caller is a bound parameter.
enum CredentialTable: Sendable {
    case apiTokens, reviewers

    /// The qualified table name, interpolated into the SQL.
    var table: String {
        switch self {
        case .apiTokens: "lector.api_tokens"
        case .reviewers: "lector.reviewers"
        }
    }

    /// What a row is called in error details.
    var noun: String {
        switch self {
        case .apiTokens: "token"
        case .reviewers: "reviewer"
        }
    }

    /// What every credential of the table starts with.
    var tokenPrefix: String {
        switch self {
        case .apiTokens: APITokenStore.tokenPrefix
        case .reviewers: ReviewerStore.tokenPrefix
        }
    }

    /// The columns a ``CredentialRecord`` is read from.
    static let recordColumns = "id, tenant, name, token_prefix, created_at, last_used_at, revoked_at"

    /// Makes a credential for `tenant` named `name` (already checked by the store) and stores its hash.
    ///
    /// - Throws: ``TenancyError`` of kind `duplicate` when a live row of that tenant and name exists;
    ///   database errors.
    func create<Record: CredentialRecord>(
        tenant: String, name: String, on database: PostgresClient
    ) async throws -> (token: String, record: Record) {
        let token = SecretToken.make(prefix: tokenPrefix)
        do {
            let row = try await database.query(
                """
                INSERT INTO \(table) (tenant, name, token_sha256, token_prefix) VALUES ($1, $2, $3, $4)
                RETURNING \(Self.recordColumns)
                """, tenant, name, SecretToken.hash(token), SecretToken.displayPrefix(token)
            ).one()
            return (token, try Self.record(row))
        } catch let error as DatabaseError where error.kind == .uniqueViolation {
            throw TenancyError(kind: .duplicate, detail: "tenant '\(tenant)' already has a live \(noun) named '\(name)'")
        }
    }

    /// Rows, newest first; only `tenant`'s when given; revoked ones too when `includeRevoked`.
    func list<Record: CredentialRecord>(
        tenant: String?, includeRevoked: Bool, on database: PostgresClient
    ) async throws -> [Record] {
        let rows = try await database.query(
            """
            SELECT \(Self.recordColumns) FROM \(table)
            WHERE ($1::text IS NULL OR tenant = $1) AND ($2 OR revoked_at IS NULL)
            ORDER BY id DESC
            """, tenant, includeRevoked)
        return try rows.map(Self.record)
    }

    /// Revokes the live row with `id`, or the one of `tenant` named `name`.
    ///
    /// - Throws: ``TenancyError`` of kind `notFound` when no live row matches.
    func revoke<Record: CredentialRecord>(
        id: Int64?, tenant: String?, name: String?, on database: PostgresClient
    ) async throws -> Record {
        let rows = try await database.query(
            """
            UPDATE \(table) SET revoked_at = now()
            WHERE revoked_at IS NULL
              AND (($1::bigint IS NOT NULL AND id = $1) OR ($1::bigint IS NULL AND tenant = $2 AND name = $3))
            RETURNING \(Self.recordColumns)
            """, id, tenant, name)
        guard let row = rows.first else { throw TenancyError(kind: .notFound, detail: "no live \(noun) matches") }
        return try Self.record(row)
    }

    /// A record from a row that has ``recordColumns``.
    static func record<Record: CredentialRecord>(_ row: PostgresRow) throws -> Record {
        Record(
            id: try row.decode("id"), tenant: try row.decode("tenant"), name: try row.decode("name"),
            prefix: try row.decode("token_prefix"), createdAt: try row.decode("created_at"),
            lastUsedAt: try row.decode("last_used_at", as: Date?.self),
            revokedAt: try row.decode("revoked_at", as: Date?.self))
    }
}

/// A row of a ``CredentialTable`` without its credential: ``APITokenStore/Record`` and
/// ``ReviewerStore/Record`` (their memberwise initialisers).
protocol CredentialRecord: Sendable {
    init(
        id: Int64, tenant: String, name: String, prefix: String, createdAt: Date, lastUsedAt: Date?,
        revokedAt: Date?)
}

extension APITokenStore.Record: CredentialRecord {}
extension ReviewerStore.Record: CredentialRecord {}
