import Foundation
import LectorCore
import LectorDB
import LectorQueue
import LectorTestSupport
import Logging

/// A scratch database per test with a job queue on it: `TestDatabase`'s, on its server unless a test names
/// another, migrated, and dropped afterwards.
enum QueueTestDatabase {
    static var logger: Logger {
        if Environment.flag("LECTOR_TEST_LOG") {
            var logger = Logger(label: "lector.test")
            logger.logLevel = .debug
            return logger
        }
        return Logger(label: "lector.test", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Runs `body` with a fresh, migrated database (one of `TestDatabase`'s slots); drops it afterwards.
    static func with<T: Sendable>(
        base: String = TestDatabase.serverURL, maxConnections: Int = 8,
        _ body: (_ client: PostgresClient, _ queue: JobQueue, _ url: String) async throws -> T
    ) async throws -> T {
        try await TestDatabase.with(server: base, maxConnections: maxConnections) { client, configuration in
            try await body(client, JobQueue(client: client, logger: logger), configuration.databaseURL)
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
