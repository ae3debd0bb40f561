import LectorCore
import Logging

/// One numbered schema migration.
public struct Migration: Sendable {
    /// The number in the file name (`0001_core.sql` → 1); migrations apply in this order.
    public var version: Int
    /// The file name, for messages.
    public var fileName: String
    /// The SQL script.
    public var sql: String

    public init(version: Int, fileName: String, sql: String) {
        self.version = version
        self.fileName = fileName
        self.sql = sql
    }

    /// The SHA-256 of the script, recorded when applied.
    public var checksum: String { SHA256.hex(Array(sql.utf8)) }
}

/// A migration's state in a database.
public struct MigrationStatus: Sendable, Equatable {
    public enum State: String, Sendable { case applied, pending, edited }
    public var version: Int
    public var fileName: String
    public var state: State
    public var appliedAt: String?
}

/// Applies migrations in order, each in its own transaction, under an advisory lock so that any number
/// of concurrent `lector migrate` runs apply each migration exactly once.
public struct Migrator: Sendable {
    /// The advisory lock key ("lector migrate" in a 64-bit number); shared by every Lector version.
    static let lockKey: Int64 = 0x6c65_6374_6f72_6d67
    public let migrations: [Migration]
    private let logger: Logger

    public init(migrations: [Migration], logger: Logger) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Applies what is pending.
    ///
    /// - Returns: the migrations applied by this call (empty when the database was current).
    /// - Throws: ``DatabaseError`` of kind `migration` when an applied file was edited or the database
    ///   has a migration this binary does not know; any database error of a failing script (that
    ///   migration is rolled back, earlier ones stay).
    @discardableResult
    public func migrate(_ client: PostgresClient) async throws -> [Migration] {
        try await withLock(client) { connection in
            let applied = try await appliedChecksums(connection)
            try verify(applied)
            var done: [Migration] = []
            for migration in migrations where applied[migration.version] == nil {
                logger.info("applying migration", metadata: ["migration.file": "\(migration.fileName)"])
                try await connection.withTransaction { tx in
                    try await tx.executeScript(migration.sql)
                    try await tx.query(
                        "INSERT INTO lector.schema_migrations (version, file_name, checksum) VALUES ($1, $2, $3)",
                        migration.version, migration.fileName, migration.checksum)
                }
                done.append(migration)
            }
            return done
        }
    }

    /// The state of every known migration, without changing anything.
    public func status(_ client: PostgresClient) async throws -> [MigrationStatus] {
        try await client.withConnection { connection in
            let exists = try await connection.query(
                "SELECT to_regclass('lector.schema_migrations') IS NOT NULL AS present"
            ).one().decode("present", as: Bool.self)
            var applied: [Int: (checksum: String, at: String)] = [:]
            if exists {
                for row in try await connection.query(
                    "SELECT version, checksum, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS') AS at FROM lector.schema_migrations")
                {
                    applied[try row.decode("version")] = (try row.decode("checksum"), try row.decode("at"))
                }
            }
            return migrations.map { m in
                guard let record = applied[m.version] else {
                    return MigrationStatus(version: m.version, fileName: m.fileName, state: .pending, appliedAt: nil)
                }
                return MigrationStatus(
                    version: m.version, fileName: m.fileName,
                    state: record.checksum == m.checksum ? .applied : .edited, appliedAt: record.at)
            }
        }
    }

    private func withLock<T: Sendable>(
        _ client: PostgresClient, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock($1)", Migrator.lockKey)
            do {
                // Inside the lock: CREATE ... IF NOT EXISTS is not safe against a concurrent creator.
                try await connection.executeScript(
                    """
                    CREATE SCHEMA IF NOT EXISTS lector;
                    CREATE TABLE IF NOT EXISTS lector.schema_migrations (
                        version     integer PRIMARY KEY,
                        file_name   text NOT NULL,
                        checksum    text NOT NULL,
                        applied_at  timestamptz NOT NULL DEFAULT now()
                    )
                    """)
                let value = try await body(connection)
                try await connection.query("SELECT pg_advisory_unlock($1)", Migrator.lockKey)
                return value
            } catch {
                // Session-level locks outlive errors; release it unless the connection is gone anyway.
                if !connection.isBroken {
                    _ = try? await connection.query("SELECT pg_advisory_unlock($1)", Migrator.lockKey)
                }
                throw error
            }
        }
    }

    private func appliedChecksums(_ connection: PostgresConnection) async throws -> [Int: String] {
        var applied: [Int: String] = [:]
        for row in try await connection.query("SELECT version, checksum FROM lector.schema_migrations") {
            applied[try row.decode("version")] = try row.decode("checksum")
        }
        return applied
    }

    private func verify(_ applied: [Int: String]) throws(DatabaseError) {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, checksum) in applied.sorted(by: { $0.key < $1.key }) {
            guard let migration = known[version] else {
                throw DatabaseError(
                    kind: .migration,
                    message: "the database has migration \(version), which this lector does not know; upgrade lector")
            }
            if migration.checksum != checksum {
                throw DatabaseError(
                    kind: .migration,
                    message: "schema/\(migration.fileName) was edited after it was applied (checksum differs); "
                        + "restore it and add a new migration instead")
            }
        }
    }
}
