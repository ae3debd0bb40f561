import Foundation
import LectorDB
import LectorTestSupport
import Synchronization
import Testing

/// No connection goes back to the pool inside a transaction (issue 16).
@Suite("Transactions and cancellation; keepalive defaults")
struct TransactionCancellationTests {
    @Test func cancellationBetweenTheBodyAndCommitRollsBackAndLeavesNoOpenTransaction() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { client, _ in
            try await client.query("CREATE TABLE t (id int PRIMARY KEY)")
            // The body finishes its writes, then the task is cancelled before COMMIT can be sent.
            let task = Task {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO t VALUES (1)")
                    withUnsafeCurrentTask { $0?.cancel() }
                }
            }
            await #expect(throws: CancellationError.self) { try await task.value }
            // The pool's only connection is outside any transaction, and the write was rolled back.
            let rows = try await client.query(
                """
                SELECT (SELECT count(*) FROM t) AS n,
                       (SELECT count(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND state LIKE 'idle in transaction%') AS open
                """).one()
            #expect(try rows.decode("n", as: Int.self) == 0)
            #expect(try rows.decode("open", as: Int.self) == 0)
        }
    }

    @Test func aConnectionLeftInsideATransactionIsNotReused() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { client, _ in
            let first = try await client.withConnection { connection in
                try await connection.executeScript("BEGIN")
                return try await connection.query("SELECT pg_backend_pid() AS pid").one().decode("pid", as: Int.self)
            }
            let second = try await client.query("SELECT pg_backend_pid() AS pid").one()
            #expect(try second.decode("pid", as: Int.self) != first)
            // The dropped connection's session ends, and its transaction with it.
            #expect(try await eventually(60) {
                try await client.query(
                    """
                    SELECT count(*) AS open FROM pg_stat_activity
                    WHERE datname = current_database() AND state LIKE 'idle in transaction%'
                    """).one().decode("open", as: Int.self) == 0
            })
        }
    }

    @Test func keepaliveDefaultsReachTheConnectionAndTheURLMayOverrideThem() async throws {
        #expect(PostgresConfiguration.keepaliveDefaults.map(\.0).contains("tcp_user_timeout"))
        try await TestDatabase.with(migrated: false) { client, configuration in
            // Over TCP the server sees the client's keepalive idle time only as its own setting; what the
            // test can see is that a URL with its own keepalive settings still connects (libpq accepted
            // both the defaults and the override).
            var overridden = configuration
            overridden.connectionString += (overridden.connectionString.contains("?") ? "&" : "?") + "keepalives_idle=45&tcp_user_timeout=30000"
            let other = PostgresClient(configuration: overridden, logger: TestDatabase.logger)
            let one = try? await other.query("SELECT 1 AS one").one().decode("one", as: Int.self)
            await other.shutdown()
            #expect(one == 1)
            let again = try await client.query("SELECT 1 AS one").one().decode("one", as: Int.self)
            #expect(again == 1)
        }
    }
}
