import Foundation
import LectorDB
import LectorTestSupport
import Synchronization
import Testing

@Suite("The connection pool, transactions, errors, LISTEN/NOTIFY, COPY and cancellation")
struct PostgresClientTests {
    @Test func sqlStatesAreClassified() async throws {
        try await TestDatabase.with(migrated: false) { client, _ in
            try await client.query("CREATE TABLE t (id int PRIMARY KEY, secret text)")
            try await client.query("INSERT INTO t VALUES (1, 'a')")

            let unique = await #expect(throws: DatabaseError.self) {
                try await client.query("INSERT INTO t VALUES ($1, $2)", 1, "parameter-value-7731")
            }
            #expect(unique?.kind == .uniqueViolation)
            #expect(unique?.sqlState == "23505")
            #expect(unique?.constraint == "t_pkey")
            #expect(unique?.code == "database.unique_violation")
            // The server's DETAIL quotes the key's value; Lector's message never does.
            #expect(unique.map { !"\($0)".contains("parameter-value-7731") && !"\($0)".contains("(1)") } == true)

            let serialization = await #expect(throws: DatabaseError.self) {
                try await client.query(
                    "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$")
            }
            #expect(serialization?.kind == .serializationFailure)
            #expect(serialization?.isTransient == true)

            let syntax = await #expect(throws: DatabaseError.self) { try await client.query("SELEC 1") }
            #expect(syntax?.kind == .syntaxError)
            #expect(syntax?.isTransient == false)

            let undefined = await #expect(throws: DatabaseError.self) { try await client.query("SELECT * FROM nope") }
            #expect(undefined?.kind == .undefinedObject)

            // The server ends this session: a connection-level failure, and the pool carries on.
            let lost = await #expect(throws: DatabaseError.self) {
                try await client.query("SELECT pg_terminate_backend(pg_backend_pid())")
            }
            #expect(lost?.kind == .connectionLost)
            #expect(lost?.isConnectionLevel == true)
            #expect(try await client.query("SELECT count(*) AS n FROM t").one().decode("n", as: Int.self) == 1)
        }
    }

    @Test func transactionRollsBackWhenBodyThrows() async throws {
        struct Boom: Error {}
        try await TestDatabase.with(migrated: false) { client, _ in
            try await client.query("CREATE TABLE t (v text)")
            await #expect(throws: Boom.self) {
                try await client.withTransaction { tx in
                    try await tx.query("INSERT INTO t VALUES ($1)", "rolled back")
                    throw Boom()
                }
            }
            _ = try await client.withTransaction { tx in
                try await tx.query("INSERT INTO t VALUES ($1)", "kept")
            }
            let rows = try await client.query("SELECT v FROM t")
            #expect(try rows.map { try $0.decode("v", as: String.self) } == ["kept"])
            // A failed statement inside the transaction also rolls everything back.
            await #expect(throws: DatabaseError.self) {
                try await client.withTransaction { tx in
                    try await tx.query("INSERT INTO t VALUES ($1)", "also rolled back")
                    try await tx.query("SELECT 1/0")
                }
            }
            #expect(try await client.query("SELECT count(*) AS n FROM t").one().decode("n", as: Int.self) == 1)
        }
    }

    @Test func listenDeliversNotifications() async throws {
        try await TestDatabase.with(migrated: false) { client, _ in
            let stream = client.listen(["jobs_ready", "other"])
            // LISTEN is asynchronous to this task: notify until the first one arrives, then the rest in order.
            let sender = Task {
                for attempt in 0..<200 {
                    try await client.query("SELECT pg_notify('jobs_ready', $1)", "warmup-\(attempt)")
                    try await Task.sleep(for: .milliseconds(50))
                    if Task.isCancelled { return }
                }
            }
            var iterator = stream.makeAsyncIterator()
            let first = await iterator.next()
            sender.cancel()
            #expect(first?.channel == "jobs_ready")
            for i in 0..<5 { try await client.query("SELECT pg_notify('other', $1)", "payload-\(i) ünïcode") }
            var received: [String] = []
            while received.count < 5, let n = await iterator.next() {
                if n.channel == "other" { received.append(n.payload) }
            }
            #expect(received == (0..<5).map { "payload-\($0) ünïcode" })
        }
    }

    @Test func copyLoadsOneHundredThousandRows() async throws {
        try await TestDatabase.with(migrated: false) { client, _ in
            try await client.query("CREATE TABLE items (id bigint, name text, note text)")
            let rows: [[String?]] = (0..<100_000).map { i in
                [String(i), "item \(i)\twith tab\\and backslash\nand newline", i % 10 == 0 ? nil : "n"]
            }
            let copied = try await client.copyIn("COPY items (id, name, note) FROM STDIN", rows: rows)
            #expect(copied == 100_000)
            let summary = try await client.query(
                "SELECT count(*) AS n, count(note) AS notes, sum(id) AS total FROM items").one()
            #expect(try summary.decode("n", as: Int.self) == 100_000)
            #expect(try summary.decode("notes", as: Int.self) == 90_000)
            #expect(try summary.decode("total", as: Int.self) == 4_999_950_000)
            let sample = try await client.query("SELECT name FROM items WHERE id = 4242").one()
            #expect(try sample.decode("name", as: String.self) == "item 4242\twith tab\\and backslash\nand newline")
        }
    }

    @Test func sixtyFourTasksShareFourConnections() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 4) { client, _ in
            try await client.query("CREATE TABLE hits (task int, backend int)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<64 {
                    group.addTask {
                        _ = try await client.withConnection { connection in
                            try await connection.query(
                                "INSERT INTO hits SELECT $1, pg_backend_pid() FROM pg_sleep(0.01)", task)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let row = try await client.query(
                "SELECT count(*) AS n, count(DISTINCT task) AS tasks, count(DISTINCT backend) AS backends FROM hits"
            ).one()
            #expect(try row.decode("n", as: Int.self) == 64)
            #expect(try row.decode("tasks", as: Int.self) == 64)
            #expect(try row.decode("backends", as: Int.self) <= 4)
            #expect(client.statistics.open <= 4)
        }
    }

    @Test func cancellingTheTaskCancelsTheServerQuery() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 2) { client, _ in
            let started = ContinuousClock.now
            let sleeper = Task { try await client.query("SELECT pg_sleep(60)") }
            // Wait until the server runs the statement, then cancel the task.
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let running = try await client.query(
                    "SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'"
                ).one().decode("n", as: Int.self)
                if running == 1 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            sleeper.cancel()
            let error = await #expect(throws: DatabaseError.self) { try await sleeper.value }
            #expect(error?.kind == .queryCanceled)
            // Far less than the 60 s the statement asked for: the server really stopped it.
            #expect(ContinuousClock.now - started < .seconds(55))
            #expect(try await client.query("SELECT 1 AS one").one().decode("one", as: Int.self) == 1)
        }
    }

    @Test func waitingForAConnectionIsCancellable() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { client, _ in
            let holder = Task { try await client.query("SELECT pg_sleep(1)") }
            try await waitUntil { client.statistics.open == 1 && client.statistics.idle == 0 }
            let waiter = Task { try await client.query("SELECT 1") }
            try await waitUntil { client.statistics.waiting == 1 }
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(client.statistics.waiting == 0)
            _ = try await holder.value
            #expect(try await client.query("SELECT 2 AS two").one().decode("two", as: Int.self) == 2)
        }
    }

    @Test func poolSurvivesServerRestart() async throws {
        let cluster = try await TemporaryPostgresCluster.start()
        defer { cluster.destroy() }
        let client = PostgresClient(
            configuration: PostgresConfiguration(connectionString: cluster.url, maxConnections: 3),
            logger: TestDatabase.logger)
        // Open several connections so that all of them are dead after the restart.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { try await client.query("SELECT pg_sleep(0.05)") } }
            try await group.waitForAll()
        }
        let before = try await client.query("SELECT pg_postmaster_start_time()::text AS t").one().decode("t", as: String.self)
        try await cluster.restartAsync()
        for _ in 0..<6 {
            let after = try await client.query("SELECT pg_postmaster_start_time()::text AS t").one()
                .decode("t", as: String.self)
            #expect(after != before)
        }
        await client.shutdown()
    }

    @Test func unreachableServerIsAConnectionFailure() async throws {
        let port = try TemporaryPostgresCluster.freePort()
        let client = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: "postgresql://nobody@127.0.0.1:\(port)/none", connectTimeout: 2, maxConnections: 1),
            logger: TestDatabase.logger)
        let error = await #expect(throws: DatabaseError.self) { try await client.query("SELECT 1") }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.isConnectionLevel == true)
        #expect(client.statistics.open == 0)
        await client.shutdown()
    }
}

/// Polls `condition` until it holds, failing after `seconds`.
func waitUntil(seconds: Int = 30, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(seconds) s")
            return
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}
