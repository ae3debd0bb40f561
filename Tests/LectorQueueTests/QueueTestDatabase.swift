import Foundation
import LectorCore
import LectorDB
import LectorQueue
import LectorSchema
import Logging

/// A scratch database per test: created from LECTOR_TEST_DATABASE_URL (default: the local cluster of
/// deploy/local/postgres), migrated, and dropped afterwards.
enum QueueTestDatabase {
    static var baseURL: String {
        Environment.value("LECTOR_TEST_DATABASE_URL") ?? "postgresql://lector@127.0.0.1:55432/lector"
    }

    static var logger: Logger {
        if Environment.flag("LECTOR_TEST_LOG") {
            var logger = Logger(label: "lector.test")
            logger.logLevel = .debug
            return logger
        }
        return Logger(label: "lector.test", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// `url` with its database replaced by `name`.
    static func url(_ url: String, database name: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + name
        return components.string!
    }

    /// Runs `body` with a fresh, migrated database; drops it afterwards.
    static func with<T: Sendable>(
        base: String = baseURL, maxConnections: Int = 8,
        _ body: (_ client: PostgresClient, _ queue: JobQueue, _ url: String) async throws -> T
    ) async throws -> T {
        let name = "lector_queue_test_\(UInt64.random(in: 0...UInt64.max) & 0xffff_ffff_ffff)"
        try await admin(base) { try await $0.query("CREATE DATABASE \(quoteIdentifier(name))") }
        let url = url(base, database: name)
        let client = PostgresClient(
            configuration: PostgresConfiguration(connectionString: url, maxConnections: maxConnections), logger: logger)
        do {
            try await Migrator(migrations: LectorSchema.migrations, logger: logger).migrate(client)
            let value = try await body(client, JobQueue(client: client, logger: logger), url)
            await client.shutdown()
            try await admin(base) { try await $0.query("DROP DATABASE \(quoteIdentifier(name)) WITH (FORCE)") }
            return value
        } catch {
            await client.shutdown()
            try? await admin(base) { try await $0.query("DROP DATABASE \(quoteIdentifier(name)) WITH (FORCE)") }
            throw error
        }
    }

    /// A short-lived client for CREATE/DROP DATABASE: a fresh connection each time, so a server restart
    /// in between (the restart test) leaves no dead connection to trip on.
    private static func admin(_ base: String, _ body: (PostgresClient) async throws -> Void) async throws {
        let admin = PostgresClient(
            configuration: PostgresConfiguration(connectionString: base, maxConnections: 1), logger: logger)
        do {
            try await body(admin)
            await admin.shutdown()
        } catch {
            await admin.shutdown()
            throw error
        }
    }

}

extension PostgresClient {
    /// The single bigint a query returns.
    ///
    /// Tries again on a lost connection: after a server restart the pool can hand out each of its idle
    /// connections that died while idle once (reported to the LectorDB owner).
    func scalar(_ sql: String, _ binds: [any PostgresEncodable] = []) async throws -> Int64 {
        var attempt = 0
        var rows: PostgresRows?
        while rows == nil {
            do {
                rows = try await query(sql, binds)
            } catch let error as DatabaseError where attempt < 20 && (error.isConnectionLevel || error.message.contains("closed the connection")) {
                attempt += 1
            }
        }
        let result = rows!
        return try result.one().decode(result.columns[0], as: Int64.self)
    }
}
